"""Hotspots 「热点问题」 and early alerts 「预警」 over a period, among the tickets the caller may see (hotspots.selectors)."""

from datetime import date, datetime, timedelta

from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from civicgrid.api.paging import Page, PageIn, paged
from civicgrid.api.roles import require_staff
from civicgrid.core.inputs import parse_day
from civicgrid.core.refusal import Refusal, refusal_message
from civicgrid.hotspots import selectors
from civicgrid.registry.models import AdminArea
from civicgrid.registry.models import Role as R

router = Router(tags=["热点预警"])

# The console's 热点预警 pages.
VIEW_ROLES = (R.SUPERVISOR, R.LEADER, R.DISPATCHER, R.ADMINISTRATOR)
MAX_DAYS = 366


class PeriodIn(Schema):
    date_from: str = Field("", alias="from", description="起始日期，默认截止日期前 29 天")
    date_to: str = Field("", alias="to", description="截止日期（含当日），默认今天")
    area: str = Field("", max_length=12, description="区划代码：只看该区域及以下")


class HotspotsIn(PeriodIn):
    top: int = Field(20, ge=1, le=100, description="最多列出的热点数")


class HotspotIn(PeriodIn):
    key: str = Field(..., min_length=1, max_length=64, description="热点标识（列表中的 key）")


class DayCount(Schema):
    day: date
    count: int


class Example(Schema):
    number: str
    title: str


class HotspotOut(Schema):
    key: str
    label: str
    keywords: list[str]
    places: list[str]
    first: datetime
    last: datetime
    size: int = Field(..., description="工单数")
    callers: int = Field(..., description="来电人数")
    heat: float
    growth: float
    urgency: float
    daily: list[DayCount]
    examples: list[Example]


class HotspotsOut(Schema):
    date_from: date = Field(..., alias="from")
    date_to: date = Field(..., alias="to")
    as_of: datetime | None = Field(None, description="读自已存聚类时，数据完整到的时间")
    items: list[HotspotOut]


class AlertOut(Schema):
    id: int
    label: str
    raised_at: datetime
    day: date
    keywords: list
    places: list
    size: int
    observed: int
    expected: float
    explanation: str


def _filters(filters: PeriodIn) -> tuple[date, date, AdminArea | None]:
    try:
        date_to = parse_day(filters.date_to, "截止日期", required=False) or timezone.localdate()
        date_from = parse_day(filters.date_from, "起始日期", required=False) or date_to - timedelta(days=29)
    except Refusal as refusal:
        raise HttpError(422, refusal_message(refusal)) from None
    if date_to < date_from:
        raise HttpError(422, "截止日期不能早于起始日期")
    if (date_to - date_from).days >= MAX_DAYS:
        raise HttpError(422, "查询期间最长一年，请缩短期间")
    code = filters.area.strip()
    area = AdminArea.objects.filter(code=code).first() if code else None
    if code and area is None:
        raise HttpError(422, f"没有区划代码为「{code}」的区域")
    return date_from, date_to, area


def _out(issue) -> dict:
    return {
        "key": issue.key,
        "label": issue.label,
        "keywords": issue.keywords,
        "places": issue.places,
        "first": issue.first,
        "last": issue.last,
        "size": issue.size,
        "callers": issue.callers,
        "heat": issue.heat,
        "growth": issue.growth,
        "urgency": issue.urgency,
        "daily": [{"day": day, "count": n} for day, n in issue.daily],
        "examples": [{"number": number, "title": title} for number, title in issue.examples],
    }


@router.get("", response=HotspotsOut, summary="期间内的热点问题", by_alias=True)
def hotspot_list(request, filters: Query[HotspotsIn]):
    require_staff(request.user, *VIEW_ROLES)
    date_from, date_to, area = _filters(filters)
    issues, as_of = selectors.hot_issues_as_of(
        user=request.user, date_from=date_from, date_to=date_to, area=area, top=filters.top
    )
    return {"from": date_from, "to": date_to, "as_of": as_of, "items": [_out(i) for i in issues]}


@router.get("/detail", response=HotspotOut, summary="一个热点")
def hotspot_detail(request, filters: Query[HotspotIn]):
    require_staff(request.user, *VIEW_ROLES)
    date_from, date_to, area = _filters(filters)
    issue = selectors.hot_issue(
        user=request.user, date_from=date_from, date_to=date_to, key=filters.key.strip(), area=area
    )
    if issue is None:
        raise Http404("该热点在所选期间不存在")
    return _out(issue)


@router.get("/alerts", response=Page[AlertOut], summary="预警")
def alert_list(request, filters: Query[PeriodIn], paging: Query[PageIn]):
    require_staff(request.user, *VIEW_ROLES)
    date_from, date_to, area = _filters(filters)
    alerts = selectors.alerts_for(request.user, date_from=date_from, date_to=date_to, area=area)
    return paged(alerts, paging, lambda rows: [_alert(a) for a in rows])


def _alert(alert) -> dict:
    return {
        "id": alert.pk,
        "label": alert.label,
        "raised_at": alert.raised_at,
        "day": alert.day,
        "keywords": alert.keywords or [],
        "places": alert.places or [],
        "size": alert.size,
        "observed": alert.observed,
        "expected": alert.expected,
        "explanation": alert.explanation,
    }
