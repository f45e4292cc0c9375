"""What engagement reads from volunteering (h-volunteer) and points (h-points): one place, so the figures change
in one place when those apps' selectors are wired in. Until then every figure is 0 (never guessed)."""

from decimal import Decimal


def member_hours(member_ids, year: int) -> dict[int, Decimal]:
    """Confirmed service hours of activities in `year`, per party member id."""
    return {}


def member_activities(member_ids, year: int) -> dict[int, int]:
    """Activities with a confirmed service record in `year`, per party member id."""
    return {}


def area_volunteer_totals(area_ids: set[int], year: int) -> tuple[int, Decimal]:
    """(activities, confirmed hours) of activities held in `year` in the areas."""
    return 0, Decimal("0")


def area_points_totals(area_ids: set[int], year: int) -> dict[str, int]:
    """points_posted, points_redeemed, points_expired, points_balance over the areas for `year`."""
    return {"points_posted": 0, "points_redeemed": 0, "points_expired": 0, "points_balance": 0}
