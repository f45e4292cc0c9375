"""Rendering a hand-made `BriefingData`: every section present and in order, 本期无 where empty, the tables' cells,
hot issues and alerts as the hotspot work will hand them over, changes in words and the house fonts."""

import io
from datetime import date

import docx
from docx.oxml.ns import qn

from civicgrid.briefings.gather import (
    BriefingData,
    FigureGroup,
    KeyTicket,
    League,
    LeagueRow,
    OverdueUnit,
    Overview,
)
from civicgrid.briefings.render import (
    NOTHING,
    SECTION_TITLES,
    Masthead,
    count_change,
    rate_change,
    render,
    score_change,
)
from civicgrid.hotspots.selectors import EarlyAlert, HotIssue
from tests.briefings.conftest import local

MASTHEAD = Masthead(number=7, year=2026, office="琼海市12345热线中心", issued_on=date(2026, 12, 3))


def empty_data() -> BriefingData:
    return BriefingData(
        scope_name="全市",
        date_from=date(2026, 11, 1),
        date_to=date(2026, 11, 30),
        current=Overview(),
        previous=Overview(),
        last_year=Overview(),
    )


def full_data() -> BriefingData:
    data = empty_data()
    data.current = Overview(
        received=120,
        dispatched=100,
        closed=90,
        closed_on_time=81,
        on_time_rate=0.9,
        rated=50,
        response_rate=0.96,
        resolution_rate=0.8,
        satisfaction_rate=0.85,
        composite=0.836,
    )
    data.previous = Overview(received=100, rated=40, response_rate=0.95, resolution_rate=0.832, composite=0.8)
    data.last_year = Overview(received=130, rated=45, response_rate=0.96, resolution_rate=0.7, composite=0.9)
    row = LeagueRow(1, "琼海市水务局", 12, 1.0, 0.9, 0.95, 0.93, shrunk=0.91, move="↑2")
    data.leagues = [
        League(
            "职能部门",
            ranked=2,
            top=[row],
            bottom=[LeagueRow(2, "琼海市住房和城乡建设局", 8, 0.9, 0.5, 0.6, 0.58)],
        ),
        League("网格工作组", ranked=0, insufficient=3, min_rated=5),
        League("乡镇（街道）", ranked=0),
    ]
    data.hot_issues = [
        HotIssue(
            label="万泉河沿岸垃圾堆放",
            keywords=["垃圾", "万泉河"],
            places=["万泉河", "嘉积镇"],
            first=local(2026, 11, 3, 9),
            last=local(2026, 11, 20, 18),
            size=14,
            callers=11,
            heat=8.5,
            examples=[("20261103-000012", "万泉河边垃圾无人清理"), ("20261104-000003", "河堤垃圾发臭")],
        )
    ]
    data.alerts = [
        EarlyAlert(
            label="银海路积水",
            raised_at=local(2026, 11, 18, 8, 30),
            keywords=["积水"],
            places=["银海路"],
            size=6,
            observed=5,
            expected=0.8,
            explanation="近 3 日 5 件，超过基线预期 0.8 件",
        )
    ]
    data.key_list = [KeyTicket("20261101-000001", "小区电梯停运", "琼海市住房和城乡建设局", "办理中")]
    data.overdue_units = [OverdueUnit("琼海市住房和城乡建设局", 3), OverdueUnit("琼海市水务局", 1)]
    data.party = [FigureGroup("党组织和党员", [("党组织（个）", "12"), ("党员（人）", "340")])]
    data.party_year = 2026
    return data


def read(content: bytes):
    return docx.Document(io.BytesIO(content))


def headings(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == "Heading 1"]


def section_text(document, title: str) -> list[str]:
    """The paragraphs between the heading `title` and the next heading."""
    out, inside = [], False
    for paragraph in document.paragraphs:
        if paragraph.style.name == "Heading 1":
            inside = paragraph.text == title
            continue
        if inside and paragraph.text:
            out.append(paragraph.text)
    return out


def test_every_section_is_present_in_order_and_says_nothing_this_period_when_empty():
    document = read(render(empty_data(), MASTHEAD))
    assert headings(document) == list(SECTION_TITLES)
    for title in SECTION_TITLES[1:]:
        assert section_text(document, title) == [NOTHING], title
    assert "本期无回访参评工单，三率不作统计。" in section_text(document, SECTION_TITLES[0])


def test_the_masthead_and_the_title_in_the_house_fonts():
    document = read(render(empty_data(), MASTHEAD))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "12345 直通联办工作简报"
    assert texts[1] == "2026年第 7 期"
    assert texts[2] == "琼海市12345热线中心　　2026年12月3日"
    assert "统计区间：2026年11月1日至2026年11月30日" in texts[3]
    title_fonts = document.paragraphs[0].runs[0]._r.rPr.rFonts
    assert title_fonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    body_fonts = document.paragraphs[2].runs[0]._r.rPr.rFonts
    assert body_fonts.get(qn("w:eastAsia")) == "仿宋_GB2312"


def test_a_preview_takes_no_number():
    masthead = Masthead(number=None, year=2026, office="琼海市12345热线中心", issued_on=date(2026, 12, 3))
    document = read(render(empty_data(), masthead))
    assert document.paragraphs[1].text == "预览稿（未编号）"


def test_the_sections_with_data():
    document = read(render(full_data(), MASTHEAD))
    assert headings(document) == list(SECTION_TITLES)
    overview = " ".join(section_text(document, "一、总体情况"))
    assert (
        "共受理群众诉求 120 件，较上期增加 20 件（增长 20.0%），较去年同期减少 10 件（下降 7.7%）" in overview
    )
    assert "响应率 96.0%，较上期上升 1.0 个百分点，与去年同期持平" in overview
    assert "解决率 80.0%，较上期下降 3.2 个百分点，较去年同期上升 10.0 个百分点" in overview
    assert "综合得分 83.6，较上期上升 3.6 分，较去年同期下降 6.4 分" in overview

    tables = document.tables
    figures = tables[0]
    assert [c.text for c in figures.rows[0].cells] == ["指标", "本期", "上期", "去年同期"]
    assert [c.text for c in figures.rows[1].cells] == ["受理（件）", "120", "100", "130"]
    assert [c.text for c in figures.rows[4].cells] == ["按时办结率", "90.0%", "—", "—"]

    ranking = section_text(document, "二、三率排名")
    assert ranking[0] == "（一）职能部门"
    assert "另有 3 个单位本期参评不足 5 件，证据不足，暂不排名。" in ranking
    assert "（三）乡镇（街道）" not in ranking  # a kind with no rated unit is left out
    top = tables[1]
    assert [c.text for c in top.rows[0].cells] == [
        "名次",
        "单位",
        "参评（件）",
        "响应率",
        "解决率",
        "满意率",
        "综合得分",
        "修正得分",
        "较上期",
    ]
    assert [c.text for c in top.rows[1].cells] == [
        "1",
        "琼海市水务局",
        "12",
        "100.0%",
        "90.0%",
        "95.0%",
        "93.0",
        "91.0",
        "↑2",
    ]
    assert tables[2].rows[1].cells[1].text == "琼海市住房和城乡建设局"

    hot = tables[3]
    assert [c.text for c in hot.rows[1].cells] == [
        "1",
        "万泉河沿岸垃圾堆放",
        "垃圾、万泉河",
        "万泉河、嘉积镇",
        "14",
        "11",
        "11月3日至11月20日",
    ]
    assert any("20261103-000012「万泉河边垃圾无人清理」" in t for t in section_text(document, "三、热点问题"))
    alert = tables[4]
    assert [c.text for c in alert.rows[1].cells][:5] == ["11-18 08:30", "银海路积水", "银海路", "6", "5/0.8"]
    assert [c.text for c in tables[5].rows[1].cells] == [
        "20261101-000001",
        "小区电梯停运",
        "琼海市住房和城乡建设局",
        "办理中",
    ]
    assert [c.text for c in tables[6].rows[1].cells] == ["1", "琼海市住房和城乡建设局", "3"]
    party = section_text(document, "七、党建引领")
    assert "党组织和党员：党组织（个） 12，党员（人） 340。" in party


def test_changes_in_words():
    assert rate_change(0.5, 0.468, "上期") == "较上期上升 3.2 个百分点"
    assert rate_change(0.4, 0.5, "去年同期") == "较去年同期下降 10.0 个百分点"
    assert rate_change(0.5, 0.5, "上期") == "与上期持平"
    assert rate_change(0.5, None, "上期") == "上期无可比数据"
    assert count_change(5, 0, "上期") == "较上期增加 5 件"
    assert count_change(3, 4, "上期") == "较上期减少 1 件（下降 25.0%）"
    assert score_change(0.9, 0.85, "上期") == "较上期上升 5.0 分"
