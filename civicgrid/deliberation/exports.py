"""Excel export of the topic list (masked proposers), taken away to meetings and reports."""

from django.utils import timezone

from civicgrid.core.documents import DATE, INTEGER, Column, workbook


def topics_workbook(topics, *, scope: str) -> bytes:
    columns = [
        Column("收集日期", lambda t: timezone.localtime(t.collected_at).date(), number_format=DATE),
        Column("议题", "title", width=30),
        Column("村（社区）", "area.name", width=14),
        Column("来源", lambda t: t.get_source_display()),
        Column("提议人", lambda t: t.masked_proposer),
        Column("层级", lambda t: t.get_level_display()),
        Column("形式", lambda t: t.get_form_display()),
        Column("状态", lambda t: t.get_state_display()),
        Column("协商日期", "meeting_on", number_format=DATE),
        Column("赞成", "votes_for", number_format=INTEGER),
        Column("反对", "votes_against", number_format=INTEGER),
        Column("弃权", "votes_abstain", number_format=INTEGER),
        Column("协商决议", "resolution", width=40),
        Column("落实单位/责任人", lambda t: t.owner_unit.name if t.owner_unit_id else t.owner_name, width=20),
        Column("落实时限", "deadline", number_format=DATE),
        Column("资金（元）", lambda t: float(t.funding_amount) if t.funding_amount is not None else ""),
        Column("资金来源", "funding_source"),
        Column("反馈情况", "feedback", width=30),
    ]
    return workbook("协商议事议题", scope, "全部", columns, topics, sheet_name="议题")
