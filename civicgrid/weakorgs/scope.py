"""Who may see and act on 软弱涣散 records.

- Administrators (and the command line) everywhere.
- 组织部 staff the organisations of the areas of the units they act for, and every area below: they scan, decide,
  approve plans, extend and accept.
- A party organisation's 书记 (or 副书记) only his own organisation's plan: he writes progress notes, marks items
  done and applies for acceptance. Nothing of other organisations, not even those below his.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from civicgrid.core.actors import SYSTEM
from civicgrid.party.models import PartyOrg
from civicgrid.party.selectors import secretary_org_ids, staff_area_ids
from civicgrid.registry.models import Role
from civicgrid.registry.selectors import role_codes, sees_everything, staff_of
from civicgrid.weakorgs.models import Candidate, RectificationPlan


def _signed_in(user) -> bool:
    return user is SYSTEM or (user is not None and getattr(user, "is_authenticated", False))


def staff_q(user, prefix: str = "") -> Q | None:
    """The organisations `user` decides on, as a filter on `prefix` + area; None for everything."""
    if not _signed_in(user):
        raise PermissionDenied("请先登录")
    if sees_everything(user):
        return None
    if Role.ORGANISATION_STAFF in role_codes(user) and staff_of(user) is not None:
        areas = staff_area_ids(user)
        if areas:
            return Q(**{f"{prefix}area_id__in": areas})
    return Q(pk__in=[])


def is_staff(user) -> bool:
    """A 组织部 staff member (or an administrator): who sees the board."""
    q = staff_q(user)
    return q is None or q != Q(pk__in=[])


def decided_orgs(user) -> QuerySet[PartyOrg]:
    q = staff_q(user)
    return PartyOrg.objects.all() if q is None else PartyOrg.objects.filter(q)


def decides(user, org: PartyOrg) -> bool:
    q = staff_q(user)
    return q is None or PartyOrg.objects.filter(q, pk=org.pk).exists()


def decides_area(user, area) -> bool:
    q = staff_q(user)
    return q is None or (q != Q(pk__in=[]) and area.pk in staff_area_ids(user))


def led_orgs(user) -> set[int]:
    """The organisations where `user` is 书记 or 副书记 today."""
    if user is SYSTEM or not _signed_in(user):
        return set()
    return secretary_org_ids(user)


def leads(user, org_id: int) -> bool:
    return org_id in led_orgs(user)


def candidates_for(user) -> QuerySet[Candidate]:
    q = staff_q(user, "org__")
    rows = Candidate.objects.select_related("org", "org__area")
    return rows if q is None else rows.filter(q)


def plans_for(user) -> QuerySet[RectificationPlan]:
    """Plans `user` may read: those of the organisations he decides on and of his own organisation."""
    q = staff_q(user, "org__")
    rows = RectificationPlan.objects.select_related("org", "org__area")
    if q is None:
        return rows
    led = led_orgs(user)
    if led:
        q |= Q(org_id__in=led)
    return rows.filter(q)
