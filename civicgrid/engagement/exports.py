"""Excel exports: the year-end evaluations (sent to the member's organisation) and the figures of an area."""

from civicgrid.core.documents import DATE, INTEGER, ONE_DECIMAL, PERCENT, Column, Sheet, workbook
from civicgrid.engagement.stats import KEYS, LABELS, shown


def evaluations_workbook(evaluations, *, scope: str, year: int) -> bytes:
    columns = [
        Column("党员", lambda e: e.member.masked_name, width=12),
        Column("所在党组织", lambda e: e.org.name if e.org_id else "", width=28),
        Column("报到社区", "registration.community.name", width=16),
        Column("服务时长（小时）", lambda e: float(e.hours), number_format=ONE_DECIMAL),
        Column("参加活动（次）", "activities", number_format=INTEGER),
        Column("微心愿（个）", "wishes", number_format=INTEGER),
        Column("完成年度任务", lambda e: "是" if e.meets_quota else "否"),
        Column("评价等次", lambda e: e.get_grade_display()),
        Column("评语", "comment", width=30),
    ]
    return workbook(
        "在职党员双报到年度评价", scope, f"{year}年度", columns, evaluations, sheet_name="年度评价"
    )


def stats_workbook(figures: dict, *, scope: str, year: int, coverage=None, coverage_scope: str = "") -> bytes:
    """The area's figures; with `coverage` (selectors.coverage: by employer, by community), two more sheets."""
    rows = [(LABELS[key], shown(key, figures[key])) for key in KEYS]
    columns = [Column("指标", 0, width=28), Column("数值", 1, width=16)]
    more = []
    if coverage is not None:
        for title, who, rows_of in (
            ("双报到覆盖（按工作单位）", "工作单位", coverage[0]),
            ("双报到覆盖（按居住社区）", "社区", coverage[1]),
        ):
            more.append(
                Sheet(
                    title,
                    [
                        Column(who, "name", width=28),
                        Column("在职党员", "in_service", number_format=INTEGER),
                        Column("已报到", "registered", number_format=INTEGER),
                        Column("报到率", "share", number_format=PERCENT),
                    ],
                    rows_of,
                    scope=coverage_scope or scope,
                    period=f"{year}年度",
                    name=title.replace("双报到覆盖（", "").replace("）", ""),
                )
            )
    return workbook(
        "社区共建统计",
        scope,
        f"{year}年度",
        columns,
        rows,
        sheet_name="统计",
        note="积分、志愿服务数据来自积分和志愿服务模块；只计已确认的服务时长。",
        more_sheets=more,
    )


def needs_workbook(needs, *, scope: str) -> bytes:
    columns = [
        Column("登记日期", "created_on", number_format=DATE),
        Column("村（社区）", "community.name", width=16),
        Column("来源", lambda n: n.get_source_display()),
        Column("需求", "title", width=30),
        Column("说明", "content", width=40),
        Column("提出人", "person_masked"),
        Column("联系电话", "phone_masked", width=14),
        Column("状态", lambda n: "已转微心愿" if n.wish_count else "待处理"),
    ]
    return workbook("需求清单", scope, "全部", columns, needs, sheet_name="需求清单")


def pairings_workbook(pairings, *, scope: str, year: int) -> bytes:
    columns = [
        Column("年度", "year", number_format=INTEGER),
        Column("方式", lambda p: p.get_scheme_display()),
        Column("单位/挂钩领导", "side", width=28),
        Column("村（社区）", "area.name", width=16),
        Column("村居代码", "area.code", width=14),
        Column("走访（次）", "visit_count", number_format=INTEGER),
        Column("备注", "note", width=30),
    ]
    return workbook("结对联系", scope, f"{year}年度", columns, pairings, sheet_name="结对联系")


__all__ = ["Sheet", "evaluations_workbook", "needs_workbook", "pairings_workbook", "stats_workbook"]
