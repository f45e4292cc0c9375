from axes import apps as axes_apps
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static import apps as otp_static_apps
from django_otp.plugins.otp_totp import apps as otp_totp_apps


class CoreConfig(AppConfig):
    default = True
    name = "civicgrid.core"
    verbose_name = _("平台")

    def ready(self):
        from civicgrid.core import periodic, signin  # signin connects the sign-in audit receivers

        periodic.register("core.signin_logs", "登录记录清理", signin.prune_logs)


class AdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the site that wants a two-step verified session (core.admin_site)."""

    default = False
    default_site = "civicgrid.core.admin_site.AdminSite"


# The sign-in libraries' sections of the admin, by their Chinese names.
class AxesConfig(axes_apps.AppConfig):
    default = False
    verbose_name = _("登录锁定")


class TOTPConfig(otp_totp_apps.DefaultConfig):
    default = False
    verbose_name = _("两步验证（身份验证器）")


class StaticConfig(otp_static_apps.DefaultConfig):
    default = False
    verbose_name = _("两步验证（备用验证码）")
