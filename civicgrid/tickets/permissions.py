"""Who may act: roles from the staff profile, units from membership and grid duty."""

from django.db.models import Q

from civicgrid.registry.models import Grid, Role, Staff, Unit
from civicgrid.tickets.errors import NotAllowed

CENTRE_ROLES = {
    Role.OPERATOR,
    Role.DISPATCHER,
    Role.CALLBACK_AGENT,
    Role.SUPERVISOR,
    Role.LEADER,
    Role.ADMINISTRATOR,
}


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


def has_role(user, *codes: str) -> bool:
    if user is not None and getattr(user, "is_superuser", False):
        return True
    return bool(role_codes(user) & set(codes))


def require_role(user, *codes: str, action: str) -> None:
    if not has_role(user, *codes):
        names = "、".join(dict(Role.SEED)[c] for c in codes)
        raise NotAllowed(f"无权{action}:需要{names}角色")


def units_of(user) -> set[int]:
    """Units the user acts for: their own units and the teams of the grids they work in or lead."""
    staff = staff_of(user)
    if staff is None:
        return set()
    cached = getattr(user, "_civicgrid_units", None)
    if cached is None:
        own = set(staff.units.values_list("id", flat=True))
        grids = Grid.objects.filter(Q(workers=staff) | Q(leader=staff)).values_list("id", flat=True)
        teams = set(Unit.objects.filter(grid_id__in=list(grids)).values_list("id", flat=True))
        cached = own | teams
        user._civicgrid_units = cached
    return cached


def require_unit(user, unit: Unit, *, action: str) -> None:
    if user is not None and getattr(user, "is_superuser", False):
        return
    if unit.pk not in units_of(user):
        raise NotAllowed(f"无权{action}:您不属于承办单位「{unit.name}」")
