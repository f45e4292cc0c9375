"""Who a person is in the registers: their staff record, roles, and the units they act for.

"Acting for a unit" is one rule, read both ways: a person acts for the units they belong to and for
the team of every grid they work in or lead (a grid leader linked only through `Grid.leader` acts for
his grid's team). Ticket permissions, notifications, the league-table scope and the knowledge base all
ask here, so they cannot disagree.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q

from civicgrid.core.actors import SYSTEM
from civicgrid.core.refusal import Refusal
from civicgrid.registry.models import Grid, Role, Staff, Unit


def staff_of(user) -> Staff | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.staff
    except Staff.DoesNotExist:
        return None


def role_codes(user) -> set[str]:
    if user is None:
        return set()
    cached = getattr(user, "_civicgrid_roles", None)
    if cached is None:
        staff = staff_of(user)
        cached = set(staff.roles.values_list("code", flat=True)) if staff else set()
        user._civicgrid_roles = cached
    return cached


def sees_everything(user) -> bool:
    """The system, a superuser and an administrator see every area's records; everyone else only their own."""
    return user is SYSTEM or getattr(user, "is_superuser", False) or Role.ADMINISTRATOR in role_codes(user)


def has_role(user, *codes: str) -> bool:
    if user is not None and getattr(user, "is_superuser", False):
        return True
    return bool(role_codes(user) & set(codes))


def units_acted_for(user) -> set[int]:
    """Ids of the units `user` acts for: their own units and the teams of the grids they work in or lead."""
    staff = staff_of(user)
    if staff is None:
        return set()
    cached = getattr(user, "_civicgrid_units", None)
    if cached is None:
        own = set(staff.units.values_list("id", flat=True))
        grids = Grid.objects.filter(Q(workers=staff) | Q(leader=staff)).values("id")
        teams = set(Unit.objects.filter(grid_id__in=grids).values_list("id", flat=True))
        cached = own | teams
        user._civicgrid_units = cached
    return cached


def users_acting_for(units: Iterable) -> dict[int, list[int]]:
    """For each unit (a Unit or its id): the ids of the active users who act for it, ascending.

    The reverse of `units_acted_for`: the unit's staff and, for a grid team, its grid's leader and
    workers. Three queries whatever the number of units (two when all are Unit rows, whose grid is
    then taken as loaded); units nobody acts for are left out.
    """
    units = list(units)
    unit_ids = {getattr(unit, "pk", unit) for unit in units}
    found: dict[int, set[int]] = defaultdict(set)
    for unit_id, user_id in Staff.units.through.objects.filter(
        unit_id__in=unit_ids, staff__user__is_active=True
    ).values_list("unit_id", "staff__user_id"):
        found[unit_id].add(user_id)

    if all(isinstance(unit, Unit) for unit in units):
        grids = [(unit.pk, unit.grid_id) for unit in units if unit.grid_id is not None]
    else:
        grids = Unit.objects.filter(pk__in=unit_ids, grid__isnull=False).values_list("pk", "grid_id")
    units_of_grid: dict[int, list[int]] = defaultdict(list)
    for unit_id, grid_id in grids:
        units_of_grid[grid_id].append(unit_id)
    if units_of_grid:
        people = list(
            Grid.objects.filter(pk__in=units_of_grid, leader__user__is_active=True).values_list(
                "pk", "leader__user_id"
            )
        )
        people += Grid.workers.through.objects.filter(
            grid_id__in=units_of_grid, staff__user__is_active=True
        ).values_list("grid_id", "staff__user_id")
        for grid_id, user_id in people:
            for unit_id in units_of_grid[grid_id]:
                found[unit_id].add(user_id)
    return {unit_id: sorted(user_ids) for unit_id, user_ids in found.items()}


def units_by_code_or_name(texts: set[str]) -> tuple[dict[str, Unit], set[str]]:
    """Each text to its unit (by code, else by a unique full name), and the texts naming several units: how an
    imported file or a form names a unit."""
    found = {u.code: u for u in Unit.objects.filter(code__in=texts)}
    by_name: dict[str, list[Unit]] = {}
    for unit in Unit.objects.filter(name__in=set(texts) - set(found)):
        by_name.setdefault(unit.name, []).append(unit)
    ambiguous = {name for name, units in by_name.items() if len(units) > 1}
    found.update({name: units[0] for name, units in by_name.items() if len(units) == 1})
    return found, ambiguous


def unit_by_code_or_name(text: str) -> Unit | None:
    """The unit a person typed (its code or full name); None when nothing was typed, a refusal when none or
    several match."""
    text = (text or "").strip()
    if not text:
        return None
    found, ambiguous = units_by_code_or_name({text})
    if text in ambiguous:
        raise Refusal(f"单位「{text[:30]}」有重名，请填写单位编码")
    if text not in found:
        raise Refusal(f"没有找到单位「{text[:30]}」，请填写单位编码或完整名称")
    return found[text]
