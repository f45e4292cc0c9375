"""Who may act on tickets: roles and units from the registers (registry.selectors), refused as NotAllowed."""

from civicgrid.registry.models import Role, Unit
from civicgrid.registry.selectors import has_role, role_codes, staff_of, units_acted_for
from civicgrid.tickets.errors import NotAllowed

__all__ = [
    "CENTRE_ROLES",
    "has_role",
    "require_role",
    "require_unit",
    "role_codes",
    "staff_of",
    "units_of",
]

CENTRE_ROLES = {
    Role.OPERATOR,
    Role.DISPATCHER,
    Role.CALLBACK_AGENT,
    Role.SUPERVISOR,
    Role.LEADER,
    Role.ADMINISTRATOR,
}

# A ticket's handlers are the people acting for its assigned units.
units_of = units_acted_for


def require_role(user, *codes: str, action: str) -> None:
    if not has_role(user, *codes):
        names = "、".join(dict(Role.SEED)[c] for c in codes)
        raise NotAllowed(f"无权{action}：需要{names}角色")


def require_unit(user, unit: Unit, *, action: str) -> None:
    if user is not None and getattr(user, "is_superuser", False):
        return
    if unit.pk not in units_of(user):
        raise NotAllowed(f"无权{action}：您不属于承办单位「{unit.name}」")
