"""「导出 Excel」 for any console list: the page's own rows (its scope, filters and masking) as an .xlsx
in the house style (core.documents), capped, with an audit row. A list view calls `export_list` when
the query asks for `export=xlsx`, so the file can never hold more than the page would show."""

from django.http import QueryDict
from django.utils import timezone

from civicgrid.core.audit import record_event
from civicgrid.core.documents import DATETIME, Column, Sheet, workbook, xlsx_response
from civicgrid.registry.models import Unit
from civicgrid.tickets.permissions import CENTRE_ROLES, role_codes, units_of

EXPORT_PARAM = "export"
# Past this a list is a data extract, not a table for a meeting: the first rows and a note asking to narrow it.
LIST_EXPORT_MAX = 50_000


# A ticket as a row of a list export (the ticket search, my grid).
TICKET_COLUMNS = [
    Column("工单编号", "number", width=18),
    Column("事件概述", "title", width=40),
    Column("诉求类型", lambda t: t.get_request_type_display()),
    Column("诉求分类", "category.name", width=16),
    Column("状态", lambda t: t.get_status_display()),
    Column("主办单位", "lead_unit.name", width=24),
    Column("预警", lambda t: t.get_warning_level_display() if t.warning_level else ""),
    Column("受理时间", "received_at", number_format=DATETIME),
    Column("办结时间", "closed_at", number_format=DATETIME),
    Column("乡镇/街道", "town.name", width=16),
    Column("网格", "grid.name", width=20),
    Column("来源渠道", lambda t: t.get_channel_display()),
]


def units_text(unit_ids) -> str:
    """A few unit names for a title row (「住建局、综合执法局等」)."""
    names = list(Unit.objects.filter(pk__in=unit_ids).order_by("code").values_list("name", flat=True)[:6])
    more = "等" if len(unit_ids) > len(names) else ""
    return "、".join(names) + more if names else "（未关联单位）"


def ticket_scope(user) -> str:
    """The scope of a ticket list in words, as `tickets_for(user)` draws it."""
    if user.is_superuser or role_codes(user) & CENTRE_ROLES:
        return "全部工单"
    return f"本单位承办的工单（{units_text(units_of(user))}）"


def mine_scope(user) -> str:
    """The scope of a list of the user's units' own work."""
    if user.is_superuser:
        return "全部单位"
    return f"本单位（{units_text(units_of(user))}）"


def yes(value) -> str:
    return "是" if value else ""


def wants_xlsx(request) -> bool:
    return request.GET.get(EXPORT_PARAM) == "xlsx"


def export_query(params: QueryDict) -> str:
    """The page's query with `export=xlsx` (and without the page number), for the link."""
    query = params.copy()
    query.pop("page", None)
    query[EXPORT_PARAM] = "xlsx"
    return query.urlencode()


def export_list(
    request,
    *,
    title: str,
    columns: list[Column],
    rows,
    scope: str,
    action: str,
    period: str = "",
    filters: list[str] | tuple[str, ...] = (),
    note: str = "",
    more_sheets: list[Sheet] | tuple[Sheet, ...] = (),
    cap: int | None = None,
    sheet_name: str = "",
    target=None,
):
    """The .xlsx download of one list: title row, a line with scope and filters and period, header, rows.

    `rows` is a queryset (counted and sliced in the database) or any iterable of rows. A detail page's
    download names its record in `title`, gives the first sheet a short `sheet_name` and audits the `target`.
    """
    cap = cap or LIST_EXPORT_MAX
    if hasattr(rows, "count") and hasattr(rows, "iterator"):
        total = rows.count()
        taken = rows[:cap].iterator(chunk_size=2000)
    else:
        rows = list(rows)
        total = len(rows)
        taken = rows[:cap]
    written = min(total, cap)
    shown = "；".join(f for f in filters if f)
    scope_text = f"{scope}；{shown}" if shown else scope
    count_note = f"共 {total} 条。"
    if total > cap:
        count_note = f"共 {total} 条，仅导出前 {cap} 条；请缩小查询条件后分批导出。"
    record_event(
        actor=request.user,
        action=action,
        target=target,
        summary=f"导出{title} {written} 条（{scope_text}{'，' + period if period else ''}）",
        rows=written,
    )
    data = workbook(
        title,
        scope_text,
        period,
        columns,
        taken,
        sheet_name=sheet_name or title,
        note=f"{count_note}{note}",
        more_sheets=list(more_sheets),
    )
    return xlsx_response(f"{title}_{timezone.localdate():%Y%m%d}", data)
