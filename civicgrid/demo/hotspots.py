"""The demo's early alerts: the worker's check run for each evening of the last two weeks of demo tickets, so the
alerts page and the briefing show what the worker would have raised. Built after the tickets; a second run raises
nothing new (an alert is raised once per cluster)."""

from datetime import datetime, timedelta

from django.utils import timezone

from civicgrid.hotspots.jobs import raise_alerts
from civicgrid.tickets.models import Ticket

DAYS = 14


def build(*, now: datetime | None = None, log=print) -> int:
    """Raise the alerts of the last `DAYS` days before `now` (default: the newest demo ticket); returns how many."""
    if now is None:
        newest = Ticket.objects.order_by("-received_at").values_list("received_at", flat=True).first()
        if newest is None:
            return 0
        now = newest
    evening = timezone.localtime(now).replace(hour=21, minute=0, second=0, microsecond=0)
    raised = 0
    for back in range(DAYS - 1, -1, -1):
        raised += raise_alerts(evening - timedelta(days=back), force=True)
    log(f"热点预警：{raised} 条")
    return raised
