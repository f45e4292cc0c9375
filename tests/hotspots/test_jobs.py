"""Early alerts with frozen time: raised once per cluster, on the day of the jump, before it is large."""

from datetime import date, timedelta

import time_machine

from civicgrid.core.models import AuditEvent
from civicgrid.hotspots.jobs import poisson_tail, raise_alerts
from civicgrid.hotspots.models import Alert, AlertCheck
from civicgrid.notify.models import Notification
from tests.hotspots.factories import moment, ticket

TEXTS = [
    "椰林花园小区门口烧烤摊油烟扰民",
    "椰林花园楼下烧烤油烟太大，晚上无法开窗",
    "投诉椰林花园小区烧烤摊油烟扰民",
    "椰林花园小区烧烤摊油烟熏人",
]


def _day_of(world, day, n, hour=9):
    for k in range(n):
        ticket(world, moment(day.year, day.month, day.day, hour, k), title=TEXTS[k % len(TEXTS)])


def _run(day, hour=20):
    with time_machine.travel(moment(day.year, day.month, day.day, hour), tick=False):
        from django.utils import timezone

        return raise_alerts(timezone.now(), force=True)


def test_poisson_tail():
    assert poisson_tail(0, 1.0) == 1.0
    assert abs(poisson_tail(4, 1.0) - 0.01899) < 1e-4
    assert poisson_tail(6, 1.0) < 0.001


def _grow(world, start: date, series):
    """One day at a time: tickets of the day, then the worker's evening run. Returns the days that alerted."""
    alerted = []
    for offset, n in enumerate(series):
        day = start + timedelta(days=offset)
        _day_of(world, day, n)
        if _run(day):
            alerted.append(day)
    return alerted


def test_growing_cluster_alerts_on_the_day_of_the_jump_and_only_once(world):
    start = date(2026, 3, 1)
    alerted = _grow(world, start, [1] * 10 + [4, 6, 8])
    assert alerted == [date(2026, 3, 11)]  # the day of 4, not the day of 6 or 8
    alert = Alert.objects.get()
    assert alert.size == 14  # still small
    assert alert.observed == 4
    assert 0.5 <= alert.expected <= 1.0
    assert alert.p_value < 0.02
    assert "椰林花园" in alert.label
    assert "4件" in alert.explanation and "泊松" in alert.explanation
    assert alert.tickets.count() == 14
    to = set(Notification.objects.filter(kind="hotspot_alert").values_list("recipient__username", flat=True))
    assert to == {"hs_sup", "hs_leader"}
    assert AuditEvent.objects.filter(action="hotspots.alert").count() == 1


def test_flat_cluster_never_alerts(world):
    assert _grow(world, date(2026, 3, 1), [1, 2, 1, 2, 1, 2, 1, 2]) == []


def test_window_across_the_year_end(world):
    alerted = _grow(world, date(2026, 12, 24), [1] * 10 + [5])
    assert alerted == [date(2027, 1, 3)]
    alert = Alert.objects.get()
    assert alert.day == date(2027, 1, 3)
    assert alert.size == 15


def test_the_worker_checks_at_most_every_configured_minutes(world):
    from civicgrid.hotspots import jobs

    _day_of(world, date(2026, 3, 1), 3)
    with time_machine.travel(moment(2026, 3, 1, 20), tick=False) as traveller:
        from django.utils import timezone

        assert jobs.raise_alerts(timezone.now()) == 1  # first check: a new cluster of 3 in a day
        traveller.shift(timedelta(minutes=10))
        ran_at = AlertCheck.objects.get().ran_at
        assert jobs.raise_alerts(timezone.now()) == 0
        assert AlertCheck.objects.get().ran_at == ran_at
    assert Alert.objects.count() == 1


def test_the_job_is_registered():
    from civicgrid.core import periodic

    assert "热点预警" in [job.label for job in periodic.jobs()]
