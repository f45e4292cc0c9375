"""Where a ticket goes: the Hainan 直通联办 rule over the direct-dispatch table and the dispatch catalogue.

Simple matters go straight to the grid, complex ones to a lead department with co-units, everything
else to the department the catalogue names. Matters that belong to a functional department are never
sent to a grid (国办函〔2025〕66号: 应由职能部门办理的诉求事项不得分派给基层办理).
"""

from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Q
from django.utils import timezone

from civicgrid.core.refusal import Refusal
from civicgrid.registry.models import AdminArea, Unit
from civicgrid.routing.models import Category, DirectDispatchRule, DispatchCatalogueEntry
from civicgrid.routing.vocabulary import DispatchMode

POLICY = "国办函〔2025〕66号「应由职能部门办理的诉求事项不得分派给基层办理」"
GRASSROOTS_KINDS = (Unit.Kind.GRID_TEAM, Unit.Kind.COMMUNITY)


class RoutingError(Refusal, ValueError):
    """A dispatch that the rules forbid; the message is for the dispatcher."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class RouteDecision:
    """What route() proposes: mode is a DispatchMode value, or "" when a person must decide."""

    mode: str
    lead: Unit | None
    co_units: list[Unit] = field(default_factory=list)
    rule: DirectDispatchRule | DispatchCatalogueEntry | None = None
    reason: str = ""

    @property
    def rule_ref(self) -> str:
        """Short reference stored on the ticket, e.g. "直派表 第一批(暂行) #12"."""
        if isinstance(self.rule, DirectDispatchRule):
            return f"直派表 {self.rule.version} #{self.rule.pk}"
        if isinstance(self.rule, DispatchCatalogueEntry):
            return f"派单目录 {self.rule.version} #{self.rule.pk}"
        return ""


def _day(when) -> date:
    if when is None:
        return timezone.localdate()
    if isinstance(when, datetime):
        return timezone.localdate(when) if timezone.is_aware(when) else when.date()
    return when


def _code_prefixes(code: str) -> list[str]:
    return [code[:end] for end in range(2, len(code) + 1, 2)]


# Set by `route_many`: the rules in force and the areas for a page of tickets, read once.
_read_once: ContextVar[dict | None] = ContextVar("routing_read_once", default=None)
_RELATED = {DirectDispatchRule: ["lead_unit"], DispatchCatalogueEntry: ["unit"]}


def _rules(model, day: date, versions, prefixes, area_ids):
    return list(
        model.objects.effective_at(day)
        .filter(category__version__in=versions, category__code__in=prefixes)
        .filter(Q(area__isnull=True) | Q(area_id__in=area_ids))
        .select_related("category", "area", *_RELATED[model])
        .defer("area__geometry")  # a boundary is not needed to choose, and large to read
        .prefetch_related("co_units")
    )


def _best(model, category: Category, day: date, area_ids: list[int], related: list[str]):
    """The most specific row in force: deepest category first, then deepest area, then the newest.

    `area_ids` runs from the most specific area up; rows with no area apply everywhere.
    """
    prefixes = _code_prefixes(category.code)
    read = _read_once.get()
    if read is not None and read["day"] == day:
        rows = [
            row
            for row in read[model]
            if row.category.version == category.version
            and row.category.code in prefixes
            and (row.area_id is None or row.area_id in area_ids)
        ]
    else:
        rows = _rules(model, day, [category.version], prefixes, area_ids)
    if not rows:
        return None
    rank = {area_id: len(area_ids) - index for index, area_id in enumerate(area_ids)}
    return max(
        rows,
        key=lambda r: (len(r.category.code), rank.get(r.area_id, 0), r.effective_from, r.pk),
    )


def _area_ids(area: AdminArea | None) -> list[int]:
    return [a.pk for a in reversed(area.ancestors())] if area is not None else []


def ticket_area(ticket) -> AdminArea | None:
    """The area whose rules apply to a ticket: its community, else its town, else its grid's community.

    Loaded with the areas above it in one query. Both the proposal (`route`) and the guard on a manual
    dispatch (`check_lead_allowed`) take a ticket's area from here, so they never disagree.
    """
    area_id = ticket.community_id or ticket.town_id
    if area_id is None and ticket.grid_id is not None:
        area_id = ticket.grid.community_id
    if area_id is None:
        return None
    read = _read_once.get()
    if read is not None and area_id in read["areas"]:
        return read["areas"][area_id]
    return _areas([area_id])[area_id]


_CHAIN = "parent__parent__parent__parent"
# The boundaries are not needed for the rules, and reading five of them per ticket made the dispatcher's queue
# (25 proposals a page) slow (bench/bench_province.py).
_BOUNDARIES = ["geometry"] + ["__".join(_CHAIN.split("__")[:depth] + ["geometry"]) for depth in range(1, 5)]


def _areas(area_ids) -> dict:
    """{pk: area} loaded with the areas above it, in one query."""
    areas = AdminArea.objects.select_related(_CHAIN).defer(*_BOUNDARIES).filter(pk__in=area_ids)
    return {area.pk: area for area in areas}


def _owner_entry(category, day, area_ids):
    """The catalogue entry that decides ownership; it names a functional department or nobody."""
    return _best(DispatchCatalogueEntry, category, day, area_ids, ["unit"])


def department_owner(category, day, area=None) -> Unit | None:
    """The functional department the dispatch catalogue gives this category (or its nearest ancestor).

    With an area, entries for that area and the areas above it count too; without one, only entries
    that apply everywhere. The most specific entry decides: if it names a unit that is not a
    functional department, the matter has no department owner.
    """
    if category is None:
        return None
    entry = _owner_entry(category, _day(day), _area_ids(area))
    if entry is not None and entry.unit.is_functional_department:
        return entry.unit
    return None


def _is_grassroots(unit: Unit) -> bool:
    return unit.kind in GRASSROOTS_KINDS and not unit.is_functional_department


def check_lead_allowed(*, category, lead: Unit, day, area=None) -> None:
    """Refuse a grid team or community as lead for a matter that a functional department owns."""
    if category is None or lead is None or not _is_grassroots(lead):
        return
    owner = department_owner(category, day, area=area)
    if owner is not None:
        raise RoutingError(
            f"「{category.name}」属于职能部门 {owner.name} 的职责，不得派给 {lead.name}（{POLICY}）。"
            f"请改派 {owner.name}。"
        )


def _unit_names(units) -> str:
    return "、".join(u.name for u in units)


def _rule_label(rule, ticket_category: Category) -> str:
    table = "网格办件直派表" if isinstance(rule, DirectDispatchRule) else "派单目录"
    label = f"{table}「{rule.version}」：{ticket_category.name}"
    if rule.category_id != ticket_category.pk:
        label += f"（按上级分类「{rule.category.name}」）"
    if rule.area_id is not None:
        label += f"(适用于{rule.area.name})"
    return label


def _grid_teams(grid_ids) -> dict:
    """{grid id: its active grid team with the lowest key} for the grids that have one, in one query."""
    teams = {}
    for team in Unit.objects.filter(kind=Unit.Kind.GRID_TEAM, grid_id__in=grid_ids, is_active=True).order_by(
        "pk"
    ):
        teams.setdefault(team.grid_id, team)
    return teams


def _grid_team(ticket) -> Unit | None:
    if ticket.grid_id is None:
        return None
    read = _read_once.get()
    if read is not None:
        return read["teams"].get(ticket.grid_id)
    return _grid_teams([ticket.grid_id]).get(ticket.grid_id)


def _active_co_units(row) -> list[Unit]:
    # All of them and then the active ones: a row read by `route_many` has them already.
    return sorted((unit for unit in row.co_units.all() if unit.is_active), key=lambda unit: unit.code)


def _from_catalogue(category, day, entry, preface: str) -> RouteDecision:
    if entry is None:
        missing = "派单目录中也没有" if preface else "网格办件直派表和派单目录中均没有"
        return RouteDecision(
            mode="",
            lead=None,
            reason=f"{preface}{missing}「{category.path_display}」在 {day:%Y-%m-%d} 有效的规则，请人工派单。",
        )
    if not entry.unit.is_active:
        return RouteDecision(
            mode="",
            lead=None,
            reason=f"{preface}{_rule_label(entry, category)} 指定的 {entry.unit.name} 已停用，请人工派单。",
        )
    co_units = [u for u in _active_co_units(entry) if u.pk != entry.unit_id]
    reason = f"{preface}{_rule_label(entry, category)} → 派职能部门，由 {entry.unit.name} 承办"
    if co_units:
        reason += f",{_unit_names(co_units)} 协办"
    return RouteDecision(
        mode=DispatchMode.TO_DEPARTMENT, lead=entry.unit, co_units=co_units, rule=entry, reason=reason + "。"
    )


def route_many(tickets, *, at=None) -> list[RouteDecision]:
    """`route` for each of `tickets` (a page of a queue) with the rules in force and the tickets' areas read once
    for all of them instead of per ticket; the same proposals."""
    tickets = list(tickets)
    day = _day(at)
    categories = [ticket.category for ticket in tickets if ticket.category is not None]
    if not categories:
        return [route(ticket, at=at) for ticket in tickets]
    areas = _areas(
        {
            ticket.community_id or ticket.town_id or (ticket.grid.community_id if ticket.grid_id else None)
            for ticket in tickets
        }
        - {None}
    )
    area_ids = {pk for area in areas.values() for pk in _area_ids(area)}
    versions = {category.version for category in categories}
    prefixes = {prefix for category in categories for prefix in _code_prefixes(category.code)}
    teams = _grid_teams({ticket.grid_id for ticket in tickets} - {None})
    read = {"day": day, "areas": areas, "teams": teams}
    for model in (DirectDispatchRule, DispatchCatalogueEntry):
        read[model] = _rules(model, day, versions, prefixes, area_ids)
    token = _read_once.set(read)
    try:
        return [route(ticket, at=at) for ticket in tickets]
    finally:
        _read_once.reset(token)


def route(ticket, *, at=None) -> RouteDecision:
    """Propose lead and co-units for a ticket by the rules in force at `at` (default: now)."""
    day = _day(at)
    category = ticket.category
    if category is None:
        return RouteDecision(
            mode="", lead=None, reason="工单尚未选择业务分类，无法按规则派单，请先分类或人工派单。"
        )
    area_ids = _area_ids(ticket_area(ticket))
    rule = _best(DirectDispatchRule, category, day, area_ids, ["lead_unit"])

    if rule is None:
        entry = _owner_entry(category, day, area_ids)
        return _from_catalogue(category, day, entry, "网格办件直派表未列入该事项；")

    label = _rule_label(rule, category)
    if rule.mode == DirectDispatchRule.Mode.SIMPLE:
        entry = _owner_entry(category, day, area_ids)
        if entry is not None and entry.unit.is_functional_department:
            preface = (
                f"{label} 列为直接办，但派单目录「{entry.version}」规定该事项由职能部门 {entry.unit.name} 负责；"
                f"依据{POLICY}，不直派网格，该直派规则未采用。"
            )
            return _from_catalogue(category, day, entry, preface)
        team = _grid_team(ticket)
        if team is None:
            if ticket.grid_id is None:
                why = "工单尚未定位到网格"
            else:
                why = f"网格 {ticket.grid.name} 没有在用的网格工作组"
            preface = f"{label} 列为直接办，但{why}，无法直派网格；改按派单目录。"
            return _from_catalogue(category, day, entry, preface)
        return RouteDecision(
            mode=DispatchMode.DIRECT_TO_GRID,
            lead=team,
            rule=rule,
            reason=f"{label} → 直接办，由事发网格 {team.name} 办理。",
        )

    lead = rule.lead_unit
    if not lead.is_active or _is_grassroots(lead):
        entry = _owner_entry(category, day, area_ids)
        if not lead.is_active:
            preface = f"{label} 列为联合办，但主办单位 {lead.name} 已停用，该规则未采用；"
            return _from_catalogue(category, day, entry, preface)
        if entry is not None and entry.unit.is_functional_department:
            preface = (
                f"{label} 由 {lead.name} 主办，但该事项属职能部门 {entry.unit.name} 的职责；"
                f"依据{POLICY}，该直派规则未采用。"
            )
            return _from_catalogue(category, day, entry, preface)

    co_units = [u for u in _active_co_units(rule) if u.pk != lead.pk]
    note = ""
    if rule.include_grid:
        team = _grid_team(ticket)
        if team is not None and team.pk != lead.pk and team not in co_units:
            co_units.append(team)
        elif team is None:
            note = "；工单未定位到有工作组的网格，网格未列为协办"
    reason = f"{label} → 联合办，由 {lead.name} 主办"
    if co_units:
        reason += f",{_unit_names(co_units)} 协办"
    return RouteDecision(
        mode=DispatchMode.JOINT, lead=lead, co_units=co_units, rule=rule, reason=f"{reason}{note}。"
    )
