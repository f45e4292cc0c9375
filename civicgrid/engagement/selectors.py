"""Reads of engagement, scoped to the reader (engagement.scope) and masked (names 张*三, phones 138****8000).

`evaluations_for_appraisal` is what party's 民主评议 reads: the community's year-end evaluations of an
organisation's members."""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from civicgrid.engagement.models import (
    Commitment,
    Evaluation,
    MicroWish,
    NeedItem,
    Pairing,
    PairingVisit,
    Registration,
    VisitFinding,
    WishClaim,
)
from civicgrid.engagement.quota import Progress, progress, progress_many
from civicgrid.engagement.scope import area_ids_for
from civicgrid.party.models import PartyMember, PartyOrg
from civicgrid.registry.models import AdminArea, Grid, Unit


def _scoped(qs: QuerySet, user, field: str) -> QuerySet:
    areas = area_ids_for(user)
    return qs if areas is None else qs.filter(**{f"{field}__in": areas})


def registrations_for(user, *, state: str = "", kind: str = "") -> QuerySet[Registration]:
    qs = _scoped(
        Registration.objects.select_related("community", "member", "org", "grid"), user, "community_id"
    )
    if state:
        qs = qs.filter(state=state)
    if kind == "org":
        qs = qs.filter(org__isnull=False)
    elif kind == "member":
        qs = qs.filter(member__isnull=False)
    return qs


def wishes_for(
    user, *, state: str = "", source: str = "", community_id: int | None = None
) -> QuerySet[MicroWish]:
    qs = _scoped(MicroWish.objects.select_related("community"), user, "community_id")
    if state:
        qs = qs.filter(state=state)
    if source:
        qs = qs.filter(source=source)
    if community_id:
        qs = qs.filter(community_id=community_id)
    return qs.annotate(claim_count=Count("claims")).order_by("-collected_at", "-pk")


def pairings_for(
    user, year: int, *, scheme: str = "", unit: str = "", area_id: int | None = None
) -> QuerySet[Pairing]:
    """A year's pairings in the reader's areas; `unit` matches a unit's code or name, or a leader's name."""
    qs = _scoped(Pairing.objects.filter(year=year).select_related("unit", "area"), user, "area_id")
    if scheme:
        qs = qs.filter(scheme=scheme)
    if unit.strip():
        text = unit.strip()
        qs = qs.filter(Q(unit__code=text) | Q(unit__name__contains=text) | Q(leader_name__contains=text))
    if area_id:
        qs = qs.filter(area_id=area_id)
    return qs.annotate(visit_count=Count("visits")).order_by("area__code", "scheme", "pk")


def unit_named(text: str) -> Unit | None:
    """A unit by its code, else by its name when only one unit has it (as the pairing import reads them)."""
    text = (text or "").strip()[:100]
    if not text:
        return None
    unit = Unit.objects.filter(code=text).first()
    if unit is None:
        named = list(Unit.objects.filter(name=text)[:2])
        unit = named[0] if len(named) == 1 else None
    return unit


def pairings_in_scope(user) -> QuerySet[Pairing]:
    return _scoped(Pairing.objects.select_related("unit", "area"), user, "area_id")


def visits_in_scope(user) -> QuerySet[PairingVisit]:
    return _scoped(
        PairingVisit.objects.select_related("pairing__unit", "pairing__area"), user, "pairing__area_id"
    )


def findings_in_scope(user) -> QuerySet[VisitFinding]:
    return _scoped(VisitFinding.objects.all(), user, "visit__pairing__area_id")


def visits_for(user, year: int) -> QuerySet[PairingVisit]:
    return _scoped(
        PairingVisit.objects.filter(visited_on__year=year).select_related("pairing__unit", "pairing__area"),
        user,
        "pairing__area_id",
    ).prefetch_related("finding_items")


@dataclass
class CoverageRow:
    name: str
    in_service: int
    registered: int

    @property
    def share(self) -> float:
        return self.registered / self.in_service if self.in_service else 0.0


def coverage(user, year: int) -> tuple[list[CoverageRow], list[CoverageRow]]:
    """双报到 coverage of in-service members in the reader's areas: by employer and by residence community."""
    areas = area_ids_for(user)
    members = PartyMember.objects.filter(in_service=True, status=PartyMember.Status.ACTIVE)
    if areas is not None:
        members = members.filter(residence_grid__community_id__in=areas) | members.filter(
            residence_grid__isnull=True, org__area_id__in=areas
        )
    rows = list(
        members.values_list("pk", "employer__name", "employer_name", "residence_grid__community__name")
    )
    registered = set(
        Registration.objects.during(year)
        .filter(member_id__in=[r[0] for r in rows])
        .values_list("member_id", flat=True)
    )
    by_employer, by_employer_done = Counter(), Counter()
    by_community, by_community_done = Counter(), Counter()
    for pk, employer, employer_text, community in rows:
        e = employer or employer_text or "（未填工作单位）"
        c = community or "（未填居住网格）"
        by_employer[e] += 1
        by_community[c] += 1
        if pk in registered:
            by_employer_done[e] += 1
            by_community_done[c] += 1
    return (
        [CoverageRow(k, v, by_employer_done[k]) for k, v in by_employer.most_common()],
        [CoverageRow(k, v, by_community_done[k]) for k, v in by_community.most_common()],
    )


def open_registration(member: PartyMember) -> Registration | None:
    return (
        Registration.objects.filter(member=member, state__in=Registration.OPEN)
        .select_related("community")
        .first()
    )


def my_progress(member: PartyMember, year: int) -> Progress | None:
    registration = open_registration(member)
    return progress(member, registration.community if registration else None, year)


def claimable_wishes(member: PartyMember) -> QuerySet[MicroWish]:
    """Published wishes in the community where the member is registered (else where he lives)."""
    registration = open_registration(member)
    community_id = (
        registration.community_id if registration else getattr(member.residence_grid, "community_id", None)
    )
    return wishes_open_in(community_id)


def wishes_open_in(community_id: int | None) -> QuerySet[MicroWish]:
    """Wishes still taking claimers in a community (a volunteer sees those of the community he serves)."""
    qs = MicroWish.objects.filter(state__in=[MicroWish.State.PUBLISHED, MicroWish.State.CLAIMED])
    return (
        qs.filter(community_id=community_id)
        .select_related("community")
        .annotate(claim_count=Count("claims"))
        .order_by("-published_at", "-pk")
    )


def volunteer_claims(volunteer_id: int):
    return (
        WishClaim.objects.filter(volunteer_id=volunteer_id)
        .select_related("wish__community")
        .order_by("-claimed_at")
    )


def my_claims(member: PartyMember):
    return member.wish_claims.select_related("wish__community").order_by("-claimed_at")


def wishes_of_phone(phone: str) -> QuerySet[MicroWish]:
    """A resident's own wishes (portal, signed in with this phone)."""
    return (
        MicroWish.objects.filter(resident_phone=phone).select_related("community").order_by("-collected_at")
    )


def evaluations_for_appraisal(org_ids, year: int) -> dict[int, Evaluation]:
    """民主评议 reads this: {member id: the community's evaluation of the year} for members of the organisations."""
    rows = Evaluation.objects.filter(year=year, member__org_id__in=list(org_ids)).select_related(
        "registration__community"
    )
    return {e.member_id: e for e in rows}


# ---------------------------------------------------------------------------------------- registering members


def registrable_members(user) -> QuerySet[PartyMember]:
    """In-service members on the register who live in the reader's areas (else are organised there)."""
    rows = PartyMember.objects.filter(in_service=True, status=PartyMember.Status.ACTIVE)
    areas = area_ids_for(user)
    if areas is not None:
        rows = rows.filter(
            Q(residence_grid__community_id__in=areas) | Q(residence_grid__isnull=True, org__area_id__in=areas)
        )
    return rows


def member_candidates(user, text: str, *, limit: int = 20) -> list[PartyMember]:
    """In-service members on the register who live in the reader's areas (else are organised there), found by
    name, by the last four digits of the phone or by a masked phone (138****8000). Show them masked."""
    text = (text or "").strip()
    if not text:
        return []
    rows = registrable_members(user)
    digits = text.replace("*", "")
    if text.isascii() and text.isdigit() and len(text) == 4:
        rows = rows.filter(phone__endswith=text)
    elif "*" in text and digits.isascii() and digits.isdigit() and len(digits) == 7:
        rows = rows.filter(phone__startswith=digits[:3], phone__endswith=digits[-4:])
    else:
        rows = rows.filter(name__contains=text[:50])
    return list(rows.select_related("org", "residence_grid__community").order_by("name", "pk")[:limit])


def _with_ancestors(area_ids: set[int]) -> set[int]:
    found = set(area_ids)
    frontier = set(AdminArea.objects.filter(pk__in=found).values_list("parent_id", flat=True)) - found
    while frontier - {None}:
        frontier -= {None}
        found |= frontier
        frontier = set(AdminArea.objects.filter(pk__in=frontier).values_list("parent_id", flat=True)) - found
    return found


def registrable_orgs(user) -> QuerySet[PartyOrg]:
    rows = PartyOrg.objects.filter(dissolved_on__isnull=True)
    areas = area_ids_for(user)
    return rows if areas is None else rows.filter(area_id__in=_with_ancestors(areas))


def org_candidates(user, text: str, *, limit: int = 20) -> list[PartyOrg]:
    """Active organisations sitting in the reader's areas or above them (a county bureau's branch reports to
    the community where its office is), by name or code."""
    text = (text or "").strip()[:50]
    if not text:
        return []
    rows = registrable_orgs(user).filter(Q(name__contains=text) | Q(code=text))
    return list(rows.select_related("area").order_by("code")[:limit])


def grids_for(user) -> QuerySet[Grid]:
    return _scoped(Grid.objects.select_related("community"), user, "community_id").order_by("code")


def my_commitments(member: PartyMember) -> QuerySet[Commitment]:
    return Commitment.objects.filter(member=member).order_by("-year", "-pk")


def commitments_of(registration: Registration) -> QuerySet[Commitment]:
    if registration.member_id:
        return Commitment.objects.filter(member_id=registration.member_id)
    return Commitment.objects.filter(org_id=registration.org_id)


# -------------------------------------------------------------------------------------------------------- needs

NEED_STATES = (("open", "待处理"), ("wish", "已转微心愿"))


def needs_for(
    user, *, community_id: int | None = None, source: str = "", state: str = ""
) -> QuerySet[NeedItem]:
    qs = _scoped(NeedItem.objects.select_related("community"), user, "community_id").annotate(
        wish_count=Count("wishes")
    )
    if community_id:
        qs = qs.filter(community_id=community_id)
    if source:
        qs = qs.filter(source=source)
    if state == "open":
        qs = qs.filter(wish_count=0)
    elif state == "wish":
        qs = qs.filter(wish_count__gt=0)
    return qs.order_by("-created_on", "-pk")


# ------------------------------------------------------------------------------------------------ quota progress


@dataclass
class QuotaRow:
    registration: Registration
    progress: Progress

    @property
    def name(self) -> str:
        return self.registration.member.masked_name


def quota_rows(community: AdminArea, year: int, day, *, behind_only: bool = False) -> list[QuotaRow]:
    """Members registered with the community during the year and their quota progress (behind first)."""
    registrations = list(
        Registration.objects.during(year)
        .filter(community=community, member__isnull=False)
        .select_related("member", "community", "grid")
        .order_by("registered_on", "pk")
    )
    latest = {r.member_id: r for r in registrations}
    done = progress_many({m: community for m in latest}, year, day)
    rows = [QuotaRow(r, done[m]) for m, r in latest.items()]
    if behind_only:
        rows = [r for r in rows if not r.progress.meets]
    return sorted(rows, key=lambda r: (r.progress.meets, r.progress.hours, r.registration.member.name))
