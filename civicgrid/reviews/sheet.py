"""A reporter's data sheet (述职数据表): the figures of their area or unit over the campaign year, taken from the
apps that count them (never counted again here), each labelled in Chinese with its definition.

The period is 1 January of the campaign year to 31 December, or to the day of assembly when that comes first:
a 2026 campaign assembled on 5 January 2027 counts the whole of 2026. Figures by area (the party register,
engagement, volunteering, deliberation, mediation) need the reporter's area (a town secretary's town); a
department's reporter has 12345 and ledger figures of their unit, and the organisational life of their party
organisation and those under it.

The sheet is plain JSON: {"period_from", "period_to", "scope", "sections": [{"key", "title", "note",
"rows": [{"key", "label", "value", "display", "definition"}]}]}.
"""

from dataclasses import dataclass, field
from datetime import date

from civicgrid.assessment import selectors as assessment
from civicgrid.assessment.leagues import LEAGUE_TITLES, League, league_of, league_table
from civicgrid.core.actors import SYSTEM
from civicgrid.deliberation import stats as deliberation
from civicgrid.engagement import stats as engagement
from civicgrid.ledgers.models import LedgerItem
from civicgrid.ledgers.progress import stats as ledger_stats
from civicgrid.mediation import stats as mediation
from civicgrid.party.compliance import GREEN, RED, compliance_for
from civicgrid.party.models import PartyOrg
from civicgrid.party.selectors import area_subtree_ids
from civicgrid.party.stats import area_subtrees, party_stats, party_stats_by_area
from civicgrid.registry.models import AdminArea
from civicgrid.reviews.models import Reporter
from civicgrid.volunteering import selectors as volunteering

PERCENT, SCORE, COUNT, NUMBER = "percent", "score", "count", "number"


def period_of(year: int, today: date) -> tuple[date, date]:
    """[1 January, 31 December] of `year`, cut at `today` while the year runs."""
    return date(year, 1, 1), min(date(year, 12, 31), today)


def _display(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == PERCENT:
        return f"{value * 100:.1f}%"
    if kind == SCORE:
        return f"{value:.2f}"
    if kind == NUMBER:
        return f"{value:g}"
    return str(value)


def _row(key: str, label: str, value, definition: str, kind: str = COUNT) -> dict:
    if isinstance(value, float):
        value = round(value, 6)
    return {
        "key": key,
        "label": label,
        "value": value,
        "display": _display(value, kind),
        "definition": definition,
    }


@dataclass
class Context:
    """League tables and area figures shared by every sheet of one assembly (each is a whole-city pass)."""

    date_from: date
    date_to: date
    _tables: dict = field(default_factory=dict)
    party: dict = field(default_factory=dict)
    engagement: dict = field(default_factory=dict)
    subtrees: dict = field(default_factory=dict)

    def subtree(self, area: AdminArea) -> set[int]:
        if area.pk not in self.subtrees:
            self.subtrees[area.pk] = area_subtree_ids([area])
        return self.subtrees[area.pk]

    def read_areas(self, areas, year: int) -> None:
        """The party and engagement figures of all these areas in one pass each (one sheet per area would ask
        each app once per sheet)."""
        areas = [a for a in areas if a is not None]
        self.subtrees.update(area_subtrees([a.pk for a in areas])[0])
        self.party.update(party_stats_by_area(areas, self.date_to))
        self.engagement.update(engagement.engagement_stats_by_area(areas, year, today=self.date_to))

    def league(self, by: str) -> League:
        """The fair league tables (`assessment.leagues.league_table`) of the period by town or by unit."""
        if by not in self._tables:
            self._tables[by] = league_table(
                user=SYSTEM, date_from=self.date_from, date_to=self.date_to, by=by, compare=False
            )
        return self._tables[by]


def assemble(reporter: Reporter, today: date, context: Context | None = None) -> dict:
    year = reporter.campaign.year
    date_from, date_to = period_of(year, today)
    context = context or Context(date_from, date_to)
    area = reporter.area
    areas = context.subtree(area) if area is not None else None
    sections = [_hotline(reporter, areas, context)]
    sections.append(_party(reporter, area, date_to, context))
    if area is not None:
        sections.append(_engagement(area, year, date_to, context))
        sections.append(_volunteering(area, areas, year, context))
    sections.append(_ledgers(reporter, areas, year, date_to))
    if area is not None:
        sections.append(_deliberation(area, year))
        sections.append(_mediation(area, year))
    return {
        "period_from": date_from.isoformat(),
        "period_to": date_to.isoformat(),
        "scope": reporter.answers_for,
        "sections": sections,
    }


def _hotline(reporter: Reporter, areas: set[int] | None, context: Context) -> dict:
    section = {"key": "hotline", "title": "12345热线办理情况", "note": "", "rows": []}
    if areas is not None:
        league = context.league("town")
        table = league.tables.get("town", [])
        towns = set(
            AdminArea.objects.filter(pk__in=areas, level=AdminArea.Level.TOWN).values_list("pk", flat=True)
        )
        mine = [row for row in table if row.key in towns]
        section["note"] = (
            "按工单所属乡镇（街道）统计；名次为全市乡镇（街道）按考评方案的公平排名（参评工单过少的不排名）。"
        )
        who = "乡镇（街道）"
    elif reporter.unit_id is not None:
        league = context.league("unit")
        mine = [row for row in league.rows if row.key == reporter.unit_id]
        code = league_of(mine[0].kind) if mine else None
        table = league.tables.get(code, [])
        who = LEAGUE_TITLES.get(code, "承办单位")
        section["note"] = f"按本单位作为承办（牵头）单位统计；名次为本单位在{who}中按考评方案的公平排名。"
    else:
        section["note"] = "未指定负责区划或单位，不统计。"
        return section
    ranked = sum(1 for row in table if row.rank is not None)
    if len(mine) == 1:
        row = mine[0]
        rank = f"第{row.rank}名／共{ranked}个" if row.rank is not None else "不排名"
        said = row.verdict
    else:
        row = assessment.totals(mine)
        rank = "汇总多个乡镇（街道），不排名" if mine else "无工单"
        said = ""
    section["rows"] = [
        _row("received", "受理工单（件）", row.received, "统计期内受理的工单数"),
        _row(
            "rated", "参评工单（件）", row.rated, "统计期内完成回访评价、参与考评的工单数（不含不参评工单）"
        ),
        _row("response_rate", "响应率", row.response_rate, "参评工单中按时联系诉求人的比例", PERCENT),
        _row("resolution_rate", "解决率", row.resolution_rate, "参评工单中诉求人认为已解决的比例", PERCENT),
        _row(
            "satisfaction_rate",
            "满意率",
            row.satisfaction_rate,
            "参评工单中评价为满意（基本满意按考评方案折算）的比例",
            PERCENT,
        ),
        _row(
            "composite",
            "三率综合得分",
            None if row.composite is None else row.composite * 100,
            "响应率、解决率、满意率按考评方案权重加权，百分制",
            SCORE,
        ),
        _row("on_time_rate", "按时办结率", row.on_time_rate, "统计期内办结的工单中按时办结的比例", PERCENT),
        _row("overdue", "超期（次）", row.overdue, "统计期内发出的超期记录数"),
        _row("supervised", "督办（次）", row.supervised, "统计期内的督办次数"),
        {
            **_row("rank", "排名", row.rank if len(mine) == 1 else None, f"在{who}中按考评方案的公平排名"),
            "display": rank,
        },
    ]
    if said:
        section["rows"].append(
            {
                **_row("verdict", "排名说明", said, "与全市平均相比的结论（按参评件数估计的可信区间）"),
                "display": said,
            }
        )
    return section


def _life_rows(orgs, day: date) -> list[dict]:
    statuses = [s for s in compliance_for(orgs, day).values() if s.items]
    green = sum(1 for s in statuses if s.light == GREEN)
    red = sum(1 for s in statuses if s.light == RED)
    return [
        _row("life_orgs", "须开展组织生活的党组织（个）", len(statuses), "截止日有组织生活要求的党组织数"),
        _row("life_green", "组织生活达标（个）", green, "截止日所在周期各项组织生活均已达到要求的党组织数"),
        _row("life_red", "组织生活未达标（个）", red, "周期已结束仍未达到要求的党组织数"),
        _row(
            "life_share",
            "组织生活达标率",
            green / len(statuses) if statuses else None,
            "组织生活达标的党组织占须开展组织生活的党组织的比例",
            PERCENT,
        ),
    ]


def _party(reporter: Reporter, area: AdminArea | None, day: date, context: Context) -> dict:
    section = {"key": "party", "title": "基层党建", "note": "", "rows": []}
    if area is not None:
        figures = context.party.get(area.pk) or party_stats(area, day)
        section["note"] = f"截至{day.year}年{day.month}月{day.day}日，本区划及以下。"
        section["rows"] = [
            _row("orgs_total", "党组织（个）", figures["orgs_total"], "截止日有效的党组织数"),
            _row("members_total", "党员（人）", figures["members_total"], "截止日在册党员数"),
            _row("grids_total", "基础网格（个）", figures["grids_total"], "启用的基础网格数"),
            _row(
                "grids_with_branch",
                "建有网格党支部的网格（个）",
                figures["grids_with_branch"],
                "关联有效党组织的基础网格数",
            ),
            _row(
                "grid_branch_coverage",
                "网格党支部覆盖率",
                figures["grid_branch_coverage"],
                "建有网格党支部的网格占基础网格的比例",
                PERCENT,
            ),
            _row(
                "terms_overdue",
                "逾期未换届（个）",
                figures["terms_overdue"],
                "截止日已过应换届日期仍未换届的党组织数",
            ),
            _row(
                "terms_due",
                "6个月内应换届（个）",
                figures["terms_due_6_months"],
                "截止日起提醒期内应换届的党组织数",
            ),
        ]
        orgs = PartyOrg.objects.filter(area_id__in=context.subtree(area)).values_list("pk", flat=True)
        section["rows"] += _life_rows(list(orgs), day)
    elif reporter.party_org_id is not None:
        section["note"] = f"截至{day.year}年{day.month}月{day.day}日，本党组织及所属党组织的组织生活。"
        orgs = PartyOrg.objects.filter(path__startswith=reporter.party_org.path).values_list("pk", flat=True)
        section["rows"] = _life_rows(list(orgs), day)
    else:
        section["note"] = "未指定负责区划或党组织，不统计。"
    return section


ENGAGEMENT_KEYS = (
    "registered_orgs",
    "registered_members",
    "registration_share",
    "pairing_units",
    "pairing_visits",
    "micro_wishes_published",
    "micro_wishes_fulfilled",
)
ENGAGEMENT_HELP = {
    "registered_orgs": "当年到本区划报到的单位党组织数",
    "registered_members": "当年到本区划报到的在职党员数",
    "registration_share": "报到在职党员占居住在本区划的在职党员的比例",
    "pairing_units": "当年与本区划村（社区）结对的单位数",
    "pairing_visits": "当年结对单位的走访次数",
    "micro_wishes_published": "当年发布的微心愿数",
    "micro_wishes_fulfilled": "其中已实现的微心愿数",
}


def _engagement(area: AdminArea, year: int, day: date, context: Context) -> dict:
    figures = context.engagement.get(area.pk) or engagement.engagement_stats(area, year, today=day)
    return {
        "key": "engagement",
        "title": "双报到与结对共建",
        "note": "",
        "rows": [
            _row(
                key,
                engagement.LABELS[key],
                figures[key],
                ENGAGEMENT_HELP[key],
                PERCENT if key in engagement.SHARES else COUNT,
            )
            for key in ENGAGEMENT_KEYS
        ],
    }


def _volunteering(area: AdminArea, areas: set[int], year: int, context: Context) -> dict:
    # The engagement figures count the same activities and hours (engagement.volunteer_link).
    known = context.engagement.get(area.pk)
    if known is not None:
        activities, hours = known["volunteer_activities"], known["volunteer_hours"]
    else:
        activities = volunteering.activities_count(areas, year)
        hours = volunteering.confirmed_hours(area_ids=areas, year=year)
    return {
        "key": "volunteering",
        "title": "志愿服务",
        "note": "",
        "rows": [
            _row(
                "activities",
                "志愿活动（场）",
                activities,
                "当年开展且有已确认服务记录的活动数",
            ),
            _row("hours", "志愿服务时长（小时）", float(hours), "当年已确认的服务记录时长合计", NUMBER),
        ],
    }


def _ledgers(reporter: Reporter, areas: set[int] | None, year: int, day: date) -> dict:
    section = {"key": "ledgers", "title": "问题台账（揭榜挂帅、查堵点）", "note": "", "rows": []}
    items = LedgerItem.objects.filter(campaign__year=year)
    if reporter.unit_id is not None and areas is None:
        items = items.filter(lead_unit_id=reporter.unit_id)
        section["note"] = "本单位牵头的当年台账事项。"
    elif areas is not None:
        items = items.filter(lead_unit__area_id__in=areas)
        section["note"] = "本区划及以下单位牵头的当年台账事项。"
    else:
        section["note"] = "未指定负责区划或单位，不统计。"
        return section
    figures = ledger_stats(items, today=day)
    section["rows"] = [
        _row("items", "台账事项（项）", figures["items"], "当年台账中的事项数"),
        _row(
            "avg_progress", "平均进度（%）", figures["avg_progress"], "各事项最新审核通过进度的平均值", NUMBER
        ),
        _row("closed", "已销号（项）", figures["closed"], "已批准销号的事项数"),
        _row("overdue", "超期未完成（项）", figures["overdue"], "截止日已过完成时限仍未销号的事项数"),
    ]
    return section


def _deliberation(area: AdminArea, year: int) -> dict:
    figures = deliberation.deliberation_stats(area, year)
    return {
        "key": "deliberation",
        "title": "基层协商议事",
        "note": "",
        "rows": [
            _row(k, deliberation.LABELS[k], figures[k], deliberation.HELP[k]) for k in deliberation.KEYS
        ],
    }


MEDIATION_HELP = {
    "committees": "12月31日存续的人民调解委员会数",
    "mediators": "12月31日在册的人民调解员数",
    "cases_accepted": "当年受理的纠纷数",
    "cases_closed": "其中已结案的",
    "agreements": "其中达成调解协议的",
    "success_rate": "达成协议的占已有结果（成功或失败）的比例",
    "followed_up": "其中已回访的",
}


def _mediation(area: AdminArea, year: int) -> dict:
    figures = mediation.mediation_stats(area, year)
    return {
        "key": "mediation",
        "title": "人民调解",
        "note": "",
        "rows": [
            _row(
                k,
                mediation.LABELS[k],
                figures[k],
                MEDIATION_HELP[k],
                PERCENT if k == "success_rate" else COUNT,
            )
            for k in mediation.KEYS
        ],
    }


def figure(sheet: dict, section: str, key: str):
    """The value of one figure of a sheet (for tests and commands)."""
    for part in sheet.get("sections", ()):
        if part["key"] == section:
            for row in part["rows"]:
                if row["key"] == key:
                    return row["value"]
    raise KeyError(f"{section}.{key}")
