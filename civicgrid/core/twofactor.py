"""Two-step sign-in (django-otp): an authenticator app's 6-digit code (TOTP) plus 10 one-time backup codes.

A person has at most one authenticator device; it counts only once confirmed with a code from the app.
"""

import base64

import segno
from django.db import transaction
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicgrid.core.audit import record_event
from civicgrid.core.refusal import Refusal

BACKUP_CODES = 10
APP_DEVICE = "身份验证器"
BACKUP_DEVICE = "备用验证码"


class TwoFactorRefused(Refusal):
    pass


def has_device(user) -> bool:
    return user_has_device(user, confirmed=True)


def pending_device(user) -> TOTPDevice:
    """The not yet confirmed authenticator being set up (one per person, kept until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=False)


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def secret_text(device: TOTPDevice) -> str:
    """The key as an authenticator app asks for it: base32 in groups of four."""
    key = base64.b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=2, omitsize=True)


def _new_backup_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def enable(*, user, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending authenticator with a code it shows; returns it and the new backup codes."""
    with transaction.atomic():
        if has_device(user):
            raise TwoFactorRefused("您已开启两步验证。")
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
        if device is None:
            raise TwoFactorRefused("请先打开两步验证页面，用手机扫描二维码。")
        if not device.verify_token(code.strip().replace(" ", "")):
            raise TwoFactorRefused("验证码不正确或已过期，请输入身份验证器上当前显示的 6 位数字。")
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_backup_codes(user)
        record_event(actor=user, action="twofactor.enable", target=user, summary=f"{user} 开启两步验证")
    return device, codes


def issue(*, user, actor) -> tuple[TOTPDevice, list[str]]:
    """A device confirmed without a code, for an account whose key is handed over another way (the demo's
    administrator, whose key and backup codes the demo prints)."""
    with transaction.atomic():
        if has_device(user):
            raise TwoFactorRefused(f"{user} 已开启两步验证。")
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=True)
        codes = _new_backup_codes(user)
        record_event(actor=actor, action="twofactor.enable", target=user, summary=f"为 {user} 开启两步验证")
    return device, codes


def verify(user, code: str):
    """The device that accepts this code (an authenticator code or an unused backup code), else None."""
    code = code.strip().replace(" ", "").lower()
    if not code:
        return None
    # A 6-digit code is the app's, anything else a backup code: asking only that kind keeps a backup code from
    # counting as a wrong app code in django-otp's throttle (and the reverse).
    app_code = len(code) == 6 and code.isdigit()
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if isinstance(device, TOTPDevice) == app_code and device.verify_token(code):
                return device
    return None


def renew_backup_codes(*, user, code: str) -> list[str]:
    with transaction.atomic():
        if verify(user, code) is None:
            raise TwoFactorRefused("验证码不正确，备用验证码未更换。")
        codes = _new_backup_codes(user)
        record_event(
            actor=user, action="twofactor.backup_codes", target=user, summary=f"{user} 重新生成备用验证码"
        )
    return codes


def disable(*, user, password: str, code: str) -> None:
    with transaction.atomic():
        if not user.check_password(password):
            raise TwoFactorRefused("密码不正确，两步验证未关闭。")
        if verify(user, code) is None:
            raise TwoFactorRefused("验证码不正确，两步验证未关闭。")
        for device in devices_for_user(user, confirmed=None):
            device.delete()
        record_event(actor=user, action="twofactor.disable", target=user, summary=f"{user} 关闭两步验证")


def reset(*, user, actor) -> None:
    """An administrator removes a person's devices (a lost phone): she sets up a new one at her next sign-in."""
    with transaction.atomic():
        removed = 0
        for device in devices_for_user(user, confirmed=None):
            device.delete()
            removed += 1
        if removed:
            record_event(
                actor=actor, action="twofactor.reset", target=user, summary=f"重置 {user} 的两步验证"
            )
