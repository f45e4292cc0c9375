"""Reads with scope and masking.

Scope: administrators (and the command line) see every committee. A user linked to a mediator on a committee's roll
sees only the committees he serves on, whatever other roles he holds (人民调解 files stay with the committee). Other
staff see the committees sitting in the areas of the units they act for, and below (a community's workers their
community, a town's staff the town). Parties' names, phones, ID numbers and addresses are masked everywhere; a reveal
states its purpose and is audited (`pii.reveal`), as for tickets.
"""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from civicgrid.core import idnumbers
from civicgrid.core.actors import SYSTEM
from civicgrid.core.audit import record_event
from civicgrid.mediation.errors import MediationError
from civicgrid.mediation.models import Case, Committee, Mediator, Party
from civicgrid.party.selectors import area_subtree_ids, staff_area_ids
from civicgrid.registry.models import Grid, Role, Staff
from civicgrid.registry.selectors import role_codes, sees_everything

STAFF_ROLES = {
    Role.ORGANISATION_STAFF,
    Role.GRID_WORKER,
    Role.GRID_LEADER,
    Role.UNIT_HANDLER,
    Role.LEADER,
    Role.PARTY_SECRETARY,
    Role.DISPATCHER,
}


def mediator_committee_ids(user, day: date | None = None) -> set[int]:
    """The committees on whose roll `user` is today (as a linked mediator)."""
    if user is None or user is SYSTEM or not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_civicgrid_mediation_committees", None)
    if cached is None:
        cached = set(
            Mediator.objects.on_roll(day or timezone.localdate())
            .filter(user=user)
            .values_list("committee_id", flat=True)
        )
        user._civicgrid_mediation_committees = cached
    return cached


def is_mediator(user) -> bool:
    return bool(mediator_committee_ids(user))


def committees_for(user):
    """The committees `user` may see (and act on)."""
    if sees_everything(user):
        return Committee.objects.all()
    own = mediator_committee_ids(user)
    if own:
        return Committee.objects.filter(pk__in=own)
    if user is None or not getattr(user, "is_authenticated", False) or not role_codes(user) & STAFF_ROLES:
        return Committee.objects.none()
    return Committee.objects.filter(area_id__in=area_ids_for(user))


def area_ids_for(user) -> set[int]:
    """The areas of the units the user acts for (and below), and the communities of the grids he works in or leads
    (a grid worker hands disputes found on patrol to his community's committee: 网格员首调责任)."""
    grids = Grid.objects.filter(Q(workers__user=user) | Q(leader__user=user)).values_list(
        "community_id", flat=True
    )
    return staff_area_ids(user) | set(grids)


def cases_for(user):
    return Case.objects.filter(committee__in=committees_for(user)).select_related("committee__area")


def mediators_for(user):
    return Mediator.objects.filter(committee__in=committees_for(user)).select_related("committee")


def require_case(user, case: Case, *, action: str) -> None:
    if not sees_everything(user) and not committees_for(user).filter(pk=case.committee_id).exists():
        raise MediationError(f"您不是该案件所在调解委员会的调解员或负责人员，不能{action}")


def require_committee(user, committee: Committee, *, action: str) -> None:
    if not sees_everything(user) and not committees_for(user).filter(pk=committee.pk).exists():
        raise MediationError(f"您不负责「{committee.name}」，不能{action}")


def case_list(
    user,
    *,
    q: str = "",
    state: str = "",
    dispute_type: str = "",
    source: str = "",
    committee_id: int | None = None,
    overdue: bool = False,
    today: date | None = None,
):
    cases = cases_for(user).prefetch_related("parties")
    if q:
        cases = cases.filter(Q(number__icontains=q) | Q(title__icontains=q) | Q(parties__name=q)).distinct()
    if state in Case.State.values:
        cases = cases.filter(state=state)
    if dispute_type in Case.DisputeType.values:
        cases = cases.filter(dispute_type=dispute_type)
    if source in Case.Source.values:
        cases = cases.filter(source=source)
    if committee_id:
        cases = cases.filter(committee_id=committee_id)
    if overdue:
        cases = cases.filter(
            state__in=(Case.State.ACCEPTED, Case.State.MEDIATING), deadline__lt=today or timezone.localdate()
        )
    return cases


def mediator_list(
    user, *, q: str = "", kind: str = "", committee_id: int | None = None, current: bool = True
):
    rows = mediators_for(user)
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(committee__name__icontains=q))
    if kind in Mediator.Kind.values:
        rows = rows.filter(kind=kind)
    if committee_id:
        rows = rows.filter(committee_id=committee_id)
    if current:
        rows = rows.on_roll(timezone.localdate())
    return rows


def area_committees(area) -> "Committee.objects":
    return Committee.objects.filter(area_id__in=area_subtree_ids([area]))


# ---------------------------------------------------------------------------------------------------- parties


@dataclass(frozen=True)
class PartyView:
    side: str
    name: str
    phone: str
    id_number: str
    address: str
    masked: bool


def masked_party(party: Party) -> PartyView:
    return PartyView(
        party.get_side_display(),
        party.masked_name,
        party.masked_phone,
        party.id_masked,
        party.masked_address,
        True,
    )


def reveal_parties(*, user, case: Case, purpose: str) -> list[PartyView]:
    """Every party in full, for a stated purpose, to those who may see the case; each reveal is audited."""
    if not (purpose or "").strip():
        raise MediationError("查看当事人完整信息须说明用途")
    require_case(user, case, action="查看当事人完整信息")
    if case.anonymised_at is not None:
        raise MediationError("该案件卷宗已过保存期限并匿名化，当事人信息已不可查看")
    record_event(
        actor=user,
        action="pii.reveal",
        target=case,
        summary=f"查看调解案件 {case.number} 当事人信息",
        purpose=purpose.strip()[:200],
    )
    return [
        PartyView(
            p.get_side_display(),
            p.name,
            p.phone,
            idnumbers.decrypt(p.id_encrypted) if p.id_encrypted else "",
            p.address,
            False,
        )
        for p in case.parties.all()
    ]


# --------------------------------------------------------------------------------------------- people to tell


def alert_recipients(committee: Committee) -> list:
    """Who hears of a dispute at risk or overdue: the committee's mediators who sign in, and the staff of the
    units in the committee's area and the area above it (the community and the town)."""
    day = timezone.localdate()
    users = set(
        Mediator.objects.on_roll(day)
        .filter(committee=committee, user__isnull=False)
        .values_list("user_id", flat=True)
    )
    areas = {committee.area_id}
    if committee.area.parent_id:
        areas.add(committee.area.parent_id)
    users |= set(
        Staff.objects.filter(
            units__area_id__in=areas,
            roles__code__in=(Role.GRID_LEADER, Role.GRID_WORKER, Role.ORGANISATION_STAFF, Role.LEADER),
            user__is_active=True,
        ).values_list("user_id", flat=True)
    )
    return list(get_user_model().objects.filter(pk__in=users).order_by("pk"))


def cases_of_phone(phone: str):
    """A resident's own applications made on the portal with this phone."""
    return Case.objects.filter(applicant_phone=phone, source=Case.Source.APPLICATION).select_related(
        "committee"
    )
