"""Service hours (志愿服务记录办法): actual service time from check-in to check-out, capped at the activity's schedule,
minus the declared travel time; never below zero; in hours to two decimals."""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

TWO_PLACES = Decimal("0.01")


def service_hours(
    checked_in: datetime, checked_out: datetime, starts_at: datetime, ends_at: datetime, travel_minutes: int = 0
) -> Decimal:
    start = max(checked_in, starts_at)
    end = min(checked_out, ends_at)
    seconds = max((end - start).total_seconds(), 0) - max(travel_minutes, 0) * 60
    if seconds <= 0:
        return Decimal("0.00")
    return (Decimal(int(seconds)) / Decimal(3600)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def capped_span(checked_in: datetime, checked_out: datetime, starts_at: datetime, ends_at: datetime):
    """The service span that counts: within the schedule."""
    start = max(checked_in, starts_at)
    return start, max(min(checked_out, ends_at), start)
