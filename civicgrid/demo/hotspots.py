"""The demo's early alerts: the worker's check run for each evening of the last two weeks of demo tickets, so the
alerts page and the briefing show what the worker would have raised. Built after the tickets; a second run raises
nothing new (an alert is raised once per cluster).

The simulated tickets are spread at random and never surge, so a small surge is planted first: one request a day
about the same problem at one named place for two weeks, then five on the last day, which the Poisson check
flags (see `civicgrid.hotspots.jobs`)."""

from datetime import datetime, timedelta

from django.utils import timezone

from civicgrid.demo import texts
from civicgrid.demo.tickets import Cast
from civicgrid.hotspots.jobs import raise_alerts
from civicgrid.intake import services as intake
from civicgrid.notify.services import historical
from civicgrid.registry.models import Place
from civicgrid.tickets.models import Ticket

DAYS = 14
SURGE = "夜间施工噪音扰民"
SURGE_TEXTS = (
    "{place}旁边工地夜间施工噪音扰民，晚上十一点以后还在施工，无法休息。",
    "{place}附近工地半夜施工噪音很大，居民无法入睡，请尽快处理。",
    "{place}工地夜间施工扰民，电钻声、敲打声持续到凌晨。",
)


def build(*, now: datetime | None = None, log=print) -> int:
    """Raise the alerts of the last `DAYS` days before `now` (default: the newest demo ticket); returns how many."""
    if now is None:
        newest = Ticket.objects.order_by("-received_at").values_list("received_at", flat=True).first()
        if newest is None:
            return 0
        now = newest
    plant_surge(now, log=log)
    evening = timezone.localtime(now).replace(hour=21, minute=0, second=0, microsecond=0)
    raised = 0
    for back in range(DAYS - 1, -1, -1):
        raised += raise_alerts(evening - timedelta(days=back), force=True)
    log(f"热点预警：{raised} 条")
    return raised


def plant_surge(now: datetime, *, log=print) -> int:
    """One request a day at one compound for `DAYS` days before `now`'s day, then five on that day before `now`
    (nothing when planted already or when the city has no compound); returns how many were planted."""
    place = Place.objects.filter(grid__isnull=False, kind=Place.Kind.COMPOUND).order_by("pk").first()
    if place is None or Ticket.objects.filter(title__startswith=f"{place.name}{SURGE}").exists():
        return 0
    cast = Cast.load()
    category = (
        next((c for c in texts.leaf_categories() if "噪" in c.name), None) or texts.leaf_categories()[0]
    )
    local = timezone.localtime(now)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    times = [midnight - timedelta(days=back) + timedelta(hours=10) for back in range(DAYS, 0, -1)]
    times += [midnight + (local - midnight) * (k + 1) / 6 for k in range(5)]
    with historical():  # the past's notifications are recorded, never sent
        for n, at in enumerate(times):
            ticket = intake.ticket_intake(
                category=category,
                actor=cast.operators[n % len(cast.operators)],
                channel="phone",
                request_type="TS",
                urgency="normal",
                title=f"{place.name}{SURGE}"[:100],
                content=SURGE_TEXTS[n % len(SURGE_TEXTS)].format(place=place.name),
                requester_name="",
                requester_phone=f"1390000{n:04d}",
                is_anonymous=False,
                address=place.address,
                lat=place.lat,
                lon=place.lon,
                at=at,
            )
            intake.ticket_accept(
                ticket=ticket, actor=cast.operators[0], category=category, at=at + timedelta(minutes=3)
            )
    log(f"热点演示：在「{place.name}」植入 {len(times)} 件同类诉求（前 {DAYS} 天每天 1 件，最后一天 5 件）")
    return len(times)
