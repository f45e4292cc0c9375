"""What engagement reads from volunteering and points: one place, through their public selectors."""

from decimal import Decimal

from django.db.models import Count

from civicgrid.points import selectors as points_selectors
from civicgrid.volunteering import selectors as volunteering_selectors


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


def area_volunteer_totals(area_ids: set[int], year: int) -> tuple[int, Decimal]:
    """(activities, confirmed hours) of activities in `year` in the areas."""
    return (
        volunteering_selectors.activities_count(area_ids=area_ids, year=year),
        volunteering_selectors.confirmed_hours(area_ids=area_ids, year=year),
    )


def area_points_totals(area_ids: set[int], year: int) -> dict[str, int]:
    """points_posted, points_redeemed, points_expired, points_balance over the areas for `year`."""
    return points_selectors.totals(area_ids, year)
