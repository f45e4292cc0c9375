"""Who may see and act on ledgers.

- Administrators (and the command line) everywhere.
- 组织部 staff and the centre's supervisors and dispatchers manage the campaigns of their area (a campaign's area among the areas of
  the units they act for) and the campaigns whose owner unit they act for: they list items, approve progress,
  close items and suspend them. Leaders of the area see those campaigns without acting.
- Units' staff see the items their unit leads or co-leads and act (take, report, apply for closure) on those it
  leads.
"""

from django.db.models import Q

from civicgrid.core.actors import SYSTEM
from civicgrid.ledgers.errors import LedgerError
from civicgrid.ledgers.models import Campaign, LedgerItem
from civicgrid.party.selectors import area_subtree_ids, staff_area_ids
from civicgrid.registry.models import Role
from civicgrid.registry.selectors import role_codes, sees_everything, units_acted_for

MANAGER_ROLES = {Role.ORGANISATION_STAFF, Role.SUPERVISOR, Role.DISPATCHER}
VIEWER_ROLES = MANAGER_ROLES | {Role.LEADER}
STAFF_ROLES = VIEWER_ROLES | {
    Role.UNIT_HANDLER,
    Role.GRID_WORKER,
    Role.GRID_LEADER,
    Role.PARTY_SECRETARY,
    Role.DISPATCHER,
    Role.OPERATOR,
}


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def unit_ids(user) -> set[int]:
    return set() if user is SYSTEM or not _signed_in(user) else units_acted_for(user)


def _campaign_q(user, roles: set[str]) -> Q | None:
    if sees_everything(user):
        return None
    if not _signed_in(user):
        return Q(pk__in=[])
    q = Q(owner_unit_id__in=unit_ids(user)) if unit_ids(user) else Q(pk__in=[])
    if role_codes(user) & roles:
        q |= Q(area__isnull=True) | Q(area_id__in=staff_area_ids(user))
    return q


def managed_campaigns(user):
    q = _campaign_q(user, MANAGER_ROLES)
    return Campaign.objects.all() if q is None else Campaign.objects.filter(q)


def viewed_campaigns(user):
    """Campaigns whose every item the user sees (owners, 组织部, supervisors, leaders of the area)."""
    q = _campaign_q(user, VIEWER_ROLES)
    return Campaign.objects.all() if q is None else Campaign.objects.filter(q)


def manages(user, campaign: Campaign) -> bool:
    return managed_campaigns(user).filter(pk=campaign.pk).exists()


def views_campaign(user, campaign: Campaign) -> bool:
    return viewed_campaigns(user).filter(pk=campaign.pk).exists()


def unit_items_q(units) -> Q:
    co = LedgerItem.co_units.through.objects.filter(unit_id__in=units).values("ledgeritem_id")
    return Q(lead_unit_id__in=units) | Q(pk__in=co)


def visible_items(user):
    """Every item `user` may read."""
    if sees_everything(user):
        return LedgerItem.objects.all()
    if not _signed_in(user):
        return LedgerItem.objects.none()
    q = Q(campaign__in=viewed_campaigns(user).values("pk"))
    units = unit_ids(user)
    if units:
        q |= unit_items_q(units)
    return LedgerItem.objects.filter(q)


def may_view_item(user, item: LedgerItem) -> bool:
    return visible_items(user).filter(pk=item.pk).exists()


def require_manager(user, campaign: Campaign, *, action: str) -> None:
    if not manages(user, campaign):
        raise LedgerError(f"只有台账管理单位（组织部、12345热线中心）可以{action}")


def leads(user, item: LedgerItem) -> bool:
    return sees_everything(user) or (item.lead_unit_id is not None and item.lead_unit_id in unit_ids(user))


def require_lead(user, item: LedgerItem, *, action: str) -> None:
    if not leads(user, item):
        raise LedgerError(f"只有该事项的牵头单位可以{action}")


def proposable_campaigns(user, *, limit: int = 100) -> list[Campaign]:
    """The campaigns `user` may propose items to, newest first (the choices of a "put on a ledger" form)."""
    rows = Campaign.objects.select_related("area").order_by("-year", "code")[:limit]
    return [c for c in rows if may_propose(user, c)]


def may_propose(user, campaign: Campaign, lead_unit=None) -> bool:
    """Managers; the lead unit's staff; and staff working in the campaign's area (communities, grids, units)."""
    if sees_everything(user) or manages(user, campaign):
        return True
    if not _signed_in(user) or not role_codes(user) & STAFF_ROLES:
        return False
    if lead_unit is not None and lead_unit.pk in unit_ids(user):
        return True
    if campaign.area_id is None:
        return bool(unit_ids(user))
    return bool(staff_area_ids(user) & area_subtree_ids([campaign.area_id]))
