"""Reads of engagement, scoped to the reader (engagement.scope) and masked (names 张*三, phones 138****8000).

`evaluations_for_appraisal` is what party's 民主评议 reads: the community's year-end evaluations of an
organisation's members."""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from civicgrid.engagement.models import Evaluation, MicroWish, Pairing, PairingVisit, Registration
from civicgrid.engagement.quota import Progress, progress
from civicgrid.engagement.scope import area_ids_for
from civicgrid.party.models import PartyMember


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


def pairings_for(user, year: int) -> QuerySet[Pairing]:
    return _scoped(
        Pairing.objects.filter(year=year).select_related("unit", "area"), user, "area_id"
    ).annotate(visit_count=Count("visits"))


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
    qs = MicroWish.objects.filter(state__in=[MicroWish.State.PUBLISHED, MicroWish.State.CLAIMED])
    return (
        qs.filter(community_id=community_id)
        .select_related("community")
        .annotate(claim_count=Count("claims"))
        .order_by("-published_at", "-pk")
    )


def my_claims(member: PartyMember):
    return member.wish_claims.select_related("wish__community").order_by("-claimed_at")


def my_commitments(member: PartyMember, year: int):
    return member.commitments.filter(year=year).order_by("-pledged_on", "-pk")


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
