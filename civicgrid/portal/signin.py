"""One sign-in for the whole portal: a resident proves her phone with a one-time SMS code (portal.otp) once, and
我的诉求, 我的组织 (party members), 志愿服务, 我的积分 and 微心愿 each look up what that phone has.

The session holds only the verified phone and when it stops counting (settings.CIVICGRID_MINE_SESSION_MINUTES);
signing out ends the whole session. A code is texted only to a phone the portal knows (a request, a member record,
a volunteer, a points account or a wish), or when she signs in to register as a volunteer, and the page is the same
either way, so it does not tell whether a number is known, nor where.
"""

import time

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from civicgrid.core.client import client_address
from civicgrid.core.refusal import Refusal
from civicgrid.engagement.selectors import wishes_of_phone
from civicgrid.notify import sms
from civicgrid.party.mine import members_with_phone
from civicgrid.points.selectors import accounts_of_phone
from civicgrid.portal import otp, ratelimit
from civicgrid.portal.forms import StyledForm
from civicgrid.portal.selectors import phone_key, tickets_of_phone
from civicgrid.volunteering.selectors import volunteers_with_phone

SESSION_KEY = "resident"
WRONG_CODE = "验证码不正确或已失效，请核对短信，或重新获取验证码"


class PhoneForm(StyledForm):
    phone = forms.CharField(
        label="手机号码",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text="填写本人手机号码，我们会发送短信验证码。",
        error_messages={"required": "请填写手机号码", "max_length": "手机号码格式不正确"},
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput())

    def clean_phone(self) -> str:
        phone = sms.normalize_phone(self.cleaned_data["phone"])
        if not 7 <= len(phone_key(phone)) <= 15:
            raise forms.ValidationError("请填写正确的手机号码")
        return phone


class CodeForm(PhoneForm):
    code = forms.CharField(
        label="短信验证码",
        max_length=10,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}
        ),
        error_messages={"required": "请填写短信里的 6 位验证码", "max_length": "验证码为 6 位数字"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget = forms.HiddenInput()


# ------------------------------------------------------------------------------------------------ session


def session_minutes() -> int:
    return getattr(settings, "CIVICGRID_MINE_SESSION_MINUTES", 30)


def signed_in_phone(request) -> str | None:
    data = request.session.get(SESSION_KEY)
    if not data:
        return None
    if data.get("until", 0) < time.time():
        request.session.pop(SESSION_KEY, None)
        return None
    return data["phone"]


def sign_in(request, phone: str) -> None:
    request.session.cycle_key()  # a new session id for the signed-in resident; the rest of the session stays
    request.session[SESSION_KEY] = {"phone": phone, "until": time.time() + session_minutes() * 60}
    request.session.set_expiry(session_minutes() * 60)


def sign_out(request) -> None:
    """Out of every section at once, with whatever the session kept for her (a pending QR scan)."""
    request.session.flush()


def safe_next(request, target: str | None, default: str = "portal:mine") -> str:
    """A path on this site to go on to after signing in; anything else falls back to `default` (a URL name)."""
    target = (target or "").strip()
    if (
        target.startswith("/")
        and not target.startswith("//")
        and target.isprintable()  # no line breaks or other controls for the Location header
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        return target
    return reverse(default)


def _for_everyone(target: str) -> bool:
    """Whether she signs in where a new phone is welcome: 志愿服务, where she registers after signing in, and
    人民调解, where she applies."""
    return target.startswith(reverse("portal:volunteer_home")) or target.startswith(
        reverse("portal:mediation")
    )


def phone_is_known(phone: str) -> bool:
    key = phone_key(phone)
    return bool(
        tickets_of_phone(phone)
        or members_with_phone(key)
        or volunteers_with_phone(key)
        or accounts_of_phone(key)
        or wishes_of_phone(phone).exists()
    )


# ------------------------------------------------------------------------------------------------ pages


def page(request, *, next_url: str, title="", intro="", notice="", links=(), form=None):
    """The sign-in form, shown in place by a section whose visitor is not signed in."""
    form = form or PhoneForm(initial={"next": next_url})
    return render(
        request,
        "portal/signin.html",
        {
            "form": form,
            "title": title,
            "intro": intro,
            "notice": notice,
            "links": links,
            "minutes": session_minutes(),
        },
    )


def _verify_page(request, form, phone: str, target: str):
    return render(
        request,
        "portal/signin_verify.html",
        {
            "form": form,
            "phone_tail": phone[-4:],
            "minutes": otp.CODE_SECONDS // 60,
            "for_everyone": _for_everyone(target),
            "again": f"{reverse('portal:signin')}?{urlencode({'next': target})}",
        },
    )


def code_view(default: str):
    """获取验证码 (POST), or the sign-in form (GET); `default` is where she goes on when no `next` came along."""

    @never_cache
    @require_http_methods(["GET", "POST"])
    def view(request):
        if request.method == "GET":
            return page(request, next_url=safe_next(request, request.GET.get("next"), default))
        form = PhoneForm(request.POST)
        target = safe_next(request, request.POST.get("next"), default)
        if not form.is_valid():
            return page(request, next_url=target, form=form)
        phone = form.cleaned_data["phone"]
        budget = ratelimit.Budget()
        if not budget.take(ratelimit.CODE_PER_ADDRESS, client_address(request)):
            return ratelimit.refused(request, ratelimit.CODE_PER_ADDRESS)
        if not budget.take(ratelimit.CODE_PER_PHONE, phone):
            budget.give_back()
            return ratelimit.refused(request, ratelimit.CODE_PER_PHONE)
        # Nobody is texted by strangers: an unknown number gets no SMS, and the same page.
        if _for_everyone(target) or phone_is_known(phone):
            try:
                otp.deliver_code(phone, otp.issue_code(phone))
            except Refusal as refusal:
                budget.give_back()
                form.add_error(None, refusal.message)
                return page(request, next_url=target, form=form)
        return _verify_page(request, CodeForm(initial={"phone": phone, "next": target}), phone, target)

    return view


def verify_view(default: str):
    @never_cache
    @require_POST
    def view(request):
        form = CodeForm(request.POST)
        target = safe_next(request, request.POST.get("next"), default)
        if not ratelimit.take(ratelimit.SIGN_IN_PER_ADDRESS, client_address(request)):
            return ratelimit.refused(request, ratelimit.SIGN_IN_PER_ADDRESS)
        if form.is_valid():
            phone = form.cleaned_data["phone"]
            if otp.check_code(phone, form.cleaned_data["code"]):
                sign_in(request, phone)
                return redirect(target)
            form.add_error("code", WRONG_CODE)
        return _verify_page(request, form, form.cleaned_data.get("phone") or "", target)

    return view


def sign_out_view(default: str):
    @never_cache
    @require_POST
    def view(request):
        sign_out(request)
        messages.success(request, "已退出登录。")
        return redirect(default)

    return view


code = code_view("portal:mine")
verify = verify_view("portal:mine")
logout = sign_out_view("portal:home")
