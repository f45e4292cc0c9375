from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db.models import F

from civicgrid.demo.city import build_city
from civicgrid.demo.tickets import generate_tickets
from civicgrid.notify.models import Notification
from civicgrid.tickets.models import Assignment, Event, Status, Ticket
from civicgrid.tickets.services.closure import closed_has_callback_or_exemption

NOW = datetime(2026, 6, 30, 16, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    build_city(seed=3, grids=12, log=lambda msg: None)
    generate_tickets(count=160, days=30, seed=3, now=NOW, log=lambda msg: None)


def test_demo_tickets_have_genuine_histories_and_cover_the_lifecycle(demo):
    # One test: building the demo is the expensive part.
    _histories_are_genuine()
    _the_lifecycle_is_covered()
    _numbers_follow_the_received_day()


def _histories_are_genuine():
    assert Ticket.objects.count() == 160
    for ticket in Ticket.objects.all():
        events = list(Event.objects.filter(ticket=ticket).order_by("id"))
        assert events[0].action == "registered"
        assert events[-1].to_status == ticket.status
        assert all(e.at <= NOW for e in events)
        assert closed_has_callback_or_exemption(ticket)
    assert not Assignment.objects.filter(due_at__lt=F("dispatched_at")).exists()


def _the_lifecycle_is_covered():
    statuses = Counter(Ticket.objects.values_list("status", flat=True))
    for status in (
        Status.RECEIVED,
        Status.PENDING_DISPATCH,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.CLOSED,
        Status.MERGED,
        Status.TRANSFERRED,
        Status.NOT_ACCEPTED,
        Status.DIRECT_ANSWERED,
    ):
        assert statuses[status] > 0, (status, statuses)
    actions = Counter(Event.objects.values_list("action", flat=True))
    for action in (
        "dispatched",
        "signed",
        "contacted",
        "replied",
        "review_passed",
        "callback_recorded",
        "closed",
        "warning_yellow",
    ):
        assert actions[action] > 0, (action, actions)
    assert Ticket.objects.filter(rated_at__isnull=False).count() > 50
    assert Notification.objects.exists()


def _numbers_follow_the_received_day():
    for ticket in Ticket.objects.all()[:50]:
        assert ticket.number.startswith(ticket.received_at.astimezone(NOW.tzinfo).strftime("%Y%m%d"))


def test_the_simulated_past_sends_nothing(demo):
    from civicgrid.notify.services import HISTORICAL_NOTE

    outgoing = Notification.objects.exclude(channels=[])
    assert outgoing.exists()
    assert not outgoing.filter(next_attempt_at__isnull=False).exists()
    assert set(outgoing.values_list("delivery_error", flat=True)) == {HISTORICAL_NOTE}
