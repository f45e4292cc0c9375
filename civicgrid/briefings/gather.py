"""Gathering a briefing's figures into a plain `BriefingData` (rendering is `render.py`'s job).

Every figure comes from the app that owns it: the three rates and the league tables from `assessment`, hot
issues and early alerts from `hotspots`, the party side from the `stats` functions of party, engagement,
ledgers, deliberation and mediation. Only the period's own counts of tickets (received, dispatched, closed)
are counted here, over the tickets of the area.

Definitions (written under 「一、总体情况」 in the document too):
- received: tickets received in the period (dispatched or not); dispatched: tickets first dispatched in the
  period; closed: tickets closed in the period, and the on-time rate among them;
- rated and the three rates: 参评工单 rated in the period (不参评 left out), by the scheme in force on the
  period's last day;
- the area: tickets whose town (for a village/community: whose community) is the area or below it
  (`assessment.selectors.area_filter`); the league tables rank units on those tickets; overdue units are
  units whose own area is the area or below it.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q

from civicgrid.assessment.leagues import last_year_period, league_table, previous_period
from civicgrid.assessment.models import AssessmentScheme
from civicgrid.assessment.selectors import (
    PeriodCounts,
    RateRow,
    area_filter,
    fill_rates,
    period_bounds,
    scheme_for,
    unit_scope,
)
from civicgrid.deliberation.stats import LABELS as DELIBERATION_LABELS
from civicgrid.deliberation.stats import deliberation_stats
from civicgrid.engagement.stats import LABELS as ENGAGEMENT_LABELS
from civicgrid.engagement.stats import engagement_stats
from civicgrid.engagement.stats import shown as engagement_shown
from civicgrid.hotspots.selectors import EarlyAlert, HotIssue, early_alerts, hot_issues
from civicgrid.ledgers.models import LedgerItem
from civicgrid.ledgers.progress import stats as ledger_stats
from civicgrid.mediation.stats import LABELS as MEDIATION_LABELS
from civicgrid.mediation.stats import mediation_stats
from civicgrid.mediation.stats import shown as mediation_shown
from civicgrid.party.selectors import area_subtree_ids
from civicgrid.party.stats import party_stats
from civicgrid.registry.models import AdminArea
from civicgrid.tickets.models import Assignment, Satisfaction, Solved, Status, Ticket

KEY_LIST_SHOWN = 30
OVERDUE_UNITS_SHOWN = 20
HOT_ISSUES_SHOWN = 10


@dataclass
class Overview:
    """The period's figures of 「一、总体情况」 (rates 0-1, None without rated tickets)."""

    received: int = 0
    dispatched: int = 0
    closed: int = 0
    closed_on_time: int = 0
    on_time_rate: float | None = None
    rated: int = 0
    response_rate: float | None = None
    resolution_rate: float | None = None
    satisfaction_rate: float | None = None
    composite: float | None = None


@dataclass
class LeagueRow:
    rank: int
    label: str
    rated: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    composite: float | None
    shrunk: float | None = None  # the fair (shrunk) score the league is ordered by
    move: str = ""  # rank movement since the previous period (↑2 / ↓1 / 持平 / 新)
    verdict: str = ""  # why the unit is praised or named, in one sentence


@dataclass
class League:
    """One kind of unit: its best and worst rankable units and how many had too few rated tickets."""

    title: str
    ranked: int  # units with enough rated tickets to be ranked
    top: list[LeagueRow] = field(default_factory=list)
    bottom: list[LeagueRow] = field(default_factory=list)
    insufficient: int = 0  # units rated in the period but below the minimum: 证据不足，暂不排名
    min_rated: int = 0


@dataclass
class KeyTicket:
    number: str
    title: str
    unit: str
    state: str


@dataclass
class OverdueUnit:
    unit: str
    count: int


@dataclass
class FigureGroup:
    """A block of 「七、党建引领」: its source and its (label, value as shown) lines."""

    title: str
    lines: list[tuple[str, str]]


@dataclass
class BriefingData:
    """Everything a briefing shows, gathered before any rendering."""

    scope_name: str
    date_from: date
    date_to: date
    current: Overview
    previous: Overview
    last_year: Overview
    leagues: list[League] = field(default_factory=list)
    hot_issues: list[HotIssue] = field(default_factory=list)
    alerts: list[EarlyAlert] = field(default_factory=list)
    key_list: list[KeyTicket] = field(default_factory=list)
    key_list_more: int = 0
    overdue_units: list[OverdueUnit] = field(default_factory=list)
    overdue_more: int = 0
    party: list[FigureGroup] = field(default_factory=list)
    party_year: int = 0


# ---------------------------------------------------------------------------------------------- gathering


def gather(*, user, date_from: date, date_to: date, area: AdminArea | None = None) -> BriefingData:
    """The figures of a briefing for `area` (None: the whole city) over [date_from, date_to]."""
    scheme = scheme_for(date_to) or AssessmentScheme()
    areas = area_subtree_ids([area]) if area is not None else None
    where = area_filter(area) if area is not None else Q()
    table = league_table(user=user, date_from=date_from, date_to=date_to, by="unit", area=area, scheme=scheme)
    # The league's counts cover every ticket of the area when the user sees every unit: the overview adds
    # them up instead of counting the three periods again.
    counted = table.counts if unit_scope(user) is None else {}
    periods = {
        "current": (date_from, date_to),
        "prev": previous_period(date_from, date_to),
        "last_year": last_year_period(date_from, date_to),
    }
    current, previous, last_year = (
        overview(*periods[name], where, scheme, counts=counted.get(name)) for name in periods
    )
    return BriefingData(
        scope_name=area.name if area is not None else "全市",
        date_from=date_from,
        date_to=date_to,
        current=current,
        previous=previous,
        last_year=last_year,
        leagues=_leagues(table, scheme),
        hot_issues=hot_issues(
            user=user, date_from=date_from, date_to=date_to, area=area, top=HOT_ISSUES_SHOWN
        ),
        alerts=early_alerts(user=user, date_from=date_from, date_to=date_to, area=area),
        **_key_list(where),
        **_overdue_units(date_from, date_to, areas),
        party=_party(area, date_to),
        party_year=date_to.year,
    )


def overview(
    date_from: date, date_to: date, where: Q, scheme: AssessmentScheme, counts: PeriodCounts | None = None
) -> Overview:
    """Received, dispatched, closed (on time) and the rated figures of the tickets `where` says, in the period;
    with `counts` (the same tickets' `assessment.selectors.period_counts`, unscoped) all but the dispatched
    are added up from them."""
    start, end = period_bounds(date_from, date_to)
    tickets = Ticket.objects.filter(where).order_by()
    dispatched = tickets.filter(dispatched_at__gte=start, dispatched_at__lt=end).count()
    if counts is not None:
        figures = {name: counts.sum(name) for name in ("received", "closed", "closed_on_time", *RATED)}
        result = Overview(received=figures["received"], dispatched=dispatched)
        result.closed, result.closed_on_time = figures["closed"], figures["closed_on_time"]
        rated = {name: figures[name] for name in RATED}
    else:
        result = Overview(
            received=tickets.filter(received_at__gte=start, received_at__lt=end).count(),
            dispatched=dispatched,
        )
        closed = tickets.filter(closed_at__gte=start, closed_at__lt=end).aggregate(
            n=Count("pk"), on_time=Count("pk", filter=Q(closed_on_time=True))
        )
        result.closed, result.closed_on_time = closed["n"], closed["on_time"]
        rated = tickets.filter(rated_at__gte=start, rated_at__lt=end, excluded_from_rating=False).aggregate(
            rated=Count("pk"),
            contacted_in_time=Count("pk", filter=Q(rated_contacted_in_time=True)),
            solved=Count("pk", filter=Q(rated_solved=Solved.SOLVED)),
            very_satisfied=Count("pk", filter=Q(rated_satisfaction=Satisfaction.VERY_SATISFIED)),
            satisfied=Count("pk", filter=Q(rated_satisfaction=Satisfaction.SATISFIED)),
            basic=Count("pk", filter=Q(rated_satisfaction=Satisfaction.BASIC)),
        )
    if result.closed:
        result.on_time_rate = result.closed_on_time / result.closed
    row = RateRow(key=None, label="", **rated)
    fill_rates(row, scheme)
    result.rated = row.rated
    result.response_rate, result.resolution_rate = row.response_rate, row.resolution_rate
    result.satisfaction_rate, result.composite = row.satisfaction_rate, row.composite
    return result


RATED = ("rated", "contacted_in_time", "solved", "very_satisfied", "satisfied", "basic")


def _leagues(table, scheme: AssessmentScheme) -> list[League]:
    """The league tables of 「二、三率排名」, one per kind of unit, fairly ranked by `assessment.leagues`:
    praised only where the evidence says a unit is above the city, named only where it says below."""
    leagues = []
    for code, rows in table.tables.items():
        rated = [row for row in rows if row.rated]
        praised, named = table.praise.get(code, ([], []))
        leagues.append(
            League(
                title=table.title(code),
                ranked=sum(1 for row in rated if row.rank is not None),
                insufficient=sum(1 for row in rated if not row.rankable),
                min_rated=scheme.naming_min_rated,
                top=[_league_row(row) for row in praised],
                bottom=[_league_row(row) for row in named],
            )
        )
    return leagues


def _league_row(row: RateRow) -> LeagueRow:
    return LeagueRow(
        rank=row.rank,
        label=row.label,
        rated=row.rated,
        response_rate=row.response_rate,
        resolution_rate=row.resolution_rate,
        satisfaction_rate=row.satisfaction_rate,
        composite=row.composite,
        shrunk=row.composite_shrunk,
        move=row.rank_move,
        verdict=row.verdict,
    )


def _key_list(where: Q) -> dict:
    """Tickets on the key supervision list now, newest first (titles only: no personal data)."""
    tickets = Ticket.objects.filter(where, on_key_list=True, merged_into__isnull=True)
    total = tickets.count()
    rows = tickets.order_by("-received_at", "-pk").values_list(
        "number", "title", "lead_unit__name", "status"
    )[:KEY_LIST_SHOWN]
    states = dict(Status.choices)
    return {
        "key_list": [
            KeyTicket(number=n, title=t, unit=u or "未派单", state=str(states.get(s, s)))
            for n, t, u, s in rows
        ],
        "key_list_more": max(total - KEY_LIST_SHOWN, 0),
    }


def _overdue_units(date_from: date, date_to: date, areas: set[int] | None) -> dict:
    """Units with assignments marked overdue in the period, most first."""
    start, end = period_bounds(date_from, date_to)
    rows = Assignment.objects.filter(overdue_issued_at__gte=start, overdue_issued_at__lt=end)
    if areas is not None:
        rows = rows.filter(unit__area_id__in=areas)
    counts = list(
        rows.order_by()
        .values("unit__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "unit__name")
        .values_list("unit__name", "n")
    )
    return {
        "overdue_units": [OverdueUnit(unit=name, count=n) for name, n in counts[:OVERDUE_UNITS_SHOWN]],
        "overdue_more": max(len(counts) - OVERDUE_UNITS_SHOWN, 0),
    }


def _root(area: AdminArea | None) -> AdminArea | None:
    """The area the party side is counted for: the area, or for the whole city the single top area."""
    if area is not None:
        return area
    roots = list(AdminArea.objects.filter(parent__isnull=True)[:2])
    return roots[0] if len(roots) == 1 else None


def _party(area: AdminArea | None, day: date) -> list[FigureGroup]:
    """「七、党建引领」 through the apps' own stats functions; empty where no party register exists."""
    root = _root(area)
    if root is None:
        return []
    year = day.year
    party = party_stats(root, day)
    groups = []
    if party["orgs_total"] or party["members_total"] or party["party_grids"]:
        groups.append(
            FigureGroup(
                "党组织和党员",
                [
                    ("党组织（个）", str(party["orgs_total"])),
                    ("党员（人）", str(party["members_total"])),
                    ("党建网格（个）", str(party["party_grids"])),
                    ("建有党支部的网格（个）", str(party["grids_with_branch"])),
                    ("网格党支部覆盖率", f"{party['grid_branch_coverage'] * 100:.1f}%"),
                ],
            )
        )
    engagement = engagement_stats(root, year, today=day)
    keys = (
        "registered_orgs",
        "registered_members",
        "registration_share",
        "pairing_units",
        "pairing_visits",
        "micro_wishes_published",
        "micro_wishes_fulfilled",
        "volunteer_activities",
        "volunteer_hours",
    )
    if any(engagement[key] for key in keys):
        groups.append(
            FigureGroup(
                "双报到、结对共建和志愿服务",
                [(ENGAGEMENT_LABELS[key], engagement_shown(key, engagement[key])) for key in keys],
            )
        )
    items = LedgerItem.objects.filter(campaign__year=year)
    if area is not None:
        areas = area_subtree_ids([area])
        items = items.filter(Q(campaign__area_id__in=areas) | Q(lead_unit__area_id__in=areas))
    ledgers = ledger_stats(items, day)
    if ledgers["items"]:
        groups.append(
            FigureGroup(
                "问题台账（揭榜挂帅/查堵点）",
                [
                    ("台账事项（项）", str(ledgers["items"])),
                    ("平均进度", f"{ledgers['avg_progress']:.1f}%"),
                    ("已销号（项）", str(ledgers["closed"])),
                    ("超期未销号（项）", str(ledgers["overdue"])),
                ],
            )
        )
    deliberation = deliberation_stats(root, year)
    if deliberation["topics"]:
        groups.append(
            FigureGroup(
                "协商议事",
                [(DELIBERATION_LABELS[key] + "（个）", str(value)) for key, value in deliberation.items()],
            )
        )
    mediation = mediation_stats(root, year)
    if mediation["cases_accepted"] or mediation["committees"]:
        groups.append(
            FigureGroup(
                "人民调解",
                [
                    (MEDIATION_LABELS[key], mediation_shown(key, mediation[key]))
                    for key in ("cases_accepted", "cases_closed", "agreements", "success_rate")
                ],
            )
        )
    return groups
