"""Who may act for which communities: administrators (and the command line) everywhere; staff of the units they
act for, in those units' areas and below (a community's workers in their community, 组织部 in their county)."""

from civicgrid.engagement.errors import EngagementError
from civicgrid.party.selectors import area_subtree_ids, staff_area_ids
from civicgrid.registry.models import AdminArea, Role
from civicgrid.registry.selectors import role_codes, sees_everything

STAFF_ROLES = {
    Role.ORGANISATION_STAFF,
    Role.GRID_WORKER,
    Role.GRID_LEADER,
    Role.UNIT_HANDLER,
    Role.LEADER,
    Role.PARTY_SECRETARY,
}


def area_ids_for(user) -> set[int] | None:
    """The areas `user` works in (with everything below); None for everywhere; empty for nowhere."""
    if sees_everything(user):
        return None
    if user is None or not getattr(user, "is_authenticated", False) or not role_codes(user) & STAFF_ROLES:
        return set()
    return staff_area_ids(user)


def require_area(user, area: AdminArea | int, *, action: str) -> None:
    allowed = area_ids_for(user)
    if allowed is None:
        return
    if getattr(area, "pk", area) not in allowed:
        raise EngagementError(f"您不负责该村（社区），不能{action}")


def subtree(area: AdminArea) -> set[int]:
    return area_subtree_ids([area])
