"""Excel exports: a campaign's items as filtered on the page, and the ranking of lead units."""

from civicgrid.core.documents import DATE, INTEGER, Column, workbook
from civicgrid.ledgers.progress import is_overdue, percent_text

TWO_DECIMALS = "0.00"


def items_workbook(items, *, campaign, scope: str) -> bytes:
    columns = [
        Column("编号", "number"),
        Column("批次", "batch", number_format=INTEGER),
        Column("问题", "problem", width=40),
        Column("来源", lambda i: i.get_source_display()),
        Column("揭榜挂帅", lambda i: "是" if i.on_list else "否"),
        Column("牵头单位", lambda i: i.lead_unit.name if i.lead_unit_id else "", width=24),
        Column("配合单位", lambda i: "、".join(u.name for u in i.co_units.all()), width=24),
        Column("责任领导", "responsible_leader", width=18),
        Column("时限", "deadline", number_format=DATE),
        Column("进度（%）", lambda i: float(i.progress), number_format=TWO_DECIMALS),
        Column("状态", lambda i: i.get_state_display()),
        Column("超期", lambda i: "是" if is_overdue(i) else ""),
        Column("暂停", lambda i: f"是（{i.suspend_reason}）" if i.suspended else ""),
        Column("张榜公示", lambda i: "是" if i.is_public else ""),
    ]
    return workbook(campaign.name, scope, f"{campaign.year}年度", columns, items, sheet_name="台账事项")


def ranking_workbook(rows, *, campaign) -> bytes:
    columns = [
        Column("名次", "rank", number_format=INTEGER),
        Column("牵头单位", "unit_name", width=28),
        Column("牵头事项", "items", number_format=INTEGER),
        Column("平均进度（%）", lambda r: float(r.progress), number_format=TWO_DECIMALS),
        Column("已销号", "closed", number_format=INTEGER),
        Column("超期未销号", "overdue", number_format=INTEGER),
    ]
    return workbook(
        f"{campaign.name}单位进度排名",
        "全部牵头单位",
        f"{campaign.year}年度",
        columns,
        rows,
        sheet_name="单位排名",
        note="平均进度按台账进度平均方式计算；名次相同表示进度、销号、超期数均相同。",
    )


__all__ = ["items_workbook", "percent_text", "ranking_workbook"]
