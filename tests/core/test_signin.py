"""Staff sign-in lockout (civicgrid.core.signin, django-axes): counted per account + client address in the
database, audited, lifted by an administrator; the admin's login is the same page."""

import pytest
from axes.models import AccessAttempt
from django.test import Client, override_settings
from django.urls import reverse

from civicgrid.core.models import AuditEvent
from tests.assessment.factories import make_staff, make_user

LOGIN = "/accounts/login/"
PASSWORD = "x-long-password-1"
PROXY = override_settings(CIVICGRID_PORTAL_CLIENT_IP_HEADER="HTTP_X_REAL_IP")


@pytest.fixture
def clerk(db):
    user = make_staff("clerk", ["operator"])
    user.set_password(PASSWORD)
    user.save()
    return user


def _sign_in(client, password, address="10.0.0.1", username="clerk", next_=""):
    return client.post(
        LOGIN + (f"?next={next_}" if next_ else ""),
        {"username": username, "password": password},
        headers={"x-real-ip": address},
    )


@PROXY
def test_five_wrong_passwords_lock_the_account_here_with_a_chinese_page_and_an_audit_row(clerk):
    client = Client()
    for _ in range(4):
        assert _sign_in(client, "wrong").status_code == 200  # the form again, with its error
    locked = _sign_in(client, "wrong")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "登录已暂时锁定" in page and "30 分钟" in page and "系统管理员" in page
    assert _sign_in(client, PASSWORD).status_code == 429  # the right password does not help now
    assert AuditEvent.objects.filter(action="signin.failed").count() == 5
    lockout = AuditEvent.objects.get(action="signin.locked_out")
    assert lockout.payload == {"username": "clerk", "address": "10.0.0.1"}
    assert AuditEvent.objects.filter(action="signin.locked_attempt").count() == 1


@PROXY
def test_the_lock_is_shared_by_every_session_from_that_address_and_not_by_other_addresses(clerk):
    first, second, elsewhere = Client(), Client(), Client()
    for _ in range(5):
        _sign_in(first, "wrong")
    assert _sign_in(second, PASSWORD).status_code == 429  # a new session (cookie) is no way round it
    assert _sign_in(elsewhere, PASSWORD, address="10.0.0.2").status_code == 302  # the owner elsewhere is not


@PROXY
def test_the_limit_and_cool_off_come_from_the_rule_in_force(clerk, time_machine):
    from datetime import date

    from civicgrid.core.models import SigninPolicy

    SigninPolicy.objects.create(
        version="从严", effective_from=date(2026, 3, 1), failure_limit=2, cooloff_minutes=60
    )
    SigninPolicy.objects.create(
        version="将来", effective_from=date(2026, 4, 1), failure_limit=9, cooloff_minutes=5
    )
    time_machine.move_to("2026-03-02 09:00 +08:00", tick=False)
    _sign_in(Client(), "wrong")
    _sign_in(Client(), "wrong")
    locked = _sign_in(Client(), "wrong")
    assert locked.status_code == 429 and "1 小时" in locked.content.decode()
    time_machine.move_to("2026-03-02 09:59 +08:00", tick=False)
    assert _sign_in(Client(), PASSWORD).status_code == 429
    time_machine.move_to("2026-03-02 10:01 +08:00", tick=False)
    assert _sign_in(Client(), PASSWORD).status_code == 302


@PROXY
def test_the_admin_login_is_the_same_page_and_as_locked(clerk):
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response.url == f"{LOGIN}?next=/admin/"
    for _ in range(5):
        _sign_in(Client(), "wrong", next_="/admin/")
    assert _sign_in(Client(), PASSWORD, next_="/admin/").status_code == 429


@PROXY
def test_an_administrator_unlocks_in_the_admin_and_it_is_audited(clerk):
    for _ in range(5):
        _sign_in(Client(), "wrong")
    attempt = AccessAttempt.objects.get(username="clerk")
    admin = Client()
    admin.force_login(make_user("root", superuser=True))
    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert "解除所选登录锁定" in listing.content.decode()
    response = admin.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "unlock", "_selected_action": [attempt.pk]},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    event = AuditEvent.objects.get(action="signin.unlock")
    assert event.actor.username == "root" and event.payload["username"] == "clerk"
    assert _sign_in(Client(), PASSWORD).status_code == 302


def test_the_lockout_admin_pages_read_in_chinese(db):
    admin = Client()
    admin.force_login(make_user("root", superuser=True))
    page = admin.get("/admin/").content.decode()
    for label in ("登录锁定", "登录失败记录", "登录记录"):
        assert label in page


@PROXY
def test_an_address_header_that_is_no_address_still_counts_by_account(clerk):
    # The address column is an IP address (PostgreSQL's inet): a malformed header must not break sign-in.
    for _ in range(5):
        assert _sign_in(Client(), "wrong", address="not-an-address").status_code in (200, 429)
    assert AccessAttempt.objects.get(username="clerk").ip_address is None
    assert _sign_in(Client(), PASSWORD, address="not-an-address").status_code == 429


def test_a_rule_outside_sensible_bounds_is_refused_in_chinese(db):
    from datetime import date

    from django.core.exceptions import ValidationError

    from civicgrid.core.models import SigninPolicy

    with pytest.raises(ValidationError) as refused:
        SigninPolicy(
            version="过松", effective_from=date(2026, 1, 1), failure_limit=1, cooloff_minutes=0
        ).full_clean()
    assert "3～20" in str(refused.value) and "1～1440" in str(refused.value)


def test_sign_in_records_are_kept_at_least_six_months_then_pruned(db, settings):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from axes.models import AccessFailureLog, AccessLog

    from civicgrid.core import signin

    now = datetime(2026, 12, 30, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    settings.CIVICGRID_SIGNIN_LOG_DAYS = 400
    for days in (10, 399, 401):
        AccessLog.objects.create(username="clerk", ip_address="10.0.0.1", user_agent="x")
        AccessFailureLog.objects.create(username="clerk", ip_address="10.0.0.1", user_agent="x")
        for model in (AccessLog, AccessFailureLog):
            model.objects.filter(pk=model.objects.latest("pk").pk).update(
                attempt_time=now - timedelta(days=days)
            )
    assert signin.prune_logs(now) == 2
    assert AccessLog.objects.count() == AccessFailureLog.objects.count() == 2
    assert signin.prune_logs(now) == 0
