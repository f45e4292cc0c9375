"""「两步验证」: set up, confirm, backup codes and turning off; and the code page after the password."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from civicgrid.console.access import staff_view
from civicgrid.console.twofactor import requires_two_factor
from civicgrid.core import signin, twofactor
from civicgrid.core.redirects import safe_next


def _next(request) -> str:
    return safe_next(request, settings.LOGIN_REDIRECT_URL)


@staff_view()
def verify(request):
    """The second step of signing in. Wrong codes count towards the lockout like wrong passwords."""
    user = request.user
    if user.is_verified() or not twofactor.has_device(user):
        return redirect(_next(request))
    username = user.get_username()
    if signin.is_locked(request, username):
        logout(request)
        return signin.locked_out(request)
    error = ""
    if request.method == "POST":
        device = twofactor.verify(user, request.POST.get("code", ""))
        if device is not None:
            otp_login(request, device)
            signin.signed_in(request, username)
            return redirect(_next(request))
        if signin.code_failed(request, username):
            logout(request)
            return signin.locked_out(request)
        error = "验证码不正确或已过期，请重新输入。"
    return render(request, "registration/two_factor_verify.html", {"error": error, "next": _next(request)})


@staff_view()
def setup(request):
    user = request.user
    context = {"required": requires_two_factor(user), "next": _next(request)}
    if twofactor.has_device(user):
        context["enabled"] = True
        context["backup_left"] = twofactor.backup_codes_left(user)
        return render(request, "console/two_factor.html", context)
    device = twofactor.pending_device(user)
    if request.method == "POST":
        _, codes = twofactor.enable(user=user, code=request.POST.get("code", ""))
        otp_login(request, user.totpdevice_set.get(confirmed=True))
        signin.signed_in(request, user.get_username())
        return render(request, "console/two_factor_codes.html", {"codes": codes, "next": _next(request)})
    context.update(qr=twofactor.qr_svg(device), secret=twofactor.secret_text(device))
    return render(request, "console/two_factor.html", context)


@require_POST
@staff_view()
def backup_codes(request):
    codes = twofactor.renew_backup_codes(user=request.user, code=request.POST.get("code", ""))
    return render(request, "console/two_factor_codes.html", {"codes": codes, "next": ""})


@require_POST
@staff_view()
def disable(request):
    twofactor.disable(
        user=request.user, password=request.POST.get("password", ""), code=request.POST.get("code", "")
    )
    messages.success(request, "两步验证已关闭。")
    return redirect("console:two_factor")


urlpatterns = [
    path("two-factor/", setup, name="two_factor"),
    path("two-factor/verify/", verify, name="two_factor_verify"),
    path("two-factor/backup-codes/", backup_codes, name="two_factor_backup_codes"),
    path("two-factor/disable/", disable, name="two_factor_disable"),
]
