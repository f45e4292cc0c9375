"""「导出 Excel」 for the console's lists: the same rows the page shows this user (scope, filters,
masking), as an .xlsx in the house style (core.documents). Each export leaves an audit row."""

from django.urls import path
from django.utils import timezone

from civicgrid.assessment.dashboard import category_mix, received_per_day
from civicgrid.assessment.exports import league_workbook
from civicgrid.assessment.leagues import league_table
from civicgrid.assessment.models import AssessmentScheme
from civicgrid.assessment.selectors import scheme_for, unit_scope
from civicgrid.console.access import staff_view
from civicgrid.console.exporting import TICKET_COLUMNS
from civicgrid.console.exporting import ticket_scope as _ticket_scope
from civicgrid.console.exporting import units_text as _units_text
from civicgrid.console.views.common import filtered_tickets
from civicgrid.console.views.dashboard import DASHBOARD_ROLES, GROUPINGS, _grouping, _period
from civicgrid.core.audit import record_event
from civicgrid.core.documents import (
    DATE,
    INTEGER,
    Column,
    Sheet,
    workbook,
    xlsx_response,
)

# Past this a list is a data extract, not a table to take to a meeting: the newest rows, and a note
# asking to narrow the query. About 7 s of writing on the benchmark machine.
TICKET_EXPORT_MAX = 50_000


@staff_view()
def tickets_export(request):
    """The ticket search's rows with its filters (the contract's from/to/on/unit/grid/town/...), which
    the title row repeats in words."""
    tickets, filters = filtered_tickets(request)
    total = tickets.count()
    scope = _ticket_scope(request.user)
    shown = "；".join(filters.words())
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


@staff_view(*DASHBOARD_ROLES)
def dashboard_export(request):
    """The dashboard's league tables (assessment.exports.league_workbook) with the daily intake and the
    category mix; scoped like the page and audited."""
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
    data = league_workbook(
        league,
        title=f"三率排名（{GROUPINGS[by]}）",
        scope=scope,
        period=period.label,
        more_sheets=[trend, mix],
    )
    return xlsx_response(f"三率排名_{date_from:%Y%m%d}-{date_to:%Y%m%d}", data)


urlpatterns = [
    path("tickets/export/", tickets_export, name="tickets_export"),
    path("dashboard/export/", dashboard_export, name="dashboard_export"),
]
