"""The league tables as an .xlsx (core.documents): the dashboard's 「导出 Excel」 and `civicgrid metrics
--format xlsx` write the same workbook. Composites on the 0-100 scale, rates as percentages."""

from civicgrid.assessment.leagues import League
from civicgrid.assessment.selectors import totals
from civicgrid.core.documents import INTEGER, ONE_DECIMAL, PERCENT, Column, Sheet, workbook_of

# One sentence per figure, shown on the dashboard and in the workbook's 「指标口径」 sheet.
DEFINITIONS = [
    ("响应率", "参评工单中在规定时限内联系了诉求人的件数 ÷ 参评工单数。"),
    ("解决率", "参评工单中诉求人确认已解决的件数 ÷ 参评工单数。"),
    ("满意率", "（非常满意 + 满意 + 折算系数 × 基本满意）÷ 参评工单数。"),
    ("综合得分", "响应率、解决率、满意率按考评方案的权重加权，乘以 100，再减去方案规定的超期、督办扣分。"),
    (
        "修正得分",
        "把三率各自向全市平均收缩：参评件数越少，越接近全市平均；± 为可信区间的半宽，可信下限以上有方案规定的把握。",
    ),
    (
        "结构调整得分",
        "按诉求分类构成调整：实际结果 ÷ 以全市各分类水平推算的预期，再乘以全市水平，难办分类多的不吃亏。",
    ),
]
GROUP_LABELS = {"unit": "单位", "grid": "网格", "town": "乡镇/街道", "category": "分类"}


def score(value: float | None) -> float | None:
    """A composite on the 0-100 scale, one decimal."""
    return None if value is None else round(value * 100, 1)


def league_columns(by: str, kinds: dict | None = None) -> list[Column]:
    """The league table's columns; with `kinds` (id(row) → table title) a first column naming the table."""
    first = [Column("类别", lambda row: kinds.get(id(row), ""), width=16)] if kinds else []
    return [
        *first,
        Column("排名", "rank", number_format=INTEGER, width=8),
        Column("名次变化", "rank_move", width=10),
        Column(GROUP_LABELS[by], "label", width=28),
        Column("受理", "received", number_format=INTEGER),
        Column("办结", "closed", number_format=INTEGER),
        Column("参评", "rated", number_format=INTEGER),
        Column("响应率", "response_rate", number_format=PERCENT),
        Column("解决率", "resolution_rate", number_format=PERCENT),
        Column("满意率", "satisfaction_rate", number_format=PERCENT),
        Column("综合得分", lambda row: score(row.composite), number_format=ONE_DECIMAL),
        Column("修正得分", lambda row: score(row.composite_shrunk), number_format=ONE_DECIMAL),
        Column("可信下限", lambda row: score(row.composite_lower), number_format=ONE_DECIMAL),
        Column("可信上限", lambda row: score(row.composite_upper), number_format=ONE_DECIMAL),
        Column("结构调整得分", lambda row: score(row.composite_adjusted), number_format=ONE_DECIMAL),
        Column("参加排名", lambda row: "" if row.key is None else ("是" if row.rankable else "否"), width=10),
        Column("上期名次", "rank_prev", number_format=INTEGER),
        Column("上期综合得分", lambda row: score(row.composite_prev), number_format=ONE_DECIMAL),
        Column("上期响应率", "response_prev", number_format=PERCENT),
        Column("上期解决率", "resolution_prev", number_format=PERCENT),
        Column("上期满意率", "satisfaction_prev", number_format=PERCENT),
        Column("去年同期综合得分", lambda row: score(row.composite_last_year), number_format=ONE_DECIMAL),
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


def league_workbook(league: League, *, title: str, scope: str, period: str, more_sheets=()) -> bytes:
    """The league table (every table, with a 类别 column for units, and the total) on the first sheet, one
    sheet per kind of unit after it, then 「指标口径」 and `more_sheets`."""
    scheme, by = league.scheme, league.by
    kinds = {id(row): league.title(code) for code, rows in league.tables.items() for row in rows}
    note = f"排名按{'修正得分' if scheme.rank_by_shrunk else '综合得分'}，参评少于 {scheme.naming_min_rated} 件的不排名"
    if league.previous:
        (p0, p1), (y0, y1) = league.previous, league.last_year
        note += f"；上期为 {p0:%Y-%m-%d} 至 {p1:%Y-%m-%d}，去年同期为 {y0:%Y-%m-%d} 至 {y1:%Y-%m-%d}"
    note += "；得分为百分制，口径见「指标口径」表。"
    rows = league.rows
    first = Sheet(
        title,
        league_columns(by, kinds if by == "unit" else None),
        [*rows, league.total] if rows else [],
        scope=scope,
        period=period,
        name="三率排名",
        note=note,
    )
    per_kind = [
        Sheet(
            f"三率排名（{league.title(code)}）",
            league_columns(by),
            [*table, totals(table)],
            scope=scope,
            period=period,
            name=league.title(code),
            note=note,
        )
        for code, table in league.tables.items()
        if by == "unit"
    ]
    level = f"{float(scheme.credible_level) * 100:.0f}%"
    definitions = Sheet(
        "指标口径",
        [Column("指标", 0, width=16), Column("口径", 1, width=90)],
        [
            *DEFINITIONS,
            ("可信下限、上限", f"修正得分的 {level} 单侧可信界（正态近似）。"),
            (
                "全市平均",
                "" if league.city is None else f"{score(league.city.composite)}（本表范围内全部参评工单）",
            ),
            ("表扬、点名", "只列参评达标、可信下限高于（点名：可信上限低于）全市平均的，名次从第 1 名排起。"),
        ],
        scope=scope,
        period=period,
    )
    return workbook_of([first, *per_kind, definitions, *more_sheets])
