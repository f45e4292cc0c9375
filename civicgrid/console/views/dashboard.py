"""The leaders' dashboard (领导看板): the three-rate league table, praise and naming, map and charts."""

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from civicgrid.assessment.dashboard import (
    category_mix,
    grid_figures,
    grid_shapes,
    overdue_open,
    received_count,
    received_per_day,
)
from civicgrid.assessment.models import AssessmentScheme
from civicgrid.assessment.naming import places, praised_and_named
from civicgrid.assessment.selectors import RateRow, scheme_for, three_rates, totals, unit_scope
from civicgrid.console.access import staff_view
from civicgrid.core.inputs import DATE_RANGE_TEXT, date_in_range
from civicgrid.registry.models import Role

DASHBOARD_ROLES = (Role.LEADER, Role.SUPERVISOR, Role.ADMINISTRATOR)
GROUPINGS = {"unit": "按单位", "grid": "按网格"}
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
    if preset == "last_month":
        last_day = month_start - timedelta(days=1)
        return Period(last_day.replace(day=1), last_day, preset)
    if preset == "90d":
        return Period(today - timedelta(days=89), today, preset)
    return Period(month_start, today, "month")


def _grouping(params) -> str:
    by = params.get("by", "unit")
    return by if by in GROUPINGS else "unit"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}"


def _display(row: RateRow) -> dict:
    return {
        "rank": row.rank,
        "label": row.label,
        "received": row.received,
        "rated": row.rated,
        "response": _pct(row.response_rate),
        "resolution": _pct(row.resolution_rate),
        "satisfaction": _pct(row.satisfaction_rate),
        "composite": _score(row.composite),
        "on_time": _pct(row.on_time_rate),
        "returns": row.returns,
        "overdue": row.overdue,
        "supervised": row.supervised,
        "redo": row.redo,
    }


def _mentions(rows: list[RateRow]) -> list[dict]:
    return [_display(row) | {"place": place} for row, place in zip(rows, places(rows), strict=True)]


@staff_view(*DASHBOARD_ROLES)
def dashboard(request):
    period, by = _period(request.GET), _grouping(request.GET)
    scheme = scheme_for(period.date_to) or AssessmentScheme()
    rows = three_rates(
        user=request.user, date_from=period.date_from, date_to=period.date_to, by=by, scheme=scheme
    )
    best, bottom = praised_and_named(rows, scheme=scheme)
    query = {"by": by, "period": period.preset}
    if period.preset == "custom":
        query.update({"from": period.date_from.isoformat(), "to": period.date_to.isoformat()})
    return render(
        request,
        "console/dashboard/index.html",
        {
            "period": period,
            "by": by,
            "by_label": GROUPINGS[by],
            "groupings": GROUPINGS,
            "presets": [(key, label) for key, label in PRESETS.items() if key != "custom"],
            "rows": [_display(row) for row in rows],
            "total": _display(totals(rows)),
            "best": _mentions(best),
            "bottom": _mentions(bottom),
            "min_rated": scheme.naming_min_rated,
            "overdue_now": overdue_open(user=request.user),
            "received_all": received_count(
                user=request.user, date_from=period.date_from, date_to=period.date_to
            ),
            "data_url": f"{reverse('console:dashboard_data')}?{urlencode(query)}",
            "export_url": f"{reverse('console:dashboard_export')}?{urlencode(query)}",
        },
    )


# Leaders read trends, not seconds: the chart data may be a minute old, and a busy morning then costs
# one computation per minute and scope instead of one per page view.
DATA_CACHE_SECONDS = 60


@staff_view(*DASHBOARD_ROLES)
def dashboard_data(request):
    scope = unit_scope(request.user)
    key_source = f"{sorted(scope) if scope is not None else 'all'}|{request.GET.urlencode()}"
    key = "dashboard-data:" + hashlib.sha256(key_source.encode()).hexdigest()
    payload = cache.get(key)
    if payload is None:
        payload = _data_payload(request)
        cache.set(key, payload, DATA_CACHE_SECONDS)
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


def _data_payload(request) -> dict:
    period, by = _period(request.GET), _grouping(request.GET)
    user, date_from, date_to = request.user, period.date_from, period.date_to
    rows = three_rates(user=user, date_from=date_from, date_to=date_to, by=by)
    total = totals(rows)
    trend = received_per_day(user=user, date_from=date_from, date_to=date_to)
    grids = grid_figures(user=user, date_from=date_from, date_to=date_to)
    return {
        "period": {
            "from": date_from.isoformat(),
            "to": date_to.isoformat(),
            "preset": period.preset,
            "label": period.label,
            "error": period.error,
        },
        "by": by,
        "totals": {
            "received_all": sum(count for _, count in trend),
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
        "trend": {
            "days": [day.isoformat() for day, _ in trend],
            "received": [count for _, count in trend],
        },
        "categories": [
            {"name": name, "value": count}
            for name, count in category_mix(user=user, date_from=date_from, date_to=date_to)
        ],
        "grids": {
            "geojson": grid_shapes(),
            "items": [
                {
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


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/data/", dashboard_data, name="dashboard_data"),
]
