"""「导出 Excel」 for the console's lists: the same rows the page shows this user (scope, filters,
masking), as an .xlsx in the house style (core.documents). Each export leaves an audit row."""

from django.urls import path
from django.utils import timezone

from civicgrid.assessment.dashboard import category_mix, received_per_day
from civicgrid.assessment.leagues import league_table
from civicgrid.assessment.models import AssessmentScheme
from civicgrid.assessment.selectors import scheme_for, totals, unit_scope
from civicgrid.console.access import staff_view
from civicgrid.console.views.common import filtered_tickets
from civicgrid.console.views.dashboard import DASHBOARD_ROLES, DEFINITIONS, GROUPINGS, _grouping, _period
from civicgrid.core.audit import record_event
from civicgrid.core.documents import (
    DATE,
    DATETIME,
    INTEGER,
    ONE_DECIMAL,
    PERCENT,
    Column,
    Sheet,
    workbook,
    xlsx_response,
)
from civicgrid.registry.models import Unit
from civicgrid.routing.vocabulary import RequestType
from civicgrid.tickets.models import Status
from civicgrid.tickets.permissions import CENTRE_ROLES, role_codes, units_of

# Past this a list is a data extract, not a table to take to a meeting: the newest rows, and a note
# asking to narrow the query. About 7 s of writing on the benchmark machine.
TICKET_EXPORT_MAX = 50_000


def _units_text(unit_ids) -> str:
    names = list(Unit.objects.filter(pk__in=unit_ids).order_by("code").values_list("name", flat=True)[:6])
    more = "等" if len(unit_ids) > len(names) else ""
    return "、".join(names) + more if names else "（未关联单位）"


def _ticket_scope(user) -> str:
    if user.is_superuser or role_codes(user) & CENTRE_ROLES:
        return "全部工单"
    return f"本单位承办的工单（{_units_text(units_of(user))}）"


TICKET_COLUMNS = [
    Column("工单编号", "number", width=18),
    Column("事件概述", "title", width=40),
    Column("诉求类型", lambda t: t.get_request_type_display()),
    Column("诉求分类", "category.name", width=16),
    Column("状态", lambda t: t.get_status_display()),
    Column("主办单位", "lead_unit.name", width=24),
    Column("预警", lambda t: t.get_warning_level_display() if t.warning_level else ""),
    Column("受理时间", "received_at", number_format=DATETIME),
]


@staff_view()
def tickets_export(request):
    tickets, q, status, request_type = filtered_tickets(request)
    total = tickets.count()
    filters = [f"关键词「{q}」" if q else ""]
    filters.append(f"状态：{Status(status).label}" if status in Status.values else "")
    filters.append(f"类型：{RequestType(request_type).label}" if request_type in RequestType.values else "")
    scope = _ticket_scope(request.user)
    shown = "；".join(f for f in filters if f)
    note = f"共 {total} 条。"
    if total > TICKET_EXPORT_MAX:
        note = f"共 {total} 条，仅导出最新的 {TICKET_EXPORT_MAX} 条；请缩小查询条件后分批导出。"
    record_event(
        actor=request.user,
        action="export.tickets",
        summary=f"导出工单清单 {min(total, TICKET_EXPORT_MAX)} 条（{scope}{'；' + shown if shown else ''}）",
        rows=min(total, TICKET_EXPORT_MAX),
    )
    data = workbook(
        "工单清单",
        f"{scope}{'；' + shown if shown else ''}",
        "",
        TICKET_COLUMNS,
        tickets[:TICKET_EXPORT_MAX].iterator(chunk_size=2000),
        sheet_name="工单清单",
        note=note,
    )
    return xlsx_response(f"工单清单_{timezone.localdate():%Y%m%d}", data)


def _score(value):
    return None if value is None else round(value * 100, 1)


def _league_columns(by: str, kinds: dict | None = None) -> list[Column]:
    """The league table's columns; with `kinds` (row key → table title) a first column naming the table."""
    label = {"grid": "网格", "town": "乡镇/街道"}.get(by, "单位")
    first = [Column("类别", lambda row: kinds.get(id(row), ""), width=16)] if kinds else []
    return [
        *first,
        Column("排名", "rank", number_format=INTEGER, width=8),
        Column("名次变化", "rank_move", width=10),
        Column(label, "label", width=28),
        Column("受理", "received", number_format=INTEGER),
        Column("办结", "closed", number_format=INTEGER),
        Column("参评", "rated", number_format=INTEGER),
        Column("响应率", "response_rate", number_format=PERCENT),
        Column("解决率", "resolution_rate", number_format=PERCENT),
        Column("满意率", "satisfaction_rate", number_format=PERCENT),
        Column("综合得分", lambda row: _score(row.composite), number_format=ONE_DECIMAL),
        Column("修正得分", lambda row: _score(row.composite_shrunk), number_format=ONE_DECIMAL),
        Column("可信下限", lambda row: _score(row.composite_lower), number_format=ONE_DECIMAL),
        Column("可信上限", lambda row: _score(row.composite_upper), number_format=ONE_DECIMAL),
        Column("结构调整得分", lambda row: _score(row.composite_adjusted), number_format=ONE_DECIMAL),
        Column("参加排名", lambda row: "是" if row.rankable else "否", width=10),
        Column("上期名次", "rank_prev", number_format=INTEGER),
        Column("上期综合得分", lambda row: _score(row.composite_prev), number_format=ONE_DECIMAL),
        Column("上期响应率", "response_prev", number_format=PERCENT),
        Column("上期解决率", "resolution_prev", number_format=PERCENT),
        Column("上期满意率", "satisfaction_prev", number_format=PERCENT),
        Column("去年同期综合得分", lambda row: _score(row.composite_last_year), number_format=ONE_DECIMAL),
        Column("去年同期响应率", "response_last_year", number_format=PERCENT),
        Column("去年同期解决率", "resolution_last_year", number_format=PERCENT),
        Column("去年同期满意率", "satisfaction_last_year", number_format=PERCENT),
        Column("按时办结率", "on_time_rate", number_format=PERCENT),
        Column("退单", "returns", number_format=INTEGER),
        Column("超期", "overdue", number_format=INTEGER),
        Column("督办", "supervised", number_format=INTEGER),
        Column("重办", "redo", number_format=INTEGER),
        Column("说明", "verdict", width=40),
    ]


@staff_view(*DASHBOARD_ROLES)
def dashboard_export(request):
    """The dashboard's league tables: all of them on the first sheet, one sheet per kind of unit, the
    definitions, daily intake and category mix; scoped like the page and audited."""
    period, by = _period(request.GET), _grouping(request.GET)
    user, date_from, date_to = request.user, period.date_from, period.date_to
    scheme = scheme_for(date_to) or AssessmentScheme()
    league = league_table(user=user, date_from=date_from, date_to=date_to, by=by, scheme=scheme)
    scope_ids = unit_scope(user)
    scope = "全部单位" if scope_ids is None else _units_text(scope_ids)
    record_event(
        actor=user,
        action="export.league",
        summary=f"导出三率排名（{GROUPINGS[by]}，{period.label}，{scope}）",
    )
    kinds = {id(row): league.title(code) for code, rows in league.tables.items() for row in rows}
    previous, last_year = league.previous, league.last_year
    note = (
        f"排名按{'修正得分' if scheme.rank_by_shrunk else '综合得分'}，参评少于 {scheme.naming_min_rated} 件的不排名；"
        f"上期为 {previous[0]:%Y-%m-%d} 至 {previous[1]:%Y-%m-%d}，去年同期为 "
        f"{last_year[0]:%Y-%m-%d} 至 {last_year[1]:%Y-%m-%d}；得分为百分制，口径见「指标口径」表。"
    )
    per_kind = [
        Sheet(
            f"三率排名（{league.title(code)}）",
            _league_columns(by),
            [*rows, totals(rows)],
            scope=scope,
            period=period.label,
            name=league.title(code),
            note=note,
        )
        for code, rows in league.tables.items()
        if by == "unit"
    ]
    definitions = Sheet(
        "指标口径",
        [Column("指标", 0, width=16), Column("口径", 1, width=90)],
        [
            *DEFINITIONS,
            (
                "可信下限、上限",
                f"修正得分的 {float(scheme.credible_level) * 100:.0f}% 单侧可信界（正态近似）。",
            ),
            (
                "全市平均",
                "" if league.city is None else f"{_score(league.city.composite)}（本表范围内全部参评工单）",
            ),
            ("表扬、点名", "只列参评达标、可信下限高于（点名：可信上限低于）全市平均的，名次从第 1 名排起。"),
        ],
        scope=scope,
        period=period.label,
    )
    trend = Sheet(
        "每日受理量",
        [Column("日期", 0, number_format=DATE), Column("受理量", 1, number_format=INTEGER)],
        received_per_day(user=user, date_from=date_from, date_to=date_to),
        scope=scope,
        period=period.label,
    )
    mix = Sheet(
        "诉求分类构成",
        [Column("一级分类", 0, width=24), Column("受理量", 1, number_format=INTEGER)],
        category_mix(user=user, date_from=date_from, date_to=date_to),
        scope=scope,
        period=period.label,
    )
    rows = league.rows
    data = workbook(
        f"三率排名（{GROUPINGS[by]}）",
        scope,
        period.label,
        _league_columns(by, kinds if by == "unit" else None),
        [*rows, league.total] if rows else [],
        sheet_name="三率排名",
        note=note,
        more_sheets=[*per_kind, definitions, trend, mix],
    )
    return xlsx_response(f"三率排名_{date_from:%Y%m%d}-{date_to:%Y%m%d}", data)


urlpatterns = [
    path("tickets/export/", tickets_export, name="tickets_export"),
    path("dashboard/export/", dashboard_export, name="dashboard_export"),
]
