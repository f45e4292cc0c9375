"""Who may work on which topics: administrators (and the command line) everywhere; community workers, party
secretaries, grid workers and town staff in the areas of the units they act for, and below."""

from civicgrid.deliberation.errors import DeliberationError
from civicgrid.engagement.scope import area_ids_for as _engagement_area_ids
from civicgrid.engagement.scope import sees_everything
from civicgrid.party.selectors import area_subtree_ids
from civicgrid.registry.models import AdminArea, Role
from civicgrid.registry.selectors import role_codes

# Staff who keep the deliberation agenda: grid workers and leaders (community workers), party secretaries,
# town staff acting for a town unit, the 组织部 and administrators.
WORKER_ROLES = (
    Role.GRID_WORKER,
    Role.GRID_LEADER,
    Role.PARTY_SECRETARY,
    Role.UNIT_HANDLER,
    Role.ORGANISATION_STAFF,
    Role.LEADER,
    Role.ADMINISTRATOR,
)


def area_ids_for(user) -> set[int] | None:
    """The areas `user` works in (with everything below); None for everywhere; empty for nowhere."""
    if sees_everything(user):
        return None
    if not role_codes(user) & set(WORKER_ROLES):
        return set()
    return _engagement_area_ids(user)


def require_area(user, area: AdminArea, *, action: str) -> None:
    if sees_everything(user):
        return
    if not role_codes(user) & set(WORKER_ROLES):
        raise DeliberationError(f"您没有协商议事的工作角色，不能{action}")
    allowed = area_ids_for(user) or set()
    if area.pk not in allowed:
        raise DeliberationError(f"您不负责「{area.name}」，不能{action}")


def subtree(area: AdminArea) -> set[int]:
    return area_subtree_ids([area])
