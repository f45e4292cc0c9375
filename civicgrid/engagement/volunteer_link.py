"""What engagement reads from volunteering and points: one place, through their public selectors."""

from decimal import Decimal

from django.db.models import Count, Sum

from civicgrid.points import selectors as points_selectors
from civicgrid.volunteering import selectors as volunteering_selectors
from civicgrid.volunteering.services import records as volunteering_records


def member_hours(member_ids, year: int) -> dict[int, Decimal]:
    """Confirmed service hours of activities in `year`, per party member id."""
    return volunteering_selectors.confirmed_hours_by_person(year=year, person_ids=member_ids)


def member_activities(member_ids, year: int) -> dict[int, int]:
    """Activities with a confirmed service record of the member in `year`, per party member id."""
    rows = (
        volunteering_selectors.confirmed_records(year=year, person_ids=member_ids)
        .values("volunteer__party_member_id")
        .annotate(n=Count("activity_id", distinct=True))
    )
    return {r["volunteer__party_member_id"]: r["n"] for r in rows}


# Past this many members a figure is asked for every linked member and kept for the ones wanted: a city's tens of
# thousands of ids in one IN list cost more than the rows they leave out.
MANY = 2000


def member_totals(member_ids, year: int) -> tuple[dict[int, Decimal], dict[int, int]]:
    """(confirmed hours, activities with a confirmed record) in `year` per party member id, in one query: what
    member_hours and member_activities give."""
    ids = set(member_ids)
    # A few members: their volunteers first, so their records are found by volunteer (indexed), not by scanning
    # the year's records.
    few = volunteering_selectors.volunteer_ids_of_members(ids) if len(ids) <= MANY else None
    records = volunteering_selectors.confirmed_records(year=year, volunteer_ids=few).filter(
        volunteer__party_member_id__isnull=False
    )
    rows = records.values("volunteer__party_member_id").annotate(
        total=Sum("hours"), n=Count("activity_id", distinct=True)
    )
    hours, activities = {}, {}
    for r in rows:
        member_id = r["volunteer__party_member_id"]
        if member_id in ids:
            hours[member_id] = r["total"]
            if r["n"]:
                activities[member_id] = r["n"]
    return hours, activities


def area_volunteer_totals(area_ids: set[int], year: int) -> tuple[int, Decimal]:
    """(activities, confirmed hours) of activities in `year` in the areas."""
    return (
        volunteering_selectors.activities_count(area_ids=area_ids, year=year),
        volunteering_selectors.confirmed_hours(area_ids=area_ids, year=year),
    )


def area_points_totals(area_ids: set[int], year: int) -> dict[str, int]:
    """points_posted, points_redeemed, points_expired, points_balance over the areas for `year`."""
    return points_selectors.totals(area_ids, year)


def record_wish_service(wish, volunteer_hours, *, actor=None) -> int:
    """A pending service record for each registered volunteer who claimed the fulfilled `wish`, with the hours
    entered at fulfilment (one figure for all, or a dict by claim id; none or empty: no record). The record ends
    when the wish was fulfilled, in the wish's community; it counts once confirmed like any other. Runs inside the
    fulfilment's transaction, so a refused record (e.g. overlapping the volunteer's other records) refuses the
    fulfilment. Returns how many records were made."""
    if volunteer_hours is None or volunteer_hours == "" or volunteer_hours == {}:
        return 0
    made = 0
    for claim in wish.claims.filter(volunteer__isnull=False, service_record__isnull=True).select_related(
        "volunteer"
    ):
        hours = volunteer_hours.get(claim.pk) if isinstance(volunteer_hours, dict) else volunteer_hours
        if hours is None or str(hours).strip() == "":
            continue
        claim.service_record = volunteering_records.record_for_source(
            actor=actor,
            volunteer=claim.volunteer,
            area=wish.community,
            hours=hours,
            ended_at=wish.fulfilled_at,
            content=f"微心愿：{wish.title}",
        )
        claim.save(update_fields=["service_record"])
        made += 1
    return made
