"""A `BriefingData` as a Word document in the house style (`core.documents.document`).

Every section is present, with 「本期无。」 where it has nothing; nothing here reads the database.
"""

from dataclasses import dataclass
from datetime import date, datetime

from civicgrid.briefings.gather import BriefingData, League
from civicgrid.core.documents import Section, Table, document

TITLE = "12345 直通联办工作简报"
NOTHING = "本期无。"
SECTION_TITLES = (
    "一、总体情况",
    "二、三率排名",
    "三、热点问题",
    "四、预警",
    "五、重点督办",
    "六、超期单位",
    "七、党建引领",
)


@dataclass
class Masthead:
    """The header block: the issue's number (None for a preview, which takes no number), office and date."""

    number: int | None
    year: int
    office: str
    issued_on: date


def cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def period_text(date_from: date, date_to: date) -> str:
    return f"{cn_date(date_from)}至{cn_date(date_to)}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def score(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}"


def rate_change(current: float | None, before: float | None, against: str) -> str:
    """「较上期上升 3.2 个百分点」: a rate's change in percentage points, in words."""
    if current is None or before is None:
        return f"{against}无可比数据"
    points = round((current - before) * 100, 1)
    if points == 0:
        return f"与{against}持平"
    return f"较{against}{'上升' if points > 0 else '下降'} {abs(points):.1f} 个百分点"


def score_change(current: float | None, before: float | None, against: str) -> str:
    if current is None or before is None:
        return f"{against}无可比数据"
    points = round((current - before) * 100, 1)
    if points == 0:
        return f"与{against}持平"
    return f"较{against}{'上升' if points > 0 else '下降'} {abs(points):.1f} 分"


def count_change(current: int, before: int, against: str, unit: str = "件") -> str:
    """「较上期增加 12 件（增长 5.0%）」."""
    diff = current - before
    if diff == 0:
        return f"与{against}持平"
    words = f"较{against}{'增加' if diff > 0 else '减少'} {abs(diff)} {unit}"
    if before:
        words += f"（{'增长' if diff > 0 else '下降'} {abs(diff) / before * 100:.1f}%）"
    return words


def _changes(kind, current, previous, last_year) -> str:
    return f"{kind(current, previous, '上期')}，{kind(current, last_year, '去年同期')}"


def _overview(data: BriefingData) -> Section:
    c, p, y = data.current, data.previous, data.last_year
    lines = [
        f"{period_text(data.date_from, data.date_to)}，{data.scope_name}共受理群众诉求 {c.received} 件，"
        f"{_changes(count_change, c.received, p.received, y.received)}；"
        f"派单 {c.dispatched} 件，{_changes(count_change, c.dispatched, p.dispatched, y.dispatched)}；"
        f"办结 {c.closed} 件，{_changes(count_change, c.closed, p.closed, y.closed)}，"
        f"按时办结率 {percent(c.on_time_rate)}，"
        f"{_changes(rate_change, c.on_time_rate, p.on_time_rate, y.on_time_rate)}。",
    ]
    if c.rated:
        lines.append(
            f"回访参评工单 {c.rated} 件，{_changes(count_change, c.rated, p.rated, y.rated)}。"
            f"响应率 {percent(c.response_rate)}，"
            f"{_changes(rate_change, c.response_rate, p.response_rate, y.response_rate)}；"
            f"解决率 {percent(c.resolution_rate)}，"
            f"{_changes(rate_change, c.resolution_rate, p.resolution_rate, y.resolution_rate)}；"
            f"满意率 {percent(c.satisfaction_rate)}，"
            f"{_changes(rate_change, c.satisfaction_rate, p.satisfaction_rate, y.satisfaction_rate)}；"
            f"综合得分 {score(c.composite)}，"
            f"{_changes(score_change, c.composite, p.composite, y.composite)}。"
        )
    else:
        lines.append("本期无回访参评工单，三率不作统计。")

    def row(label, get, shown):
        return [label, shown(get(c)), shown(get(p)), shown(get(y))]

    table = Table(
        header=["指标", "本期", "上期", "去年同期"],
        rows=[
            row("受理（件）", lambda o: o.received, str),
            row("派单（件）", lambda o: o.dispatched, str),
            row("办结（件）", lambda o: o.closed, str),
            row("按时办结率", lambda o: o.on_time_rate, percent),
            row("参评工单（件）", lambda o: o.rated, str),
            row("响应率", lambda o: o.response_rate, percent),
            row("解决率", lambda o: o.resolution_rate, percent),
            row("满意率", lambda o: o.satisfaction_rate, percent),
            row("综合得分", lambda o: o.composite, score),
        ],
        widths_cm=(4.5, 3.5, 3.5, 3.5),
    )
    note = (
        "说明：受理数为本期受理的全部诉求（含未派单）；派单数为本期派出的工单；办结数为本期办结的工单；"
        "三率按本期回访参评的工单计算（不参评的除外）。响应率为按时联系诉求人的工单占比；解决率为诉求人认为"
        "已解决的工单占比；满意率为满意（基本满意按考评方案折算）的工单占比。上期为紧邻本期、天数相同的时段，"
        "去年同期为上一年的相同日期。"
    )
    return Section(SECTION_TITLES[0], [*lines, table, note])


def _league_table(rows) -> Table:
    return Table(
        header=["名次", "单位", "参评（件）", "响应率", "解决率", "满意率", "综合得分", "修正得分", "较上期"],
        rows=[
            [
                r.rank,
                r.label,
                r.rated,
                percent(r.response_rate),
                percent(r.resolution_rate),
                percent(r.satisfaction_rate),
                score(r.composite),
                score(r.shrunk),
                r.move or "—",
            ]
            for r in rows
        ],
        widths_cm=(1.1, 3.8, 1.3, 1.6, 1.6, 1.6, 1.6, 1.6, 1.4),
    )


def _league(league: League, number: int) -> list:
    blocks: list = [f"（{_cn_number(number)}）{league.title}"]
    if not league.ranked and not league.insufficient:
        return [*blocks, NOTHING]
    blocks.append(f"参加排名 {league.ranked} 个单位。")
    if league.top:
        blocks += ["表扬（有把握高于全市平均）：", _league_table(league.top)]
    else:
        blocks.append("本期没有证据充分、高于全市平均的单位，不作表扬。")
    if league.bottom:
        blocks += ["点名（有把握低于全市平均）：", _league_table(league.bottom)]
    else:
        blocks.append("本期没有证据充分、低于全市平均的单位，不作点名。")
    if league.insufficient:
        blocks.append(
            f"另有 {league.insufficient} 个单位本期参评不足 {league.min_rated} 件，证据不足，暂不排名。"
        )
    return blocks


def _cn_number(n: int) -> str:
    return "一二三四五六七八九十"[n - 1] if 1 <= n <= 10 else str(n)


def _leagues(data: BriefingData) -> Section:
    blocks: list = []
    shown = [league for league in data.leagues if league.ranked or league.insufficient]
    for number, league in enumerate(shown, start=1):
        blocks += _league(league, number)
    if not blocks:
        blocks = [NOTHING]
    else:
        blocks.append(
            "综合得分为响应率、解决率、满意率按考评方案权重的加权得分（百分制）；修正得分把参评件数少的单位"
            "向全市平均收缩，按修正得分排名，参评件数不足的单位不排名。"
        )
    return Section(SECTION_TITLES[1], blocks)


def _span(first: datetime, last: datetime) -> str:
    return f"{first.month}月{first.day}日至{last.month}月{last.day}日"


def _hot_issues(data: BriefingData) -> Section:
    if not data.hot_issues:
        return Section(SECTION_TITLES[2], [NOTHING])
    blocks: list = [
        Table(
            header=["序号", "热点问题", "关键词", "地点", "诉求（件）", "来电人数", "时间"],
            rows=[
                [
                    index,
                    issue.label,
                    "、".join(issue.keywords),
                    "、".join(issue.places) or "—",
                    issue.size,
                    issue.callers,
                    _span(issue.first, issue.last),
                ]
                for index, issue in enumerate(data.hot_issues, start=1)
            ],
        )
    ]
    for index, issue in enumerate(data.hot_issues, start=1):
        if issue.examples:
            examples = "；".join(f"{number}「{title}」" for number, title in issue.examples[:3])
            blocks.append(f"{index}. {issue.label}，例如：{examples}。")
    return Section(SECTION_TITLES[2], blocks)


def _alerts(data: BriefingData) -> Section:
    if not data.alerts:
        return Section(SECTION_TITLES[3], [NOTHING])
    return Section(
        SECTION_TITLES[3],
        [
            Table(
                header=["预警时间", "问题", "地点", "诉求（件）", "实际/预期（件）", "依据"],
                rows=[
                    [
                        f"{alert.raised_at:%m-%d %H:%M}",
                        alert.label,
                        "、".join(alert.places) or "—",
                        alert.size,
                        f"{alert.observed}/{alert.expected:.1f}",
                        alert.explanation,
                    ]
                    for alert in data.alerts
                ],
            )
        ],
    )


def _key_list(data: BriefingData) -> Section:
    if not data.key_list:
        return Section(SECTION_TITLES[4], [NOTHING])
    blocks: list = [
        f"列入重点督办清单的工单共 {len(data.key_list) + data.key_list_more} 件。",
        Table(
            header=["工单编号", "事件概述", "承办单位", "状态"],
            rows=[[t.number, t.title, t.unit, t.state] for t in data.key_list],
            widths_cm=(3.6, 6.4, 3.8, 2.0),
        ),
    ]
    if data.key_list_more:
        blocks.append(f"另有 {data.key_list_more} 件未列出。")
    return Section(SECTION_TITLES[4], blocks)


def _overdue(data: BriefingData) -> Section:
    if not data.overdue_units:
        return Section(SECTION_TITLES[5], [NOTHING])
    blocks: list = [
        Table(
            header=["序号", "单位", "超期工单（件次）"],
            rows=[[i, row.unit, row.count] for i, row in enumerate(data.overdue_units, start=1)],
            widths_cm=(1.5, 9.0, 4.0),
        )
    ]
    if data.overdue_more:
        blocks.append(f"另有 {data.overdue_more} 个单位有超期工单，未列出。")
    return Section(SECTION_TITLES[5], blocks)


def _party(data: BriefingData) -> Section:
    if not data.party:
        return Section(SECTION_TITLES[6], [NOTHING])
    blocks: list = [
        f"以下为{data.party_year}年以来累计数（党组织、党员为截至{cn_date(data.date_to)}的在册数）。"
    ]
    for group in data.party:
        blocks.append(
            group.title + "：" + "，".join(f"{label} {value}" for label, value in group.lines) + "。"
        )
    return Section(SECTION_TITLES[6], blocks)


def render(data: BriefingData, masthead: Masthead, *, now: datetime | None = None) -> bytes:
    """The briefing as .docx bytes."""
    number = "预览稿（未编号）" if masthead.number is None else f"{masthead.year}年第 {masthead.number} 期"
    head = Section(
        "",
        [
            f"{masthead.office}　　{cn_date(masthead.issued_on)}",
            f"统计范围：{data.scope_name}；统计区间：{period_text(data.date_from, data.date_to)}。",
        ],
    )
    sections = [
        head,
        _overview(data),
        _leagues(data),
        _hot_issues(data),
        _alerts(data),
        _key_list(data),
        _overdue(data),
        _party(data),
    ]
    return document(TITLE, number, sections, now=now)
