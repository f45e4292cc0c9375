"""Reads of volunteering, scoped to the reader and masked, and the figures other apps use.

Scope: administrators, superusers and the command line (SYSTEM) see everything; other staff see the projects,
activities, volunteers and records of the areas of the units they act for, and every area below (a community
worker sees his community). Names, phones and ID numbers are shown masked (model properties).

Public API for other apps (engagement calls these; volunteering imports none of them):
- `confirmed_records(...)`: THE rule of what counts: records in state confirmed. Every figure below uses it.
- `confirmed_hours(area_ids=None, year=None, person_ids=None) -> Decimal`.
- `activities_count(area_ids=None, year=None) -> int`.
- `records_confirmed_since(since, until=None)`: confirmed records to post points from (see its docstring).
- `volunteer_hours(volunteer) -> Decimal`, `star_of(hours, day) -> StarLevel | None`.
- `volunteer_ids_of_members(person_ids)`: the volunteers linked to party members.
- `volunteer_ids_by_id_hash(hashes)`: pair volunteers with party members (then services.volunteers.link_party_member).
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from civicgrid.core.actors import SYSTEM
from civicgrid.registry.models import AdminArea, Unit
from civicgrid.registry.selectors import sees_everything, staff_of, units_acted_for
from civicgrid.volunteering.models import (
    Activity,
    Certificate,
    IdType,
    Project,
    ServiceRecord,
    SignUp,
    StarLevel,
    Volunteer,
)

ZERO = Decimal("0.00")

# ------------------------------------------------------------------------------------------------------ scope


def area_subtree_ids(roots) -> set[int]:
    """The areas (rows or ids) and every area under them."""
    found = {getattr(a, "pk", a) for a in roots}
    frontier = set(found)
    while frontier:
        frontier = set(AdminArea.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - found
        found |= frontier
    return found


def area_ids_in_scope(user) -> set[int] | None:
    """The areas whose volunteering `user` may see and manage; None for every area."""
    if user is None or (user is not SYSTEM and not getattr(user, "is_authenticated", False)):
        raise PermissionDenied("请先登录")
    if sees_everything(user):
        return None
    cached = getattr(user, "_civicgrid_volunteer_areas", None)
    if cached is None:
        cached = set()
        if staff_of(user) is not None:
            units = units_acted_for(user)
            roots = set(
                Unit.objects.filter(pk__in=units, area__isnull=False).values_list("area_id", flat=True)
            )
            cached = area_subtree_ids(roots) if roots else set()
        user._civicgrid_volunteer_areas = cached
    return cached


def can_manage_area(user, area_id: int) -> bool:
    if user is None or user is SYSTEM:
        return True
    areas = area_ids_in_scope(user)
    return areas is None or area_id in areas


def _in_scope(qs: QuerySet, user, field: str) -> QuerySet:
    areas = area_ids_in_scope(user)
    return qs if areas is None else qs.filter(**{f"{field}__in": areas})


def projects_for(user) -> QuerySet[Project]:
    return _in_scope(Project.objects.select_related("area", "unit", "team"), user, "area_id")


def activities_for(user) -> QuerySet[Activity]:
    return _in_scope(
        Activity.objects.select_related("project", "project__area", "organiser"), user, "project__area_id"
    )


def volunteers_for(user) -> QuerySet[Volunteer]:
    return _in_scope(Volunteer.objects.select_related("area"), user, "area_id")


def records_for(user) -> QuerySet[ServiceRecord]:
    return _in_scope(
        ServiceRecord.objects.select_related("volunteer", "activity", "project", "area"), user, "area_id"
    )


def certificates_for(user) -> QuerySet[Certificate]:
    return _in_scope(Certificate.objects.select_related("volunteer", "area"), user, "area_id")


def signups_of_activity(user, activity: Activity) -> QuerySet[SignUp]:
    if not can_manage_area(user, activity.project.area_id):
        raise PermissionDenied("该活动不在您的管理范围内")
    return activity.signups.select_related("volunteer").order_by("applied_at", "pk")


# ------------------------------------------------------------------------------------------------ what counts


def confirmed_records(
    area_ids=None, year: int | None = None, person_ids=None, volunteer_ids=None
) -> QuerySet[ServiceRecord]:
    """The one rule of what counts: confirmed records only. `area_ids` are the records' areas (the activity's or
    project's community, or the one a record outside any project was made for; pass a subtree for "the area and
    below"), `year` the year the service started (local time), `person_ids` the linked
    party member ids (Volunteer.party_member_id), `volunteer_ids` volunteers."""
    qs = ServiceRecord.objects.filter(state=ServiceRecord.State.CONFIRMED)
    if area_ids is not None:
        qs = qs.filter(area_id__in=list(area_ids))
    if year is not None:
        qs = qs.filter(started_at__range=_year_bounds(year))
    if person_ids is not None:
        qs = qs.filter(volunteer__party_member_id__in=list(person_ids))
    if volunteer_ids is not None:
        qs = qs.filter(volunteer_id__in=list(volunteer_ids))
    return qs


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime(year, 1, 1, tzinfo=tz),
        datetime(year, 12, 31, 23, 59, 59, 999999, tzinfo=tz),
    )


def confirmed_hours(area_ids=None, year: int | None = None, person_ids=None) -> Decimal:
    """Total confirmed hours (Decimal, 2 places); 0 over nothing."""
    total = confirmed_records(area_ids, year, person_ids).aggregate(total=Sum("hours"))["total"]
    return total if total is not None else ZERO


def confirmed_hours_by_person(area_ids=None, year: int | None = None, person_ids=None) -> dict[int, Decimal]:
    """Confirmed hours per linked party member id (volunteers without a party link are left out)."""
    rows = (
        confirmed_records(area_ids, year, person_ids)
        .filter(volunteer__party_member_id__isnull=False)
        .values("volunteer__party_member_id")
        .annotate(total=Sum("hours"))
    )
    return {r["volunteer__party_member_id"]: r["total"] for r in rows}


def activities_count(area_ids=None, year: int | None = None) -> int:
    """Activities (not cancelled) scheduled to start in `year` in the areas, that have at least one confirmed
    record."""
    # Counted from the confirmed records: an activity's records lie in its project's area, so the records' own
    # area (indexed with the state) narrows them first.
    qs = ServiceRecord.objects.filter(
        state=ServiceRecord.State.CONFIRMED, activity__isnull=False, activity__cancelled=False
    )
    if area_ids is not None:
        areas = list(area_ids)
        qs = qs.filter(area_id__in=areas, activity__project__area_id__in=areas)
    if year is not None:
        qs = qs.filter(activity__starts_at__range=_year_bounds(year))
    return qs.aggregate(n=Count("activity_id", distinct=True))["n"]


@dataclass(frozen=True)
class ConfirmedRecord:
    """A confirmed record as engagement posts points from it. `source_kind` + `source_id` is the idempotency key
    part from volunteering (points adds the account)."""

    source_kind: str  # always "volunteering.record"
    source_id: int
    volunteer_id: int
    volunteer_number: str
    party_member_id: int | None
    phone: str
    area_id: int
    hours: Decimal
    confirmed_at: datetime
    started_at: datetime


SOURCE_KIND = "volunteering.record"


def records_confirmed_since(
    since: datetime | None = None, until: datetime | None = None
) -> list[ConfirmedRecord]:
    """Confirmed records with `since <= confirmed_at < until`, oldest first, for engagement to post points from.

    A confirmed record is final (it cannot be disputed, corrected or voided afterwards), so posting each once by
    its key (SOURCE_KIND, id) is enough: calling again over an overlapping window is safe with an idempotent
    `points.earn`."""
    qs = confirmed_records().select_related("volunteer").order_by("confirmed_at", "pk")
    if since is not None:
        qs = qs.filter(confirmed_at__gte=since)
    if until is not None:
        qs = qs.filter(confirmed_at__lt=until)
    return [
        ConfirmedRecord(
            source_kind=SOURCE_KIND,
            source_id=r.pk,
            volunteer_id=r.volunteer_id,
            volunteer_number=r.volunteer.number,
            party_member_id=r.volunteer.party_member_id,
            phone=r.volunteer.phone,
            area_id=r.area_id,
            hours=r.hours,
            confirmed_at=r.confirmed_at,
            started_at=r.started_at,
        )
        for r in qs
    ]


# ------------------------------------------------------------------------------------------------------ stars


def volunteer_hours(volunteer: Volunteer) -> Decimal:
    total = confirmed_records(volunteer_ids=[volunteer.pk]).aggregate(total=Sum("hours"))["total"]
    return total if total is not None else ZERO


def star_levels(day: date) -> list[StarLevel]:
    return list(StarLevel.objects.effective_at(day).order_by("min_hours"))


def star_of(hours: Decimal, day: date | None = None) -> StarLevel | None:
    """The highest star level reached with `hours` confirmed hours; None below the first."""
    reached = None
    for level in star_levels(day or timezone.localdate()):
        if hours >= level.min_hours:
            reached = level
    return reached


def next_star(hours: Decimal, day: date | None = None) -> StarLevel | None:
    return next((lv for lv in star_levels(day or timezone.localdate()) if hours < lv.min_hours), None)


# --------------------------------------------------------------------------------------------- the volunteer


def volunteer_ids_of_members(person_ids) -> list[int]:
    """The volunteers linked to these party member ids (Volunteer.party_member_id)."""
    return list(Volunteer.objects.filter(party_member_id__in=list(person_ids)).values_list("pk", flat=True))


def volunteer_ids_by_id_hash(hashes) -> dict[str, int]:
    """Volunteers (居民身份证 holders) by the keyed hash of their ID number, the same hash party.PartyMember.id_hash
    holds: how engagement pairs volunteers with party members without either app importing the other."""
    rows = Volunteer.objects.filter(id_type=IdType.RESIDENT, id_hash__in=list(hashes)).values_list(
        "id_hash", "pk"
    )
    return dict(rows)


def volunteers_with_phone(key: str) -> list[Volunteer]:
    """Active volunteers whose phone has these digits (the portal's sign-in; `key` as portal.selectors.phone_key)."""
    if len(key) < 7:
        return []
    return list(
        Volunteer.objects.filter(state=Volunteer.State.ACTIVE)
        .filter(Q(phone=key) | Q(phone="+" + key))
        .order_by("pk")
    )


def open_activities(day_from: datetime) -> QuerySet[Activity]:
    """Activities a volunteer may join: recruiting or running projects, not cancelled, not yet ended."""
    return (
        Activity.objects.filter(
            cancelled=False,
            ends_at__gt=day_from,
            project__state__in=[Project.State.RECRUITING, Project.State.RUNNING],
        )
        .select_related("project", "project__area")
        .annotate(taken=Count("signups", filter=Q(signups__state__in=SignUp.HOLDING)))
        .order_by("starts_at")
    )
