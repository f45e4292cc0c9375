"""Reads for the leaders' dashboard 「领导看板」: volume per day, category mix, overdue, the grid map.

Like the league tables these are aggregates counted in the database (one grouped query each), scoped
by `unit_scope`, with no personal fields: what a ranking meeting may put on a screen.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count
from django.db.models.functions import Substr, TruncDate
from django.utils import timezone

from civicgrid.assessment.selectors import area_filter, period_bounds, three_rates, unit_scope
from civicgrid.registry.geojson import export_geojson
from civicgrid.registry.models import Grid
from civicgrid.routing.models import Category
from civicgrid.tickets.models import HANDLING_STATUSES, Ticket, WarningLevel

UNCATEGORISED = "未分类"
# The dashboard's ready-made periods (the console names them 本月、上月、近90天).
PRESETS = ("month", "last_month", "90d")


def preset_period(preset: str, today: date) -> tuple[date, date]:
    """The dates of a ready-made period on `today`: this month to date (any unknown preset too), last month,
    the last 90 days."""
    month_start = today.replace(day=1)
    if preset == "last_month":
        last_day = month_start - timedelta(days=1)
        return last_day.replace(day=1), last_day
    if preset == "90d":
        return today - timedelta(days=89), today
    return month_start, today


def shown_periods(today: date) -> list[tuple[date, date]]:
    """Every period the dashboard's ready-made views count on `today`: each preset's, with its 环比 and 同比."""
    from civicgrid.assessment.leagues import last_year_period, previous_period

    periods = []
    for preset in PRESETS:
        period = preset_period(preset, today)
        periods += [period, previous_period(*period), last_year_period(*period)]
    return periods


@dataclass
class GridFigure:
    pk: int
    code: str
    name: str
    received: int
    rated: int
    satisfaction_rate: float | None


def _received(user, date_from: date, date_to: date, area=None):
    units = unit_scope(user)
    start, end = period_bounds(date_from, date_to)
    tickets = Ticket.objects.filter(received_at__gte=start, received_at__lt=end)
    if units is not None:
        tickets = tickets.filter(lead_unit__in=units)
    if area is not None:
        tickets = tickets.filter(area_filter(area))
    return tickets.order_by()


def received_per_day(*, user, date_from: date, date_to: date) -> list[tuple[date, int]]:
    """Tickets received on each local day of the period, days without tickets included as 0."""
    counts = dict(
        _received(user, date_from, date_to)
        .annotate(day=TruncDate("received_at", tzinfo=timezone.get_default_timezone()))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    days = (date_to - date_from).days + 1
    return [(day, counts.get(day, 0)) for day in (date_from + timedelta(n) for n in range(days))]


def category_mix(*, user, date_from: date, date_to: date) -> list[tuple[str, int]]:
    """Tickets received in the period per first-level category, largest first; no category last."""
    counts = dict(
        _received(user, date_from, date_to)
        .annotate(code=Substr("category_code", 1, 2))
        .values("code")
        .annotate(n=Count("pk"))
        .values_list("code", "n")
    )
    uncategorised = counts.pop("", 0) + counts.pop(None, 0)
    # Codes repeat across category versions; the most recently added active row names the code.
    names = dict(
        Category.objects.filter(code__in=list(counts)).order_by("is_active", "pk").values_list("code", "name")
    )
    mix = sorted(((names.get(code, code), n) for code, n in counts.items()), key=lambda item: -item[1])
    if uncategorised:
        mix.append((UNCATEGORISED, uncategorised))
    return mix


def overdue_open(*, user) -> int:
    """Tickets being handled now whose deadline has passed (the scanner's overdue mark)."""
    units = unit_scope(user)
    tickets = Ticket.objects.filter(status__in=HANDLING_STATUSES, warning_level=WarningLevel.OVERDUE)
    if units is not None:
        tickets = tickets.filter(lead_unit__in=units)
    return tickets.count()


def grid_figures(
    *, user, date_from: date, date_to: date, recent: bool = False, rows=None
) -> list[GridFigure]:
    """Volume and satisfaction per grid over the period, for every active grid with a boundary (`recent`: as
    `three_rates` says; `rows`: its rows by grid when already counted)."""
    if rows is None:
        rows = three_rates(user=user, date_from=date_from, date_to=date_to, by="grid", recent=recent)
    rows = {row.key: row for row in rows}
    grids = Grid.objects.filter(is_active=True, geometry__isnull=False).order_by("code")
    figures = []
    for pk, code, name in grids.values_list("pk", "code", "name"):
        row = rows.get(pk)
        figures.append(
            GridFigure(
                pk=pk,
                code=code,
                name=name,
                received=row.received if row else 0,
                rated=row.rated if row else 0,
                satisfaction_rate=row.satisfaction_rate if row else None,
            )
        )
    return figures


def grid_shapes() -> dict:
    """The grids as a GeoJSON FeatureCollection (code and name only) for the dashboard map.

    Coordinates are rounded to 5 decimals (about a metre): a screen map needs no more, and a city's
    grids then travel in a fraction of the bytes.
    """
    collection = export_geojson("grid")
    for feature in collection["features"]:
        properties = feature["properties"]
        feature["properties"] = {"code": properties["code"], "name": properties["name"]}
        feature["geometry"] = {
            "type": feature["geometry"]["type"],
            "coordinates": _rounded(feature["geometry"]["coordinates"]),
        }
    return collection


def _rounded(coordinates):
    if coordinates and isinstance(coordinates[0], int | float):
        return [round(value, 5) for value in coordinates]
    return [_rounded(part) for part in coordinates]
