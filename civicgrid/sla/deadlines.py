"""Deadlines of one assignment, computed once at dispatch (or extension) and stored on the row.

Working-time units (wh, wd) use the working-day calendar; CalendarNotConfirmed from it propagates
so that the caller can show its message. Every clock starts at dispatch, not at sign-off.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext

from civicgrid.sla.models import Duration, TimeLimitPolicy
from civicgrid.sla.policies import SlaError
from civicgrid.workcal.calendar import add_working_days, add_working_hours, working_time_between

__all__ = [
    "Deadlines",
    "add_duration",
    "assignment_deadlines",
    "callback_due",
    "extend_due",
    "return_window_end",
    "warning_times",
]

WORKING_UNITS = (Duration.WORKING_HOURS, Duration.WORKING_DAYS)


def _aware(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else timezone.make_aware(value)


def add_duration(start: datetime, amount: Decimal, unit: str) -> datetime:
    """`start` plus a limit: working hours, working days (same wall-clock time), natural hours or days."""
    amount = Decimal(str(amount))
    if amount < 0:
        raise SlaError(gettext("时限不能为负数"))
    if unit == Duration.WORKING_HOURS:
        return add_working_hours(start, amount)
    if unit == Duration.WORKING_DAYS:
        if amount != amount.to_integral_value():
            raise SlaError(
                gettext("以工作日计的时限必须是整数(%(amount)s);不足一天请改用工作小时") % {"amount": amount}
            )
        return _aware(add_working_days(start, int(amount)))
    if unit == Duration.NATURAL_HOURS:
        return _aware(start) + timedelta(hours=float(amount))
    if unit == Duration.NATURAL_DAYS:
        return _aware(start) + timedelta(days=float(amount))
    raise SlaError(gettext("未知的时限单位:%(unit)s") % {"unit": unit})


@dataclass(frozen=True)
class Deadlines:
    sign_due_at: datetime
    first_contact_due_at: datetime
    due_at: datetime
    yellow_at: datetime
    red_at: datetime


def _fraction_of(total: timedelta, fraction: Decimal) -> timedelta:
    microseconds = (total.days * 86_400 + total.seconds) * 1_000_000 + total.microseconds
    return timedelta(microseconds=int(Decimal(microseconds) * Decimal(str(fraction))))


def warning_times(policy: TimeLimitPolicy, start: datetime, due_at: datetime) -> tuple[datetime, datetime]:
    """(yellow, red): when the policy's fractions of the time from `start` to `due_at` have elapsed.

    Measured in the currency of the handling limit, so a working-day limit does not turn yellow over a
    weekend; after an extension pass the original dispatch as `start` and the new due time.
    """
    if policy.handle_unit in WORKING_UNITS:
        total = working_time_between(start, due_at)
        return tuple(
            add_working_hours(start, _fraction_of(total, fraction))
            for fraction in (policy.yellow_at, policy.red_at)
        )
    start = _aware(start)
    total = _aware(due_at) - start
    return tuple(start + _fraction_of(total, fraction) for fraction in (policy.yellow_at, policy.red_at))


def assignment_deadlines(policy: TimeLimitPolicy, dispatched_at: datetime) -> Deadlines:
    due_at = add_duration(dispatched_at, policy.handle_limit, policy.handle_unit)
    yellow_at, red_at = warning_times(policy, dispatched_at, due_at)
    first_contact_due_at = add_duration(dispatched_at, policy.first_contact_limit, policy.first_contact_unit)
    # Sign-off counts working time and first contact often natural hours: over a weekend the contact
    # would be due before the sign-off. A unit cannot contact before it signs, so it signs by then.
    sign_due_at = min(add_duration(dispatched_at, policy.sign_limit, policy.sign_unit), first_contact_due_at)
    return Deadlines(
        sign_due_at=sign_due_at,
        first_contact_due_at=first_contact_due_at,
        due_at=due_at,
        yellow_at=yellow_at,
        red_at=red_at,
    )


def extend_due(due_at: datetime, days: int) -> datetime:
    """The deadline after an approved extension of `days` working days."""
    return add_duration(due_at, Decimal(days), Duration.WORKING_DAYS)


def return_window_end(policy: TimeLimitPolicy, dispatched_at: datetime) -> datetime:
    """The last moment a unit may ask to return (退单) the assignment."""
    return add_duration(dispatched_at, policy.return_window, policy.return_window_unit)


def callback_due(policy: TimeLimitPolicy, from_at: datetime) -> datetime:
    """When the callback (回访) is due, counted from `from_at` (usually when the reply passed review)."""
    return add_duration(from_at, policy.callback_limit, policy.callback_unit)
