from functools import wraps

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import Http404
from django.urls import include, path
from django.utils.functional import lazy

from civicgrid.api.api import api
from civicgrid.core.health import healthz

admin.site.site_header = lazy(lambda: settings.CIVICGRID_PRODUCT_NAME, str)()
admin.site.site_title = lazy(lambda: f"{settings.CIVICGRID_PRODUCT_NAME} 管理后台", str)()
admin.site.index_title = "登记与配置"


def _needs_email(view):
    """Password reset exists only where mail can be sent (settings.CIVICGRID_EMAIL_CONFIGURED)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.CIVICGRID_EMAIL_CONFIGURED:
            raise Http404("未配置电子邮件，不能自助找回密码")
        return view(request, *args, **kwargs)

    return wrapper


# The pages are the console's (Django's own, from the admin app, would be found first under their names).
_reset_mail = {"product_name": lazy(lambda: settings.CIVICGRID_PRODUCT_NAME, str)()}
accounts = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path(
        "password_reset/",
        _needs_email(
            auth_views.PasswordResetView.as_view(
                template_name="registration/reset_form.html",
                email_template_name="registration/reset_email.txt",
                subject_template_name="registration/reset_subject.txt",
                extra_email_context=_reset_mail,
            )
        ),
        name="password_reset",
    ),
    path(
        "password_reset/done/",
        _needs_email(auth_views.PasswordResetDoneView.as_view(template_name="registration/reset_done.html")),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        _needs_email(
            auth_views.PasswordResetConfirmView.as_view(template_name="registration/reset_confirm.html")
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        _needs_email(
            auth_views.PasswordResetCompleteView.as_view(template_name="registration/reset_complete.html")
        ),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", include("civicgrid.portal.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("open311/v2/", include("civicgrid.open311.urls")),
    path("accounts/", include(accounts)),
    path("console/", include("civicgrid.console.urls")),
]
