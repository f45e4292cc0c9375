"""Two-step sign-in (civicgrid.console.twofactor, views/twofactor, core.twofactor): required for
administrators, offered to every staff member; codes from the device key, backup codes once each."""

import re

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicgrid.core.models import AuditEvent
from civicgrid.registry.models import Role
from tests.assessment.factories import make_staff, make_user
from tests.signin import password_only

PASSWORD = "x-long-password-1"
SETUP, VERIFY = "/console/two-factor/", "/console/two-factor/verify/"


def code_of(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def _with_password(user):
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def root(db):
    return _with_password(make_user("root", superuser=True))


@pytest.fixture
def clerk(db):
    return _with_password(make_staff("clerk", ["operator"]))


@pytest.fixture
def administrator(db):
    # The seeded role may be gone after a transactional test elsewhere in the run (tests/reference_data.py).
    Role.objects.get_or_create(code=Role.ADMINISTRATOR, defaults={"name": "系统管理员"})
    return _with_password(make_staff("sysadmin", [Role.ADMINISTRATOR]))


@pytest.fixture
def clock(time_machine):
    time_machine.move_to("2026-03-02 09:00 +08:00", tick=False)
    return time_machine


def _sign_in(client, username, next_="/console/"):
    response = client.post(f"/accounts/login/?next={next_}", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client.get(response.url)


def _set_up(client, user) -> tuple[TOTPDevice, list[str]]:
    page = client.get(SETUP)
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post(SETUP, {"code": code_of(device), "next": "/console/"})
    codes = re.findall(r'<li class="list-group-item font-monospace fs-5">(\w+)</li>', done.content.decode())
    return device, codes


@pytest.mark.parametrize("who", ["root", "administrator"])
def test_an_administrator_is_sent_to_set_it_up_before_any_page(who, request, clock):
    user = request.getfixturevalue(who)
    assert user.is_superuser or user.staff.roles.filter(code=Role.ADMINISTRATOR).exists()
    client = Client()
    after_password = _sign_in(client, user.username, next_="/admin/")
    assert after_password.status_code == 302 and after_password.url == f"{SETUP}?next=%2Fadmin%2F"
    assert client.get("/console/tickets/").url.startswith(SETUP)
    page = client.get(SETUP).content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert "须先开启两步验证" in page
    assert "".join(re.search(r'id="two-factor-secret">([A-Z2-7 ]+)<', page).group(1).split()) == (
        __import__("base64").b32encode(device.bin_key).decode()
    )
    device, codes = _set_up(client, user)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/console/").status_code == 200
    if user.is_staff:
        assert client.get("/admin/").status_code == 200
    assert AuditEvent.objects.filter(action="twofactor.enable", actor=user).count() == 1


def test_a_wrong_code_does_not_turn_it_on(root, clock):
    client = Client()
    _sign_in(client, "root")
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=root)
    wrong = f"{(int(code_of(device)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"code": wrong}, follow=True)
    assert "验证码不正确" in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_with_a_device_the_code_is_asked_after_the_password_and_backup_codes_work_once(root, clock):
    first = Client()
    _sign_in(first, "root")
    device, codes = _set_up(first, root)

    second = Client()
    asked = _sign_in(second, "root", next_="/admin/")
    assert asked.status_code == 302 and asked.url == f"{VERIFY}?next=%2Fadmin%2F"
    page = second.get(asked.url).content.decode()
    assert "身份验证器" in page and "备用验证码" in page
    wrong = second.post(VERIFY, {"code": "000000", "next": "/admin/"})
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
    assert AuditEvent.objects.filter(action="signin.code_failed", payload__username="root").count() == 1
    clock.shift(2)  # django-otp's own throttle: a second try waits a second after a wrong code
    used = second.post(VERIFY, {"code": codes[0], "next": "/admin/"})
    assert used.status_code == 302 and used.url == "/admin/"
    assert second.get("/admin/").status_code == 200
    assert StaticToken.objects.count() == 9

    third = Client()
    _sign_in(third, "root")
    assert third.post(VERIFY, {"code": codes[0]}).status_code == 200  # spent
    clock.shift(60)
    assert third.post(VERIFY, {"code": code_of(TOTPDevice.objects.get(user=root))}).status_code == 302


def test_wrong_codes_count_towards_the_lockout(root, clock):
    client = Client()
    _sign_in(client, "root")
    _set_up(client, root)
    other = Client()
    _sign_in(other, "root")
    for _ in range(4):
        assert other.post(VERIFY, {"code": "000000"}).status_code == 200
    locked = other.post(VERIFY, {"code": "000000"})
    assert locked.status_code == 429 and "登录已暂时锁定" in locked.content.decode()
    assert other.get("/console/").status_code == 302  # signed out
    assert AuditEvent.objects.filter(action="signin.locked_out").exists()
    assert Client().post("/accounts/login/", {"username": "root", "password": PASSWORD}).status_code == 429


def test_the_admin_site_refuses_an_unverified_administrator(root):
    request = RequestFactory().get("/admin/")
    request.user = root
    root.is_verified = lambda: False
    assert not admin.site.has_permission(request)
    root.is_verified = lambda: True
    assert admin.site.has_permission(request)

    client = Client()
    password_only(client, root)
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith(SETUP)


def test_other_staff_are_offered_it_but_not_forced(clerk, clock):
    client = Client()
    home = _sign_in(client, "clerk")
    assert home.status_code == 200
    page = client.get(SETUP).content.decode()
    assert "开启后，登录时除密码外" in page and "须先开启" not in page
    _set_up(client, clerk)
    again = Client()
    assert _sign_in(again, "clerk").url.startswith(VERIFY)  # once on, it is asked like anyone's


def test_turning_it_off_needs_the_password_and_a_code_and_is_audited(clerk, clock):
    client = Client()
    _sign_in(client, "clerk")
    device, codes = _set_up(client, clerk)
    refused = client.post(
        "/console/two-factor/disable/", {"password": "wrong", "code": codes[1]}, follow=True
    )
    assert "密码不正确" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=clerk).exists()
    client.post("/console/two-factor/disable/", {"password": PASSWORD, "code": codes[1]})
    assert not TOTPDevice.objects.filter(user=clerk).exists()
    assert not StaticToken.objects.exists()
    assert AuditEvent.objects.filter(action="twofactor.disable", actor=clerk).count() == 1
    assert _sign_in(Client(), "clerk").status_code == 200


def test_admin_resets_a_lost_phone_in_chinese_and_audited(root, clerk):
    from civicgrid.core import twofactor

    twofactor.issue(user=clerk, actor=root)
    client = Client()
    client.force_login(root)
    page = client.get("/admin/core/twostepdevice/")
    text = page.content.decode()
    assert page.status_code == 200 and "两步验证" in text and "clerk" in text
    assert "TOTP" not in text and "confirmed" not in text
    assert "设置中，未确认" in client.get("/admin/core/twostepdevice/?state=pending").content.decode()
    device = TOTPDevice.objects.get(user=clerk)
    response = client.post(
        "/admin/core/twostepdevice/", {"action": "reset", "_selected_action": [device.pk]}, follow=True
    )
    assert "已重置 1 位用户的两步验证" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=clerk).exists()
    assert not StaticToken.objects.filter(device__user=clerk).exists()
    assert AuditEvent.objects.filter(action="twofactor.reset", target_id=str(clerk.pk)).count() == 1
    # django-otp's English pages are gone from the admin.
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404
