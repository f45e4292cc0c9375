"""Two `civicgrid worker` passes at the same moment on PostgreSQL, over data where the deadline scan, the unsigned
escalation, the notification and resident SMS outboxes, points posting and the registered jobs all have work:
every warning, escalation, delivery, posting, monthly scan and monthly count happens exactly once."""

import threading
from collections import Counter
from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.db import connection
from django.db.models import Count

from civicgrid.assessment.models import MonthlyCount, MonthStamp
from civicgrid.core.models import AuditEvent, Lease
from civicgrid.notify.backends import SmsDeliveryError
from civicgrid.notify.models import Notification
from civicgrid.notify.sms import SmsMessage, SmsStatus, enqueue
from civicgrid.points import ledger
from civicgrid.points import services as points
from civicgrid.points.models import PointsEntry
from civicgrid.tickets.management.commands.worker import Command
from civicgrid.tickets.models import Assignment, Event, Status
from civicgrid.weakorgs.models import MonthlyScan
from tests.points.conftest import T0, World
from tests.sla.factories import local, make_assignment, make_ticket, make_unit, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NOW = local(2026, 3, 6, 10)  # after every deadline below and after the points' 3-day publicity
TICKETS = 40
SENT: list[tuple[str, int, str]] = []  # what the backends were asked to send: (outbox, row id, channel)
LOCK = threading.Lock()


class RecordingBackend:
    def send(self, notification, channel):
        with LOCK:
            SENT.append(("notify", notification.pk, channel))


class RecordingGateway:
    def send(self, message):
        with LOCK:
            SENT.append(("sms", message.pk, "sms"))
        return f"test-{message.pk}"


class DownGateway:
    def send(self, message):
        raise SmsDeliveryError("短信网关无响应")


def _deadline_work():
    """Tickets with warnings due (a third only yellow, a third red, a third overdue) and unsigned assignments."""
    unit, department = make_unit("D101", "住建局"), make_unit("D102", "水务局", is_functional_department=True)
    make_user("handler", units=[unit, department])
    for i in range(TICKETS):
        make_assignment(
            make_ticket(),
            unit,
            dispatched_at=local(2026, 3, 2, 9),
            yellow_at=local(2026, 3, 3, 9),
            red_at=local(2026, 3, 4, 9) if i % 3 else local(2026, 3, 7, 9),
            due_at=local(2026, 3, 5, 9) if i % 3 == 2 else local(2026, 3, 9, 9),
        )
        make_assignment(
            make_ticket(status=Status.DISPATCHED),
            department,
            state=Assignment.State.PENDING_SIGN,
            dispatched_at=local(2026, 3, 2, 9),
            sign_due_at=local(2026, 3, 3, 9),
        )


def _resident_sms(settings) -> list[int]:
    """Messages queued while the gateway was down: their retry is due at NOW."""
    settings.CIVICGRID_SMS_GATEWAY = "tests.tickets.test_worker_concurrency.DownGateway"
    ids = []
    with time_machine.travel(NOW - timedelta(minutes=30), tick=False):
        for i in range(10):
            message = enqueue(
                phone=f"1380013{i:04d}",
                template="login_code",
                params={"code": f"{i:06d}", "minutes": "5"},
                key=f"worker-race-{i}",
            )
            ids.append(message.pk)
    assert SmsMessage.objects.filter(pk__in=ids, status=SmsStatus.PENDING).count() == len(ids)
    settings.CIVICGRID_SMS_GATEWAY = "tests.tickets.test_worker_concurrency.RecordingGateway"
    return ids


def _publicised_points() -> tuple[World, list]:
    world = World()
    accounts = [world.account] + [world.open(f"居民{i}", f"1390000{i:04d}") for i in range(1, 6)]
    for account in accounts:
        for _ in range(2):
            entry = points.claim(account=account, rule=world.rules["P04"], now=T0)
            points.review(entry=entry, now=T0)
            points.publicise(entry=entry, now=T0)
    return world, accounts


def _two_passes() -> None:
    barrier = threading.Barrier(2)
    errors = []

    def work():
        try:
            command = Command(stdout=StringIO(), stderr=StringIO())
            command.verbosity = 1
            barrier.wait()
            command._pass()
        except Exception as error:  # reported in the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    with time_machine.travel(NOW, tick=False):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
    assert not errors, errors


def test_two_workers_at_once_do_every_job_once(settings):
    settings.CIVICGRID_NOTIFY_BACKENDS = {
        "sms": "tests.tickets.test_worker_concurrency.RecordingBackend",
        "email": "tests.tickets.test_worker_concurrency.RecordingBackend",
    }
    SENT.clear()
    _deadline_work()
    sms_ids = _resident_sms(settings)
    world, accounts = _publicised_points()

    _two_passes()

    # Deadline warnings: one event per assignment and level, one notification per warned assignment.
    warnings = Counter(
        Event.objects.filter(action__in=["warning_yellow", "warning_red", "overdue"]).values_list(
            "assignment_id", "action"
        )
    )
    assert set(warnings.values()) == {1}
    assert Counter(action for _, action in warnings) == {
        "warning_yellow": TICKETS,
        "warning_red": sum(1 for i in range(TICKETS) if i % 3),
        "overdue": sum(1 for i in range(TICKETS) if i % 3 == 2),
    }
    assert Notification.objects.filter(kind__startswith="sla_").count() == TICKETS
    # Unsigned: each escalated once.
    escalated = Event.objects.filter(action__in=["auto_escalated", "unsigned_returned"]).values("ticket")
    assert sorted(row["n"] for row in escalated.annotate(n=Count("id"))) == [1] * TICKETS
    assert Assignment.objects.filter(auto_escalated_at=NOW).count() == TICKETS
    # Every outgoing row sent once per channel, by one of the two workers.
    assert SENT and set(Counter(SENT).values()) == {1}
    outgoing = Notification.objects.exclude(channels=[])
    assert outgoing.filter(delivered_at__isnull=True).count() == 0
    assert {(pk, "sms") for _, pk, _ in filter(lambda s: s[0] == "notify", SENT)} == {
        (pk, "sms") for pk in outgoing.values_list("pk", flat=True)
    }
    assert sorted(pk for outbox, pk, _ in SENT if outbox == "sms") == sorted(sms_ids)
    assert AuditEvent.objects.filter(action="sms.sent").count() == len(sms_ids)
    # Points: each entry posted once, balances right.
    assert PointsEntry.objects.filter(account__in=accounts, state="posted").count() == 2 * len(accounts)
    assert all(ledger.balance_of(account) == 20 for account in accounts)
    posted = AuditEvent.objects.filter(action="points.post_due").values_list("payload", flat=True)
    assert sum(payload["posted"] for payload in posted) == 2 * len(accounts)
    # Registered jobs: this month's 软弱涣散 scan once; the finished months counted once each.
    assert MonthlyScan.objects.filter(month=date(2026, 3, 1)).count() == 1
    cells = Counter(MonthlyCount.objects.values_list("month", "by", "key", "town", "code"))
    assert not cells or set(cells.values()) == {1}
    assert MonthStamp.objects.values("month").annotate(n=Count("id")).filter(n__gt=1).count() == 0
    assert not Lease.objects.exists()
