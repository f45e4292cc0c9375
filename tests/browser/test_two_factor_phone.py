"""Two-step sign-in on a 390 px phone at 100 % and 150 % text: an administrator's first sign-in sets it up
(QR code, key, a real code from the device key, backup codes); the next one asks for a code after the password."""

import re

import pytest
from django.contrib.auth import get_user_model
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.layout import assert_fits_phone, set_text_size

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PASSWORD = "x-long-password-1"


def fits(page):
    assert_fits_phone(page)
    set_text_size(page, 150)
    assert_fits_phone(page)
    set_text_size(page, 100)


def _password(phone):
    page = phone.open("/accounts/login/")
    fits(page)
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    return page


def test_an_administrator_sets_it_up_and_then_signs_in_with_a_code(phone, chromium):
    user = get_user_model().objects.create_superuser("root", password=PASSWORD)
    page = _password(phone)
    page.wait_for_selector("#two-factor-qr svg")
    assert "须先开启两步验证" in page.content()
    fits(page)
    phone.shot("phone-two-factor-setup")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page.fill("#id_code", f"{totp(device.bin_key):06d}")
    page.click("#two-factor-submit")
    page.wait_for_selector("#backup-codes")
    codes = re.findall(r"\b[a-z2-7]{8}\b", page.inner_text("#backup-codes"))
    assert len(codes) == 10
    fits(page)
    phone.shot("phone-two-factor-codes")

    phone.logout()
    page = _password(phone)
    page.wait_for_url("**/two-factor/verify/**")
    assert "验证码" in page.content()
    fits(page)
    phone.shot("phone-two-factor-verify")
    page.fill("#id_code", "000000")
    page.click("#two-factor-submit")
    page.wait_for_selector("text=验证码不正确")
    fits(page)
    page.wait_for_timeout(1100)  # django-otp waits a second after a wrong code before it checks another
    page.fill("#id_code", codes[0])
    page.click("#two-factor-submit")
    page.wait_for_url(lambda url: "/two-factor/" not in url)
    assert page.url.endswith("/console/")
