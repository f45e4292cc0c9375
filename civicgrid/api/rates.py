"""The three rates 「三率」 over a period, grouped, within the caller's scope (assessment.selectors.three_rates)."""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from civicgrid.api.roles import require_staff
from civicgrid.assessment.selectors import GROUPINGS, three_rates, totals
from civicgrid.core.inputs import DATE_RANGE_TEXT, date_in_range
from civicgrid.registry.models import Role
from civicgrid.registry.selectors import has_role

router = Router(tags=["考评"])

# The leaders' dashboard serves every grouping; grid staff see their grids' rates (the console's 我的网格).
DASHBOARD_ROLES = (Role.LEADER, Role.SUPERVISOR, Role.ADMINISTRATOR)
GRID_ROLES = (Role.GRID_WORKER, Role.GRID_LEADER)
PERIODS = {"month": "本月", "last_month": "上月", "90d": "近90天", "custom": "自定义"}
GROUPING_LABELS = {"unit": "按单位", "grid": "按网格", "town": "按乡镇", "category": "按一级分类"}
# As the dashboard: a longer period is not a league table anyone reads.
MAX_DAYS = 731


class RatesIn(Schema):
    period: str = Field(
        "month", description="month 本月、last_month 上月、90d 近90天、custom 自定义（须填 from、to）"
    )
    date_from: str = Field("", alias="from", description="自定义起始日期，如 2026-01-01")
    date_to: str = Field("", alias="to", description="自定义截止日期（含当日）")
    by: str = Field("unit", description="unit 按单位、grid 按网格、town 按乡镇、category 按一级分类")


class RateOut(Schema):
    key: int | str | None
    label: str
    kind: str
    rank: int | None
    rated: int
    contacted_in_time: int
    solved: int
    very_satisfied: int
    satisfied: int
    basic: int
    unsatisfied: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    composite: float | None
    received: int
    closed: int
    closed_on_time: int
    on_time_rate: float | None
    returns: int
    returns_approved: int
    overdue: int
    supervised: int
    redo: int


class PeriodOut(Schema):
    date_from: date = Field(..., alias="from")
    date_to: date = Field(..., alias="to")
    preset: str


class RatesOut(Schema):
    period: PeriodOut
    by: str
    rows: list[RateOut]
    total: RateOut


def _day(text: str, what: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise HttpError(422, f"{what}格式不正确，应为 2026-01-31 这样的日期") from None
    if not date_in_range(day):
        raise HttpError(422, f"{what}应在 {DATE_RANGE_TEXT}之间")
    return day


def period_of(filters: RatesIn) -> tuple[date, date, str]:
    today = timezone.localdate()
    month_start = today.replace(day=1)
    preset = filters.period.strip() or "month"
    if preset not in PERIODS:
        raise HttpError(422, "period 只能是 " + "、".join(f"{k}（{v}）" for k, v in PERIODS.items()))
    if preset == "custom" or filters.date_from or filters.date_to:
        if not (filters.date_from and filters.date_to):
            raise HttpError(422, "自定义期间请同时填写起始日期 from 和截止日期 to")
        date_from, date_to = _day(filters.date_from, "起始日期"), _day(filters.date_to, "截止日期")
        if date_from > date_to:
            raise HttpError(422, "起始日期不能晚于截止日期")
        if (date_to - date_from).days >= MAX_DAYS:
            raise HttpError(422, f"查询期间最长 {MAX_DAYS} 天")
        return date_from, date_to, "custom"
    if preset == "last_month":
        last_day = month_start - timedelta(days=1)
        return last_day.replace(day=1), last_day, preset
    if preset == "90d":
        return today - timedelta(days=89), today, preset
    return month_start, today, "month"


@router.get("", response=RatesOut, summary="三率（响应率、解决率、满意率）", by_alias=True)
def rates(request, filters: Query[RatesIn]):
    user = request.user
    require_staff(user, *DASHBOARD_ROLES, *GRID_ROLES)
    by = filters.by.strip() or "unit"
    if by not in GROUPINGS:
        raise HttpError(422, "by 只能是 " + "、".join(f"{k}（{GROUPING_LABELS[k]}）" for k in GROUPINGS))
    if by != "grid" and not has_role(user, *DASHBOARD_ROLES):
        raise PermissionDenied("网格员只能按网格查看三率（by=grid）")
    date_from, date_to, preset = period_of(filters)
    rows = three_rates(user=user, date_from=date_from, date_to=date_to, by=by)
    return {
        "period": {"from": date_from, "to": date_to, "preset": preset},
        "by": by,
        "rows": rows,
        "total": totals(rows),
    }
