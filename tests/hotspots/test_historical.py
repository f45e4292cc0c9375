"""Imported history raises no live alert: the same growth that alerts when live stays quiet when historical."""

from datetime import date, timedelta

from civicgrid.hotspots.models import Alert
from civicgrid.tickets.models import Ticket
from tests.hotspots.test_jobs import _day_of, _run


def test_historical_tickets_raise_no_early_alert(world):
    start = date(2026, 3, 1)
    for offset, n in enumerate([1] * 10 + [4, 6, 8]):
        day = start + timedelta(days=offset)
        _day_of(world, day, n)
        Ticket.objects.update(is_historical=True)
        assert not _run(day)
    assert not Alert.objects.exists()
