"""The leaders' dashboard 「领导看板」 as documents: what its page, its full leagues and its chart data show, and
the worker's ready-made copies of them for readers with no unit scope.

Rule. `page_figures` and `chart_figures` are the one computation of what the dashboard shows (the console
formats them); both are plain JSON. Right after the recent windows are counted (`aggregates.
refresh_recent`), the worker builds them for every ready-made period (`dashboard.PRESETS`) and grouping as a
city-wide reader sees them and stores the three documents as one `DashboardSnapshot` (`refresh`). A reader with no unit
scope asking for a ready-made period then reads that row (`stored`) when it was built for the same dates and
is at most `SNAPSHOT_MAX_AGE` old; anyone else, and everyone when the worker has stopped, gets the figures
counted for the request. Stored figures are those of the recent counts they were built on, so the page's
「统计截至」 time stays true.
"""

from dataclasses import asdict, fields
from datetime import date, datetime

from django.db.models import F, Max, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from civicgrid.assessment.dashboard import (
    PRESETS,
    category_mix,
    grid_figures,
    grid_shapes,
    overdue_open,
    preset_period,
    received_per_day,
)
from civicgrid.assessment.leagues import League, league_table
from civicgrid.assessment.models import AssessmentScheme, DashboardSnapshot, RecentCount
from civicgrid.assessment.selectors import (
    RECENT_EVERY,
    RECENT_GROUPINGS,
    RateRow,
    rate_rows,
    scheme_for,
    three_rates,
    totals,
)
from civicgrid.core.actors import SYSTEM

# Rows of each league the dashboard shows at each end; the league page shows them all.
SHOWN_ROWS = 10
# A stored view older than this is not read (the worker has stopped): the page counts for itself.
SNAPSHOT_MAX_AGE = 3 * RECENT_EVERY
_ROW_FIELDS = tuple(f.name for f in fields(RateRow))


def row_document(row: RateRow) -> dict:
    return asdict(row)


def row_of(document: dict) -> RateRow:
    return RateRow(**{name: document[name] for name in _ROW_FIELDS if name in document})


def shown_rows(rows: list[RateRow], shown: int | None) -> tuple[list[RateRow], list[RateRow]]:
    """The rows the dashboard shows of a table: all of a short one; else the first and last `shown` ranked
    rows (the rest, and the rows with too few rated tickets to rank, on the league page)."""
    if not shown or len(rows) <= 2 * shown:
        return rows, []
    ranked = [row for row in rows if row.rank is not None]
    if len(ranked) <= 2 * shown:
        return ranked, []
    return ranked[:shown], ranked[-shown:]


def page_figures(league: League, shown: int | None = SHOWN_ROWS) -> dict:
    """What the dashboard page shows of `league`: each table's shown rows, its size, total, praise and naming;
    the overall total; every ticket received in the scope (dispatched or not) and how many await dispatch."""
    counts = league.counts["current"]
    tables = []
    for code, rows in league.tables.items():
        head, tail = shown_rows(rows, shown)
        praised, named = league.praise[code]
        tables.append(
            {
                "code": code,
                "title": league.title(code),
                "rows": [row_document(row) for row in head],
                "tail": [row_document(row) for row in tail],
                "count": len(rows),
                "total": row_document(totals(rows)),
                "best": [row_document(row) for row in praised],
                "bottom": [row_document(row) for row in named],
            }
        )
    recent_at = league.recent_at
    return {
        "by": league.by,
        "tables": tables,
        "total": row_document(league.total),
        "city": league.city.composite if league.city else None,
        # The cells without a group hold the tickets in no table (for units: those not dispatched yet).
        "received_all": counts.sum("received"),
        "undispatched": sum(c["received"] for (key, _), c in counts.cells.items() if key is None)
        if league.by == "unit"
        else 0,
        "recent_at": recent_at.isoformat() if recent_at else None,
        "previous": [day.isoformat() for day in league.previous] if league.previous else None,
        "last_year": [day.isoformat() for day in league.last_year] if league.last_year else None,
    }


def chart_figures(
    *,
    user,
    date_from: date,
    date_to: date,
    by: str,
    rows=None,
    grid_rows=None,
    trend=None,
    categories=None,
    shapes=None,
) -> dict:
    """The dashboard's chart data for the period (the JSON the page's charts and map read, less the period and
    the drill-down links): totals, the league, the daily trend, the category mix, the grid map. `rows` (the
    three rates by `by`), `grid_rows` (by grid), `trend`, `categories` and `shapes` may be passed in when
    already counted for the same scope and period."""
    if rows is None:
        rows = three_rates(user=user, date_from=date_from, date_to=date_to, by=by, recent=True)
    total = totals(rows)
    if trend is None:
        trend = trend_document(user, date_from, date_to)
    if categories is None:
        categories = category_document(user, date_from, date_to)
    grids = grid_figures(user=user, date_from=date_from, date_to=date_to, recent=True, rows=grid_rows)
    if shapes is None:
        shapes = grid_shapes()
    pk_of = {grid.code: grid.pk for grid in grids}
    for feature in shapes["features"]:
        feature["properties"]["pk"] = pk_of.get(feature["properties"]["code"])
    return {
        "totals": {
            "received_all": sum(trend["received"]),
            "received": total.received,
            "rated": total.rated,
            "response_rate": total.response_rate,
            "resolution_rate": total.resolution_rate,
            "satisfaction_rate": total.satisfaction_rate,
            "composite": total.composite,
            "on_time_rate": total.on_time_rate,
            "returns": total.returns,
            "overdue": total.overdue,
            "supervised": total.supervised,
        },
        "overdue_now": overdue_open(user=user),
        "league": [
            {
                "rank": row.rank,
                "label": row.label,
                "rated": row.rated,
                "received": row.received,
                "response_rate": row.response_rate,
                "resolution_rate": row.resolution_rate,
                "satisfaction_rate": row.satisfaction_rate,
                "composite": row.composite,
            }
            for row in rows
        ],
        "trend": trend,
        "categories": categories,
        "grids": {
            "geojson": shapes,
            "items": [
                {
                    "pk": grid.pk,
                    "code": grid.code,
                    "name": grid.name,
                    "received": grid.received,
                    "rated": grid.rated,
                    "satisfaction_rate": grid.satisfaction_rate,
                }
                for grid in grids
            ],
        },
    }


def trend_document(user, date_from: date, date_to: date) -> dict:
    trend = received_per_day(user=user, date_from=date_from, date_to=date_to)
    return {"days": [day.isoformat() for day, _ in trend], "received": [count for _, count in trend]}


def category_document(user, date_from: date, date_to: date) -> list[dict]:
    return [
        {"name": name, "value": count}
        for name, count in category_mix(user=user, date_from=date_from, date_to=date_to)
    ]


def stored(
    preset: str,
    by: str,
    date_from: date,
    date_to: date,
    part: str,
    *,
    as_text: bool = False,
    now: datetime | None = None,
):
    """One document (`part`: "page", "full" or "chart") of the worker's view for a city-wide reader, if it is
    for these dates and recent enough; else None. `as_text`: the JSON text as stored, not decoded."""
    now = now or timezone.now()
    document = Cast(part, output_field=TextField()) if as_text else F(part)
    row = (
        DashboardSnapshot.objects.filter(preset=preset, by=by)
        .values_list("date_from", "date_to", "counted_at", document)
        .first()
    )
    if row is None or row[:2] != (date_from, date_to):
        return None
    if not now - SNAPSHOT_MAX_AGE <= row[2] <= now:
        return None
    return row[3]


def build(preset: str, today: date, now: datetime) -> int:
    """Build the stored views of `preset` on `today`, one per grouping, each replacing the previous one."""
    date_from, date_to = preset_period(preset, today)
    scheme = scheme_for(date_to) or AssessmentScheme()
    trend = trend_document(SYSTEM, date_from, date_to)
    categories = category_document(SYSTEM, date_from, date_to)
    shapes = grid_shapes()
    grid_rows = None
    # Grids first: their rows serve every grouping's map.
    for by in sorted(RECENT_GROUPINGS, key=lambda by: by != "grid"):
        league = league_table(
            user=SYSTEM, date_from=date_from, date_to=date_to, by=by, scheme=scheme, recent=True
        )
        # The same rows `three_rates` gives, from the counts the league was built on.
        rows = rate_rows(league.counts["current"], scheme)
        if by == "grid":
            grid_rows = rows
        overdue = {"overdue_now": overdue_open(user=SYSTEM)}
        page, full = page_figures(league, SHOWN_ROWS) | overdue, page_figures(league, None) | overdue
        chart = chart_figures(
            user=SYSTEM,
            date_from=date_from,
            date_to=date_to,
            by=by,
            rows=rows,
            grid_rows=grid_rows,
            trend=trend,
            categories=categories,
            shapes=shapes,
        )
        DashboardSnapshot.objects.update_or_create(
            preset=preset,
            by=by,
            defaults={
                "day": today,
                "date_from": date_from,
                "date_to": date_to,
                "counted_at": now,
                "page": page,
                "full": full,
                "chart": chart,
            },
        )
    return len(RECENT_GROUPINGS)


def refresh(now: datetime) -> int:
    """The worker's job (after the recent counts): build again every ready-made view older than the newest
    recent count, or built on another day or for other dates, or missing; returns how many were built."""
    today = timezone.localdate(now)
    newest = RecentCount.objects.aggregate(newest=Max("counted_at"))["newest"]
    built = 0
    for preset in PRESETS:
        date_from, date_to = preset_period(preset, today)
        have = {
            by: (first, last, counted_at)
            for by, first, last, counted_at in DashboardSnapshot.objects.filter(preset=preset).values_list(
                "by", "date_from", "date_to", "counted_at"
            )
        }
        current = all(
            by in have
            and have[by][:2] == (date_from, date_to)
            and (newest is None or have[by][2] >= newest)
            and now - RECENT_EVERY < have[by][2] <= now
            for by in RECENT_GROUPINGS
        )
        if not current:
            built += build(preset, today, now)
    return built
