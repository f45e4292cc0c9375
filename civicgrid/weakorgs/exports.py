"""Exports: the 软弱涣散 board as Excel (plans, then open candidates) and one plan (一村一策) as a Word document."""

from datetime import date

from django.utils import timezone

from civicgrid.core.documents import DATE, INTEGER, Column, Section, Sheet, Table, document, workbook
from civicgrid.weakorgs.models import PlanItem, RectificationPlan
from civicgrid.weakorgs.progress import is_overdue


def board_workbook(plans, candidates, *, scope: str, period: str, today: date) -> bytes:
    plan_columns = [
        Column("年度", "year", number_format=INTEGER),
        Column("批次", "batch", width=16),
        Column("党组织", "org.name", width=30),
        Column("组织代码", "org.code", width=16),
        Column("所在区划", "org.area.name", width=16),
        Column("组织类型", lambda p: p.get_org_setup_display()),
        Column("认定原因", "reasons", width=48),
        Column("包联领导", lambda p: " ".join(x for x in (p.leader_name, p.leader_title) if x), width=20),
        Column("整顿时限", lambda p: p.effective_due_on, number_format=DATE),
        Column("事项", lambda p: getattr(p, "items_total", 0), number_format=INTEGER),
        Column("已销号", lambda p: getattr(p, "items_done", 0), number_format=INTEGER),
        Column("状态", lambda p: p.get_state_display()),
        Column("超期", lambda p: "是" if is_overdue(p, today) else ""),
        Column("验收日期", "accepted_on", number_format=DATE),
    ]
    candidate_columns = [
        Column("党组织", "org.name", width=30),
        Column("组织代码", "org.code", width=16),
        Column("所在区划", "org.area.name", width=16),
        Column("列入原因", lambda c: "；".join(c.reason_texts), width=60),
        Column("排查日期", "as_of", number_format=DATE),
        Column("最近排查仍符合", lambda c: "是" if c.still_met else "否"),
    ]
    return workbook(
        "软弱涣散党组织整顿",
        scope,
        period,
        plan_columns,
        plans,
        sheet_name="整顿方案",
        more_sheets=[
            Sheet("软弱涣散待研判候选", candidate_columns, candidates, scope=scope, name="待研判候选")
        ],
    )


def plan_document(plan: RectificationPlan, *, today: date) -> bytes:
    """一村一策: the organisation, why it was named, the problems, measures, the 包联 leader, the items and the log."""
    items = list(plan.items.all())
    notes = list(plan.notes.select_related("author__staff")[:50])
    limit = plan.effective_due_on
    facts = [
        f"党组织：{plan.org.name}（{plan.org.area.name}）",
        f"认定批次：{plan.batch}",
        f"认定原因：{plan.reasons}",
        f"包联领导：{' '.join(x for x in (plan.leader_name, plan.leader_title) if x) or '未确定'}",
        f"第一书记：{plan.first_secretary or '未选派'}",
        f"整顿时限：{limit:%Y年%m月%d日}" if limit else "整顿时限：未确定",
        f"当前状态：{plan.get_state_display()}{'（已超期）' if is_overdue(plan, today) else ''}",
    ]
    if plan.extended_to:
        facts.append(f"延期原因：{plan.extension_reason}")
    if plan.accepted_on:
        facts.append(f"验收意见：{plan.acceptance_note}（{plan.accepted_on:%Y年%m月%d日}）")
    sections = [
        Section("一、基本情况", facts),
        Section("二、存在问题", [plan.problems or "本期无"]),
        Section("三、整顿措施", [plan.measures or "本期无"]),
        Section(
            "四、整顿事项",
            [
                Table(
                    ["序号", "问题", "措施", "责任人", "时限", "状态"],
                    [
                        (
                            index,
                            item.problem,
                            item.measure,
                            item.responsible,
                            item.due_on,
                            item.get_state_display()
                            + (f"（{item.done_on:%Y-%m-%d}）" if item.state == PlanItem.State.DONE else ""),
                        )
                        for index, item in enumerate(items, start=1)
                    ],
                    widths_cm=(1.2, 4, 5, 2.2, 2.4, 2.2),
                )
            ]
            if items
            else ["本期无"],
        ),
        Section(
            "五、整顿进展",
            [f"{timezone.localtime(note.at):%Y-%m-%d}：{note.text}" for note in notes] or ["本期无"],
        ),
    ]
    return document(f"{plan.org.name}整顿工作方案", f"（{plan.batch}软弱涣散党组织·一村一策）", sections)
