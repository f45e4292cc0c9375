from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.db import transaction

from civicgrid.notify.backends import ConsoleBackend
from civicgrid.notify.models import Notification
from civicgrid.notify.services import deliver_pending, mark_read, notify, recipients_for_unit
from tests.registry.factories import COMMUNITY, make_grid, make_hierarchy
from tests.sla.factories import local, make_ticket, make_unit, make_user

pytestmark = pytest.mark.django_db

NOW = local(2026, 3, 2, 9, 0)
SENT: list[tuple[str, str]] = []


class RecordingBackend:
    def send(self, notification, channel):
        SENT.append((notification.recipient.get_username(), channel))


class FailingBackend:
    def send(self, notification, channel):
        raise ConnectionError("短信网关无响应")


@pytest.fixture(autouse=True)
def _clock(time_machine):
    SENT.clear()
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def backends(settings):
    def use(**channels):
        settings.CIVICGRID_NOTIFY_BACKENDS = {
            channel: f"tests.notify.test_services.{name}" for channel, name in channels.items()
        }

    return use


def test_recipients_are_the_units_active_staff():
    unit = make_unit()
    a, b = make_user("a", units=[unit]), make_user("b", units=[unit, make_unit("D002", "水务局")])
    make_user("gone", units=[unit], is_active=False)
    make_user("other", units=[make_unit("D003", "交通局")])
    assert recipients_for_unit(unit) == [a, b]


def test_grid_team_recipients_include_the_grid_leader_and_workers():
    areas = make_hierarchy()
    grid = make_grid(f"{COMMUNITY}001", areas[COMMUNITY], None)
    other_grid = make_grid(f"{COMMUNITY}002", areas[COMMUNITY], None)
    team = make_unit("G001", "网格工作组", kind="grid_team", grid=grid)
    leader, worker = make_user("leader"), make_user("worker", units=[team])
    make_user("elsewhere").staff.grids.add(other_grid)
    make_user("idle", is_active=False).staff.grids.add(grid)
    grid.leader = leader.staff
    grid.save()
    grid.workers.add(worker.staff)  # also a member of the unit: listed once
    assert [u.username for u in recipients_for_unit(team)] == ["leader", "worker"]
    assert recipients_for_unit(make_unit("E", "空单位")) == []


def test_notify_writes_in_app_rows_once_per_recipient():
    user, other = make_user("a"), make_user("b")
    ticket = make_ticket()
    rows = notify(
        recipients=[user, other, user], kind="dispatched", title="新工单", body="请签收", ticket=ticket
    )
    assert len(rows) == 2
    row = Notification.objects.get(recipient=user)
    assert (row.kind, row.title, row.body, row.ticket, row.created_at) == (
        "dispatched",
        "新工单",
        "请签收",
        ticket,
        NOW,
    )
    assert row.next_attempt_at is None and row.read_at is None


def test_external_channels_are_sent_after_commit(backends, django_capture_on_commit_callbacks):
    backends(sms="RecordingBackend")
    user = make_user("a")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(recipients=[user], kind="sla_red", title="红色预警", channels=["sms"])
        assert SENT == []
    assert len(callbacks) == 1
    assert SENT == [("a", "sms")]
    row = Notification.objects.get()
    assert row.delivered_at == NOW and row.next_attempt_at is None and row.delivery_attempts == 1


def test_a_rolled_back_change_sends_nothing(backends):
    backends(sms="RecordingBackend")
    user = make_user("a")
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(recipients=[user], kind="x", title="x", channels=["sms"])
        raise RuntimeError
    assert not Notification.objects.exists()
    assert deliver_pending() == 0
    assert SENT == []


def test_deliver_pending_with_the_console_backend(capsys):
    user = make_user("a")
    notify(
        recipients=[user],
        kind="sla_overdue",
        title="超期:工单 1",
        body="请尽快办理",
        channels=["sms", "email"],
    )
    notify(recipients=[user], kind="info", title="站内消息")
    assert deliver_pending() == 1
    out = capsys.readouterr().out
    assert "[sms] -> a: 超期:工单 1 | 请尽快办理" in out
    assert "[email] -> a: 超期:工单 1" in out
    assert "站内消息" not in out
    row = Notification.objects.get(kind="sla_overdue")
    assert row.delivered_at == NOW
    assert row.delivered_channels == ["sms", "email"]
    assert deliver_pending() == 0


def test_a_failing_backend_is_recorded_and_retried_later(backends, time_machine):
    backends(sms="FailingBackend")
    notify(recipients=[make_user("a")], kind="sla_red", title="红色预警", channels=["sms"])
    assert deliver_pending() == 0
    row = Notification.objects.get()
    assert row.delivered_at is None
    assert row.delivery_error == "sms: 短信网关无响应"
    assert row.delivery_attempts == 1
    assert row.next_attempt_at == NOW + timedelta(minutes=1)

    assert deliver_pending() == 0  # not due yet
    assert Notification.objects.get().delivery_attempts == 1

    time_machine.move_to(NOW + timedelta(minutes=1), tick=False)
    assert deliver_pending() == 0
    row = Notification.objects.get()
    assert row.delivery_attempts == 2
    assert row.next_attempt_at == NOW + timedelta(minutes=3)

    backends(sms="RecordingBackend")
    time_machine.move_to(NOW + timedelta(minutes=3), tick=False)
    assert deliver_pending() == 1
    row = Notification.objects.get()
    assert row.delivered_at == NOW + timedelta(minutes=3)
    assert row.delivery_error == ""
    assert SENT == [("a", "sms")]


def test_a_partial_failure_does_not_send_the_good_channel_twice(backends, time_machine):
    backends(sms="RecordingBackend", email="FailingBackend")
    notify(recipients=[make_user("a")], kind="x", title="x", channels=["sms", "email"])
    assert deliver_pending() == 0
    backends(sms="RecordingBackend", email="RecordingBackend")
    time_machine.move_to(NOW + timedelta(hours=1), tick=False)
    assert deliver_pending() == 1
    assert SENT == [("a", "sms"), ("a", "email")]


def test_delivery_gives_up_after_the_maximum_attempts(backends, settings, time_machine):
    settings.CIVICGRID_NOTIFY_MAX_ATTEMPTS = 2
    backends(sms="FailingBackend")
    notify(recipients=[make_user("a")], kind="x", title="x", channels=["sms"])
    deliver_pending()
    time_machine.move_to(NOW + timedelta(hours=1), tick=False)
    deliver_pending()
    row = Notification.objects.get()
    assert (row.delivery_attempts, row.next_attempt_at, row.delivered_at) == (2, None, None)
    assert row.delivery_error


def test_an_unconfigured_channel_is_an_error_on_the_row():
    notify(recipients=[make_user("a")], kind="x", title="x", channels=["fax"])
    assert deliver_pending() == 0
    assert "fax" in Notification.objects.get().delivery_error


def test_claimed_rows_are_not_sent_by_a_second_worker(backends):
    from civicgrid.notify import services

    backends(sms="RecordingBackend")
    first, second = notify(recipients=[make_user("a"), make_user("b")], kind="x", title="x", channels=["sms"])
    assert services._claim(first.pk, NOW) is not None
    assert services._claim(first.pk, NOW) is None
    assert deliver_pending() == 1  # the claimed row is the first worker's; only the other one goes
    assert SENT == [("b", "sms")]


class Killed(BaseException):
    """A kill -9 of the worker: nothing after it runs."""


class DyingBackend:
    def send(self, notification, channel):
        SENT.append((notification.recipient.get_username(), channel))
        if len(SENT) == 2:
            raise Killed


def test_a_worker_killed_mid_delivery_holds_back_only_the_row_in_flight(backends, time_machine):
    backends(sms="DyingBackend")
    rows = notify(recipients=[make_user(f"u{i}") for i in range(5)], kind="x", title="x", channels=["sms"])
    with pytest.raises(Killed):
        deliver_pending()
    backends(sms="RecordingBackend")
    assert deliver_pending() == 3  # at once, not after the lease
    assert Notification.objects.filter(delivered_at__isnull=True).get().pk == rows[1].pk
    time_machine.move_to(NOW + timedelta(minutes=2), tick=False)
    assert deliver_pending() == 1
    assert len(SENT) == 6  # the row in flight went twice: console and e-mail cannot recognise a repeat


def test_deliver_pending_respects_the_limit(backends):
    backends(sms="RecordingBackend")
    notify(recipients=[make_user(f"u{i}") for i in range(5)], kind="x", title="x", channels=["sms"])
    assert deliver_pending(limit=3) == 3
    assert deliver_pending(limit=3) == 2


def test_email_backend_uses_django_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CIVICGRID_NOTIFY_BACKENDS = {"email": "civicgrid.notify.backends.EmailBackend"}
    notify(
        recipients=[make_user("a", email="a@example.cn")],
        kind="x",
        title="红色预警",
        body="正文",
        channels=["email"],
    )
    notify(recipients=[make_user("b")], kind="x", title="红色预警", channels=["email"])
    assert deliver_pending() == 1
    assert [(m.subject, m.body, m.to) for m in mail.outbox] == [("红色预警", "正文", ["a@example.cn"])]
    assert "未设置电子邮箱" in Notification.objects.get(recipient__username="b").delivery_error


def test_console_backend_writes_to_its_stream():
    stream = StringIO()
    row = notify(recipients=[make_user("a")], kind="x", title="标题")[0]
    ConsoleBackend(stream).send(row, "sms")
    assert stream.getvalue() == "[sms] -> a: 标题\n"


def test_mark_read_touches_only_the_users_own_rows():
    a, b = make_user("a"), make_user("b")
    mine = notify(recipients=[a], kind="x", title="x") + notify(recipients=[a], kind="x", title="y")
    theirs = notify(recipients=[b], kind="x", title="x")
    assert mark_read(user=a, notification_ids=[mine[0].pk, theirs[0].pk]) == 1
    assert mark_read(user=a, notification_ids=[mine[0].pk]) == 0
    assert list(Notification.objects.filter(read_at__isnull=False).values_list("pk", flat=True)) == [
        mine[0].pk
    ]
    assert Notification.objects.get(pk=mine[0].pk).read_at == NOW


def test_one_pass_delivers_a_whole_burst_not_just_one_batch(backends):
    from civicgrid.notify.services import create_notifications

    backends(sms="RecordingBackend")
    user = make_user("busy")
    create_notifications(
        [
            Notification(recipient=user, kind="x", title=f"t{i}", created_at=NOW, channels=["sms"])
            for i in range(600)
        ],
        deliver_on_commit=False,
    )
    assert deliver_pending() == 600
