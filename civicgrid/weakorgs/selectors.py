"""Reads of 软弱涣散 records, scoped to the reader (`weakorgs.scope`): the board's filters, and the counts the reports
print (Danzhou 2020: 整顿 社区 3、市直机关 47、两新 15; Sanya: 转化).

Candidates and plans name organisations and officials (the 包联 leader with his post), no resident's personal data.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from civicgrid.party.models import PartyOrg
from civicgrid.party.selectors import area_subtree_ids
from civicgrid.registry.models import AdminArea
from civicgrid.weakorgs import scope
from civicgrid.weakorgs.models import Candidate, PlanItem, RectificationPlan
from civicgrid.weakorgs.progress import overdue_q, with_limit

S = RectificationPlan.State
SETUP_LABELS = {value: str(label) for value, label in PartyOrg.Setup.choices}


@dataclass
class BoardFilters:
    q: str = ""
    year: int | None = None
    area: int | None = None
    state: str = ""
    kind: str = ""  # the organisation's 设置方式 (社区, 机关, 两新 ...)
    overdue: bool = False

    @classmethod
    def from_query(cls, get) -> "BoardFilters":
        def number(name):
            text = (get.get(name) or "").strip()
            return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None

        state = get.get("state", "")
        kind = get.get("kind", "")
        return cls(
            q=(get.get("q") or "").strip()[:100],
            year=number("year"),
            area=number("area"),
            state=state if state in S.values else "",
            kind=kind if kind in PartyOrg.Setup.values else "",
            overdue=get.get("overdue") == "1",
        )


def _area_ids(area_id: int | None) -> set[int] | None:
    return area_subtree_ids([area_id]) if area_id else None


def candidates(user, f: BoardFilters | None = None) -> QuerySet[Candidate]:
    """Open candidates in scope, filtered like the board (year and state filter plans, not candidates)."""
    f = f or BoardFilters()
    rows = scope.candidates_for(user).filter(state=Candidate.State.OPEN)
    if f.q:
        rows = rows.filter(Q(org__name__icontains=f.q) | Q(org__code__icontains=f.q))
    if f.kind:
        rows = rows.filter(org__setup=f.kind)
    areas = _area_ids(f.area)
    if areas is not None:
        rows = rows.filter(org__area_id__in=areas)
    return rows.order_by("-scanned_at", "org__code")


def plans(user, f: BoardFilters | None = None, today: date | None = None) -> QuerySet[RectificationPlan]:
    f = f or BoardFilters()
    today = today or timezone.localdate()
    rows = with_limit(scope.plans_for(user)).annotate(
        items_total=Count("items", distinct=True),
        items_done=Count("items", filter=Q(items__state=PlanItem.State.DONE), distinct=True),
    )
    if f.q:
        rows = rows.filter(
            Q(org__name__icontains=f.q)
            | Q(org__code__icontains=f.q)
            | Q(leader_name__icontains=f.q)
            | Q(batch__icontains=f.q)
        )
    if f.year:
        rows = rows.filter(year=f.year)
    if f.state:
        rows = rows.filter(state=f.state)
    if f.kind:
        rows = rows.filter(org_setup=f.kind)
    areas = _area_ids(f.area)
    if areas is not None:
        rows = rows.filter(org__area_id__in=areas)
    if f.overdue:
        rows = rows.filter(overdue_q(today))
    return rows.order_by("-year", "org__code")


def plan_for(user, pk: int) -> RectificationPlan | None:
    return plans(user).filter(pk=pk).first()


def my_plans(user) -> QuerySet[RectificationPlan]:
    """The plans of the organisations `user` is 书记 of (his own view)."""
    return with_limit(RectificationPlan.objects.filter(org_id__in=scope.led_orgs(user))).select_related("org")


# ---------------------------------------------------------------------------------------------------- counts


def _group_area(area_id: int, parents: dict, levels: dict, root: int | None) -> int:
    """The area directly under `root` (or the county / city when no root) that `area_id` lies in."""
    chain, node = [], area_id
    while node is not None and node not in chain:
        chain.append(node)
        node = parents.get(node)
    if root is not None:
        if root in chain:
            index = chain.index(root)
            return chain[index - 1] if index > 0 else root
        return area_id
    for node in reversed(chain):  # from the top down: the first county or city
        if levels.get(node) in (AdminArea.Level.COUNTY, AdminArea.Level.CITY):
            return node
    return chain[-1]


def stats(user, *, year: int | None = None, area: AdminArea | None = None, today: date | None = None) -> dict:
    """Confirmed plans by the organisations' sector, in rectification, accepted (转化), overdue; and by area (the
    areas directly under `area`, or the counties / cities). Keys fixed: the command prints them."""
    today = today or timezone.localdate()
    rows = with_limit(scope.plans_for(user))
    if year:
        rows = rows.filter(year=year)
    if area is not None:
        rows = rows.filter(org__area_id__in=area_subtree_ids([area]))
    overdue_ids = set(rows.filter(overdue_q(today)).values_list("pk", flat=True))
    records = list(rows.values_list("pk", "org_setup", "state", "org__area_id"))
    parents = dict(AdminArea.objects.values_list("pk", "parent_id"))
    levels = dict(AdminArea.objects.values_list("pk", "level"))
    by_kind: dict[str, dict] = {}
    by_area: dict[int, dict] = {}

    def bucket(store, key, **extra):
        if key not in store:
            store[key] = {**extra, "confirmed": 0, "rectifying": 0, "accepted": 0, "overdue": 0}
        return store[key]

    for pk, setup, state, area_id in records:
        group = _group_area(area_id, parents, levels, area.pk if area else None)
        for row in (
            bucket(by_kind, setup, kind=setup, label=SETUP_LABELS.get(setup, "其他")),
            bucket(by_area, group, area_id=group),
        ):
            row["confirmed"] += 1
            row["accepted" if state == S.ACCEPTED else "rectifying"] += 1
            row["overdue"] += pk in overdue_ids
    names = dict(AdminArea.objects.filter(pk__in=by_area).values_list("pk", "name"))
    codes = dict(AdminArea.objects.filter(pk__in=by_area).values_list("pk", "code"))
    area_rows = []
    for key, row in sorted(by_area.items(), key=lambda kv: codes.get(kv[0], "")):
        row.pop("area_id")
        area_rows.append({"area": codes.get(key, ""), "name": names.get(key, ""), **row})
    states = defaultdict(int)
    for _pk, _setup, state, _area in records:
        states[state] += 1
    return {
        "year": year,
        "area": area.code if area else "",
        "confirmed": len(records),
        "rectifying": sum(1 for r in records if r[2] != S.ACCEPTED),
        "accepted": states[S.ACCEPTED],
        "overdue": len(overdue_ids),
        "by_state": {state: states[state] for state in S.values},
        "by_kind": sorted(by_kind.values(), key=lambda r: (-r["confirmed"], r["kind"])),
        "by_area": area_rows,
    }
