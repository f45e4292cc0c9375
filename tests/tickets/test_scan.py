from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicgrid.notify.models import Notification
from civicgrid.tickets.models import Assignment, Event, Status, Ticket
from civicgrid.tickets.scan import ScanResult, scan_deadlines
from tests.registry.factories import COMMUNITY, make_grid, make_hierarchy
from tests.sla.factories import local, make_assignment, make_ticket, make_unit, make_user

pytestmark = pytest.mark.django_db

DISPATCHED = local(2026, 3, 2, 9, 0)
YELLOW, RED, DUE = local(2026, 3, 3, 9), local(2026, 3, 4, 9), local(2026, 3, 5, 9)


@pytest.fixture
def unit():
    return make_unit()


@pytest.fixture
def handler(unit):
    return make_user("handler", units=[unit])


def assign(ticket, unit, **fields):
    return make_assignment(
        ticket, unit, dispatched_at=DISPATCHED, yellow_at=YELLOW, red_at=RED, due_at=DUE, **fields
    )


def actions(ticket):
    return list(ticket.events.order_by("id").values_list("action", flat=True))


def test_nothing_before_the_first_threshold(unit, handler):
    assign(make_ticket(), unit)
    assert scan_deadlines(now=YELLOW - timedelta(seconds=1)) == ScanResult(0, 0, 0)
    assert not Event.objects.exists()
    assert not Notification.objects.exists()


def test_each_warning_is_issued_once_in_order(unit, handler):
    ticket = make_ticket()
    a = assign(ticket, unit)

    assert scan_deadlines(now=YELLOW) == ScanResult(yellow=1)
    assert scan_deadlines(now=YELLOW + timedelta(hours=1)) == ScanResult()
    a.refresh_from_db()
    ticket.refresh_from_db()
    assert a.yellow_issued_at == YELLOW
    assert (a.red_issued_at, a.overdue_issued_at) == (None, None)
    assert ticket.warning_level == "yellow"

    assert scan_deadlines(now=RED) == ScanResult(red=1)
    ticket.refresh_from_db()
    assert ticket.warning_level == "red"

    assert scan_deadlines(now=DUE) == ScanResult(overdue=1)
    assert scan_deadlines(now=DUE + timedelta(days=3)) == ScanResult()
    ticket.refresh_from_db()
    assert ticket.warning_level == "overdue"
    assert ticket.status == Status.IN_PROGRESS
    assert actions(ticket) == ["warning_yellow", "warning_red", "overdue"]


def test_events_keep_the_status_and_carry_the_deadline(unit, handler):
    ticket = make_ticket(status=Status.DISPATCHED)
    a = assign(ticket, unit, state=Assignment.State.PENDING_SIGN)
    scan_deadlines(now=RED)

    events = list(ticket.events.order_by("id"))
    assert [e.action for e in events] == ["warning_yellow", "warning_red"]
    for event in events:
        assert event.from_status == event.to_status == Status.DISPATCHED
        assert event.assignment_id == a.pk
        assert event.at == RED
        assert event.actor is None
        assert event.payload["due_at"] == DUE.isoformat()
        assert event.payload["unit_id"] == unit.pk
    assert events[0].payload["threshold_at"] == YELLOW.isoformat()
    assert events[1].payload["threshold_at"] == RED.isoformat()
    assert "2026-03-05 09:00" in events[1].note


def test_notifications_go_to_the_units_active_users(unit, handler):
    make_user("retired", units=[unit], is_active=False)
    colleague = make_user("colleague", units=[unit, make_unit("D002", "水务局")])
    outsider = make_user("outsider", units=[make_unit("D003", "交通局")])
    ticket = make_ticket()
    assign(ticket, unit)

    scan_deadlines(now=YELLOW)
    yellow = Notification.objects.filter(kind="sla_yellow")
    assert sorted(yellow.values_list("recipient__username", flat=True)) == ["colleague", "handler"]
    note = yellow.get(recipient=handler)
    assert note.ticket == ticket
    assert ticket.number in note.title and "黄色预警" in note.title
    assert note.channels == [] and note.next_attempt_at is None

    scan_deadlines(now=RED)
    red = Notification.objects.get(kind="sla_red", recipient=colleague)
    assert red.channels == ["sms"]
    assert red.next_attempt_at == RED
    assert red.delivered_at is None
    assert not Notification.objects.filter(recipient=outsider).exists()


def test_grid_team_warnings_reach_the_grid_leader_and_workers():
    areas = make_hierarchy()
    grid = make_grid(f"{COMMUNITY}001", areas[COMMUNITY], None)
    team = make_unit("G001", "银海社区第1网格工作组", kind="grid_team", grid=grid)
    leader, worker = make_user("leader"), make_user("worker")
    make_user("member", units=[team])
    grid.leader = leader.staff
    grid.save()
    grid.workers.add(worker.staff)
    assign(make_ticket(dispatch_mode="direct_to_grid"), team)

    scan_deadlines(now=DUE)
    rows = Notification.objects.all()
    assert sorted(rows.values_list("recipient__username", flat=True)) == ["leader", "member", "worker"]
    # Three thresholds crossed at once: three events, one notification each (the worst).
    assert set(rows.values_list("kind", flat=True)) == {"sla_overdue"}
    assert Event.objects.count() == 3


def test_closed_tickets_and_inactive_assignments_are_ignored(unit, handler):
    closed = make_ticket(status=Status.CLOSED)
    assign(closed, unit)
    for state in (Assignment.State.REPLIED, Assignment.State.DONE, Assignment.State.CO_REPLIED):
        assign(make_ticket(), unit, state=state)
    replied = make_ticket(status=Status.REPLIED)
    assign(replied, unit, state=Assignment.State.REPLIED)

    assert scan_deadlines(now=DUE) == ScanResult()
    assert not Event.objects.exists()
    assert not Assignment.objects.filter(yellow_issued_at__isnull=False).exists()


def test_open_statuses_other_than_in_progress_are_scanned(unit, handler):
    for status in (Status.DISPATCHED, Status.RETURN_REQUESTED, Status.REOPENED):
        assign(make_ticket(status=status), unit, state=Assignment.State.RETURN_REQUESTED)
    assert scan_deadlines(now=YELLOW) == ScanResult(yellow=3)


def test_ticket_overlay_is_the_worst_of_its_live_assignments(unit, handler):
    co_unit = make_unit("D002", "水务局")
    ticket = make_ticket()
    assign(ticket, unit)
    make_assignment(
        ticket,
        co_unit,
        role=Assignment.Role.CO,
        dispatched_at=DISPATCHED,
        yellow_at=YELLOW - timedelta(hours=20),
        red_at=YELLOW - timedelta(hours=10),
        due_at=YELLOW + timedelta(hours=10),
    )
    assert scan_deadlines(now=YELLOW) == ScanResult(yellow=2, red=1)
    ticket.refresh_from_db()
    assert ticket.warning_level == "red"


def test_earlier_rounds_do_not_colour_the_ticket(unit, handler):
    ticket = make_ticket(dispatch_round=2)
    assign(ticket, unit, round=1, state=Assignment.State.IN_PROGRESS)
    assert scan_deadlines(now=YELLOW) == ScanResult(yellow=1)
    ticket.refresh_from_db()
    assert ticket.warning_level == ""


def test_a_deadline_moved_later_can_warn_again(unit, handler):
    ticket = make_ticket()
    a = assign(ticket, unit)
    assert scan_deadlines(now=DUE) == ScanResult(1, 1, 1)

    # What the extension service does: new deadlines, issued stamps cleared where the point moved ahead.
    Assignment.objects.filter(pk=a.pk).update(
        due_at=DUE + timedelta(days=4),
        yellow_at=DUE + timedelta(days=1),
        red_at=DUE + timedelta(days=2),
        yellow_issued_at=None,
        red_issued_at=None,
        overdue_issued_at=None,
    )
    ticket.warning_level = ""
    ticket.save(update_fields=["warning_level"])

    assert scan_deadlines(now=DUE + timedelta(hours=1)) == ScanResult()
    assert scan_deadlines(now=DUE + timedelta(days=2)) == ScanResult(yellow=1, red=1)
    assert scan_deadlines(now=DUE + timedelta(days=4)) == ScanResult(overdue=1)
    assert actions(ticket) == ["warning_yellow", "warning_red", "overdue"] * 2


def test_small_batches_cover_every_row(unit, handler):
    tickets = [make_ticket() for _ in range(7)]
    for ticket in tickets:
        assign(ticket, unit)
    assert scan_deadlines(now=RED, batch_size=2) == ScanResult(yellow=7, red=7)
    assert scan_deadlines(now=RED, batch_size=2) == ScanResult()
    assert Event.objects.count() == 14
    assert Notification.objects.count() == 7


def test_query_count_does_not_grow_with_the_rows(unit, handler):
    def queries_for(n: int) -> int:
        tickets = [make_ticket() for _ in range(n)]
        for ticket in tickets:
            assign(ticket, unit)
        with CaptureQueriesContext(connection) as queries:
            assert scan_deadlines(now=DUE) == ScanResult(n, n, n)
        Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(status=Status.CLOSED)
        return len(queries)

    assert queries_for(3) == queries_for(60) <= 20


def test_now_defaults_to_the_clock_and_naive_is_local(unit, handler):
    assign(make_ticket(), unit)
    with time_machine.travel(RED, tick=False):
        assert scan_deadlines() == ScanResult(yellow=1, red=1)
    assert scan_deadlines(now=DUE.replace(tzinfo=None)) == ScanResult(overdue=1)
    assert Assignment.objects.get().overdue_issued_at == DUE
