"""The leaders' dashboard 「领导看板」: the three-rate league table, praise and naming, map and charts."""

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from civicgrid.assessment import snapshots
from civicgrid.assessment.dashboard import PRESETS as DASHBOARD_PRESETS
from civicgrid.assessment.dashboard import overdue_open, preset_period
from civicgrid.assessment.exports import DEFINITIONS
from civicgrid.assessment.leagues import league_table
from civicgrid.assessment.models import AssessmentScheme
from civicgrid.assessment.naming import places
from civicgrid.assessment.selectors import RECENT_EVERY, RateRow, scheme_for, unit_scope
from civicgrid.assessment.snapshots import SHOWN_ROWS, chart_figures, page_figures, row_of
from civicgrid.console.access import staff_view
from civicgrid.core.inputs import DATE_RANGE_TEXT, date_in_range
from civicgrid.registry.models import Role

DASHBOARD_ROLES = (Role.LEADER, Role.SUPERVISOR, Role.ADMINISTRATOR)
GROUPINGS = {"unit": "按单位", "town": "按乡镇汇总", "grid": "按网格"}
# The ticket search's parameter for each grouping's key (the drill-down contract).
DRILL_PARAM = {"unit": "unit", "grid": "grid", "town": "town", "category": "category"}
PRESETS = {"month": "本月", "last_month": "上月", "90d": "近90天", "custom": "自定义"}
# A longer custom period would draw a trend of thousands of days; a year or two is what meetings use.
MAX_DAYS = 731


@dataclass
class Period:
    date_from: date
    date_to: date
    preset: str
    error: str = ""

    @property
    def label(self) -> str:
        return f"{self.date_from:%Y-%m-%d} 至 {self.date_to:%Y-%m-%d}"


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def _period(params) -> Period:
    today = timezone.localdate()
    month_start = today.replace(day=1)
    preset = params.get("period", "")
    raw_from, raw_to = params.get("from", "").strip(), params.get("to", "").strip()
    if preset == "custom" or (preset not in PRESETS and (raw_from or raw_to)):
        date_from, date_to = _parse_date(raw_from), _parse_date(raw_to)
        error = ""
        if date_from is None or date_to is None:
            error = "请填写正确的起止日期（格式：2026-01-31）"
        elif not (date_in_range(date_from) and date_in_range(date_to)):
            error = f"请填写 {DATE_RANGE_TEXT}之间的日期"
        elif date_from > date_to:
            error = "开始日期不能晚于结束日期"
        elif (date_to - date_from).days >= MAX_DAYS:
            error = f"查询区间最长 {MAX_DAYS} 天"
        if not error:
            return Period(date_from, date_to, "custom")
        return Period(month_start, today, "month", error)
    preset = preset if preset in ("last_month", "90d") else "month"
    return Period(*preset_period(preset, today), preset)


def _grouping(params) -> str:
    by = params.get("by", "unit")
    return by if by in GROUPINGS else "unit"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}"


def _delta(now: float | None, before: float | None) -> str:
    """A change in points of the 0-100 score: +2.1 / −0.4 / —."""
    if now is None or before is None:
        return "—"
    change = (now - before) * 100
    return "持平" if abs(change) < 0.05 else f"{change:+.1f}".replace("-", "−")


def _drill(by: str, key, period: "Period") -> dict:
    """The ticket search's links for a row (the contract of /console/tickets/): received, rated, closed."""
    base = reverse("console:tickets")
    common = {"from": period.date_from.isoformat(), "to": period.date_to.isoformat()}
    if key is not None:
        common[DRILL_PARAM[by]] = key
    return {on: f"{base}?{urlencode({'on': on, **common})}" for on in ("received", "rated", "closed")}


def _display(row: RateRow, by: str = "unit", period: "Period | None" = None) -> dict:
    shown = {
        "rank": row.rank,
        "label": row.label,
        "received": row.received,
        "closed": row.closed,
        "rated": row.rated,
        "response": _pct(row.response_rate),
        "resolution": _pct(row.resolution_rate),
        "satisfaction": _pct(row.satisfaction_rate),
        "composite": _score(row.composite),
        "shrunk": _score(row.composite_shrunk),
        "margin": ""
        if row.composite_upper is None
        else f"{(row.composite_upper - row.composite_shrunk) * 100:.1f}",
        "lower": _score(row.composite_lower),
        "upper": _score(row.composite_upper),
        "adjusted": _score(row.composite_adjusted),
        "prev": _delta(row.composite, row.composite_prev),
        "prev_value": _score(row.composite_prev),
        "last_year": _delta(row.composite, row.composite_last_year),
        "last_year_value": _score(row.composite_last_year),
        "move": row.rank_move or "—",
        "verdict": row.verdict,
        "on_time": _pct(row.on_time_rate),
        "returns": row.returns,
        "overdue": row.overdue,
        "supervised": row.supervised,
        "redo": row.redo,
    }
    if period is not None:
        shown["links"] = _drill(by, row.key, period)
    return shown


def _mentions(rows: list[RateRow], by: str, period: "Period") -> list[dict]:
    return [
        _display(row, by, period) | {"place": place} for row, place in zip(rows, places(rows), strict=True)
    ]


def _tables(figures: dict, period: "Period", query: dict) -> list[dict]:
    by = figures["by"]
    tables = []
    for table in figures["tables"]:
        head, tail = [row_of(row) for row in table["rows"]], [row_of(row) for row in table["tail"]]
        tables.append(
            {
                "code": table["code"],
                "title": table["title"],
                "rows": [_display(row, by, period) for row in head],
                "tail": [_display(row, by, period) for row in tail],
                "count": table["count"],
                "hidden": table["count"] - len(head) - len(tail),
                "league_url": f"{reverse('console:dashboard_league')}?{urlencode({**query, 'table': table['code']})}",
                "total": _display(row_of(table["total"])),
                "best": _mentions([row_of(row) for row in table["best"]], by, period),
                "bottom": _mentions([row_of(row) for row in table["bottom"]], by, period),
            }
        )
    return tables


def _chosen(tables: list[dict], code: str) -> list[dict]:
    return [table for table in tables if table["code"] == code] or tables


def _query(period: "Period", by: str) -> dict:
    query = {"by": by, "period": period.preset}
    if period.preset == "custom":
        query.update({"from": period.date_from.isoformat(), "to": period.date_to.isoformat()})
    return query


def _counted_note(figures: dict) -> str:
    """When the dashboard's figures were counted, if the worker's recent windows were read."""
    if figures["recent_at"] is None:
        return ""
    minutes = int(RECENT_EVERY.total_seconds() // 60)
    counted = timezone.localtime(datetime.fromisoformat(figures["recent_at"]))
    return f"统计截至 {counted:%H:%M}，每 {minutes} 分钟更新"


def _outside_note(figures: dict) -> str:
    """Why the card's 受理量 and the tables' 受理 differ, if they do."""
    received_all, undispatched = figures["received_all"], figures["undispatched"]
    outside = received_all - figures["total"]["received"]
    if outside <= 0:
        return ""
    if figures["by"] == "unit":
        parts = [f"尚未派单 {undispatched} 件"] if undispatched else []
        if outside - undispatched > 0:
            parts.append(f"热线中心直接办理 {outside - undispatched} 件")
        return f"受理量 {received_all} 件中，另有 {outside} 件（{'，'.join(parts)}）未计入单位排名。"
    where = {"grid": "网格", "town": "乡镇/街道"}[figures["by"]]
    return f"受理量 {received_all} 件中，另有 {outside} 件尚未落到具体{where}，未计入本表。"


def _ready_made(request, period: "Period", by: str, part: str, *, as_text: bool = False):
    """A document of the worker's stored view of this ready-made period and grouping, for a reader with no unit
    scope (`assessment.snapshots`), or None."""
    if period.preset not in DASHBOARD_PRESETS or unit_scope(request.user) is not None:
        return None
    return snapshots.stored(period.preset, by, period.date_from, period.date_to, part, as_text=as_text)


def _figures(request, period: "Period", by: str, *, recent: bool, shown: int | None) -> dict:
    """The worker's view of a ready-made period where it has a fresh one; else counted now (with `recent`, from
    the worker's recent counts where it has them)."""
    stored = _ready_made(request, period, by, "page" if shown else "full")
    if stored is not None:
        return stored
    user = request.user
    scheme = scheme_for(period.date_to) or AssessmentScheme()
    league = league_table(
        user=user, date_from=period.date_from, date_to=period.date_to, by=by, scheme=scheme, recent=recent
    )
    return page_figures(league, shown) | {"overdue_now": overdue_open(user=user)}


def _context(request, period: "Period", by: str, *, recent: bool, shown: int | None, table: str = "") -> dict:
    """The page's context; `table`: only that league's table (all when no table has that code)."""
    scheme = scheme_for(period.date_to) or AssessmentScheme()
    figures = _figures(request, period, by, recent=recent, shown=shown)
    query = _query(period, by)
    previous, last_year = figures["previous"], figures["last_year"]
    return {
        "period": period,
        "by": by,
        "by_label": GROUPINGS[by],
        "group_title": {"unit": "单位", "grid": "网格", "town": "乡镇/街道"}[by],
        "groupings": GROUPINGS,
        "presets": [(key, label) for key, label in PRESETS.items() if key != "custom"],
        "tables": _tables(figures | {"tables": _chosen(figures["tables"], table)}, period, query),
        "total": _display(row_of(figures["total"]), by, period),
        "city": _score(figures["city"]),
        "scheme": scheme,
        "level": f"{float(scheme.credible_level) * 100:.0f}%",
        "min_rated": scheme.naming_min_rated,
        "overdue_now": figures["overdue_now"],
        "received_all": figures["received_all"],
        "received_all_url": _drill(by, None, period)["received"],
        "outside_note": _outside_note(figures),
        "counted_note": _counted_note(figures),
        "definitions": DEFINITIONS,
        "previous_label": f"{previous[0]} 至 {previous[1]}",
        "last_year_label": f"{last_year[0]} 至 {last_year[1]}",
        "query": query,
        "dashboard_url": f"{reverse('console:dashboard')}?{urlencode(query)}",
        "data_url": f"{reverse('console:dashboard_data')}?{urlencode(query)}",
        "export_url": f"{reverse('console:dashboard_export')}?{urlencode(query)}",
        "briefing_url": reverse("console:briefings")
        + "?"
        + urlencode({"from": period.date_from.isoformat(), "to": period.date_to.isoformat()}),
    }


# The page's figures, like the chart data, may be a minute old: a ranking meeting's screens and the morning's
# readers then cost one computation per minute and scope.
PAGE_CACHE_SECONDS = 60


def _cache_key(name: str, request) -> str:
    scope = unit_scope(request.user)
    source = (
        f"{sorted(scope) if scope is not None else 'all'}|{timezone.localdate()}|{request.GET.urlencode()}"
    )
    return f"{name}:" + hashlib.sha256(source.encode()).hexdigest()


@staff_view(*DASHBOARD_ROLES)
def dashboard(request):
    """The dashboard: a ready-made period read from the view the worker builds after each recent count
    (`assessment.snapshots`); otherwise counted from the worker's recent counts where it has them (a few minutes
    behind, said on the page); each league's first and last rows; the figures kept a minute per scope."""
    key = _cache_key("dashboard-page", request)
    context = cache.get(key)
    if context is None:
        period, by = _period(request.GET), _grouping(request.GET)
        context = _context(request, period, by, recent=True, shown=SHOWN_ROWS)
        cache.set(key, context, PAGE_CACHE_SECONDS)
    return render(request, "console/dashboard/index.html", context)


@staff_view(*DASHBOARD_ROLES)
def dashboard_league(request):
    """One league in full (every row), from the same figures as the dashboard: the worker's view of a ready-made
    period, else its recent counts and a live tail; a custom period counted exactly, as the Excel export is."""
    period, by = _period(request.GET), _grouping(request.GET)
    context = _context(request, period, by, recent=True, shown=None, table=request.GET.get("table", ""))
    return render(request, "console/dashboard/league.html", context)


# Leaders read trends, not seconds: the chart data may be a minute old, and a busy morning then costs
# one computation per minute and scope instead of one per page view.
DATA_CACHE_SECONDS = 60


@staff_view(*DASHBOARD_ROLES)
def dashboard_data(request):
    period, by = _period(request.GET), _grouping(request.GET)
    stored = _ready_made(request, period, by, "chart", as_text=True)
    if stored is not None:
        # The worker's document sent as stored with this request's keys added: a province's map and league are
        # neither decoded nor encoded again.
        extra = json.dumps(_request_keys(period, by), ensure_ascii=False)
        body = extra if stored.strip() == "{}" else f"{extra[:-1]}, {stored.strip()[1:]}"
        return HttpResponse(body, content_type="application/json")
    key = _cache_key("dashboard-data", request)
    payload = cache.get(key)
    if payload is None:
        chart = chart_figures(user=request.user, date_from=period.date_from, date_to=period.date_to, by=by)
        payload = _request_keys(period, by) | chart
        cache.set(key, payload, DATA_CACHE_SECONDS)
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


def _request_keys(period: "Period", by: str) -> dict:
    """The chart data's keys that depend on the request: its period and grouping, and the drill-down links."""
    date_from, date_to = period.date_from.isoformat(), period.date_to.isoformat()
    return {
        "period": {
            "from": date_from,
            "to": date_to,
            "preset": period.preset,
            "label": period.label,
            "error": period.error,
        },
        "by": by,
        # A click on a grid opens the ticket search for that grid and period.
        "drill": {"url": reverse("console:tickets"), "from": date_from, "to": date_to},
    }


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/data/", dashboard_data, name="dashboard_data"),
    path("dashboard/league/", dashboard_league, name="dashboard_league"),
]
