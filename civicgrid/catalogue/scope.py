"""Who may edit which catalogues: administrators (and the command line) everywhere; staff of the units they act
for, in those units' areas and below (a community's workers their community, a town's staff its villages)."""

from civicgrid.registry.models import AdminArea, Role, Unit
from civicgrid.registry.selectors import role_codes, sees_everything, units_acted_for

EDITOR_ROLES = {
    Role.UNIT_HANDLER,
    Role.GRID_LEADER,
    Role.ORGANISATION_STAFF,
    Role.PARTY_SECRETARY,
    Role.LEADER,
}


def subtree_ids(roots) -> set[int]:
    found = set(roots)
    frontier = set(found)
    while frontier:
        frontier = set(AdminArea.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - found
        found |= frontier
    return found


def editable_area_ids(user) -> set[int] | None:
    """The areas whose catalogues `user` may edit; None for everywhere, empty for nowhere."""
    if sees_everything(user):
        return None
    if user is None or not getattr(user, "is_authenticated", False) or not role_codes(user) & EDITOR_ROLES:
        return set()
    cached = getattr(user, "_civicgrid_catalogue_areas", None)
    if cached is not None:
        return cached
    units = units_acted_for(user)
    roots = set(Unit.objects.filter(pk__in=units, area__isnull=False).values_list("area_id", flat=True))
    found = subtree_ids(roots) if roots else set()
    user._civicgrid_catalogue_areas = found
    return found


def may_edit(user, area: AdminArea | int) -> bool:
    allowed = editable_area_ids(user)
    return allowed is None or getattr(area, "pk", area) in allowed
