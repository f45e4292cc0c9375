"""Deadlines of one assignment, computed once at dispatch (or extension) and stored on the row.

Working-time units (wh, wd) use the working-day calendar. By default CalendarNotConfirmed from it
propagates; with provisional=True a year not yet confirmed is counted by the provisional rule (see
workcal.calendar) and the answer says whether it was: the ticket services store that flag beside the
deadline and recompute the deadline when the year is confirmed. Every clock starts at dispatch, not at
sign-off.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext

from civicgrid.sla.models import Duration, TimeLimitPolicy
from civicgrid.sla.policies import SlaError
from civicgrid.workcal.calendar import (
    CalendarNotConfirmed,
    Reckoned,
    add_working_days,
    add_working_hours,
    unconfirmed_years,
    working_time_between,
)

__all__ = [
    "WORKING_UNITS",
    "Deadlines",
    "add_duration",
    "assignment_deadlines",
    "callback_due",
    "extend_due",
    "reaches_unconfirmed_year",
    "return_window_end",
    "warning_times",
]

WORKING_UNITS = (Duration.WORKING_HOURS, Duration.WORKING_DAYS)


def _aware(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else timezone.make_aware(value)


def _reckoned(result, provisional: bool) -> Reckoned:
    """A calendar answer as a Reckoned, whichever way it was asked for."""
    return result if provisional else Reckoned(result, False)


def _reckon(start: datetime, amount: Decimal, unit: str, provisional: bool) -> Reckoned:
    amount = Decimal(str(amount))
    if amount < 0:
        raise SlaError(gettext("时限不能为负数"))
    if unit == Duration.WORKING_HOURS:
        return _reckoned(add_working_hours(start, amount, provisional=provisional), provisional)
    if unit == Duration.WORKING_DAYS:
        if amount != amount.to_integral_value():
            raise SlaError(
                gettext("以工作日计的时限必须是整数（%(amount)s）；不足一天请改用工作小时")
                % {"amount": amount}
            )
        value, used = _reckoned(add_working_days(start, int(amount), provisional=provisional), provisional)
        return Reckoned(_aware(value), used)
    if unit == Duration.NATURAL_HOURS:
        return Reckoned(_aware(start) + timedelta(hours=float(amount)), False)
    if unit == Duration.NATURAL_DAYS:
        return Reckoned(_aware(start) + timedelta(days=float(amount)), False)
    raise SlaError(gettext("未知的时限单位：%(unit)s") % {"unit": unit})


def _result(reckoned: Reckoned, provisional: bool):
    return reckoned if provisional else reckoned.value


def add_duration(start: datetime, amount: Decimal, unit: str, *, provisional: bool = False):
    """`start` plus a limit: working hours, working days (same wall-clock time), natural hours or days.

    With provisional=True, a Reckoned(datetime, provisional).
    """
    return _result(_reckon(start, amount, unit, provisional), provisional)


@dataclass(frozen=True)
class Deadlines:
    sign_due_at: datetime
    first_contact_due_at: datetime
    due_at: datetime
    yellow_at: datetime
    red_at: datetime
    provisional: bool = False  # some of them counted a year whose calendar is not yet confirmed


def reaches_unconfirmed_year(start: datetime, *deadlines: datetime) -> bool:
    """Whether any of `deadlines`, counted from `start`, reaches a year whose calendar is unconfirmed."""
    return bool(unconfirmed_years(start, max(deadlines)))


def _fraction_of(total: timedelta, fraction: Decimal) -> timedelta:
    microseconds = (total.days * 86_400 + total.seconds) * 1_000_000 + total.microseconds
    return timedelta(microseconds=int(Decimal(microseconds) * Decimal(str(fraction))))


def _warnings(policy: TimeLimitPolicy, start: datetime, due_at: datetime, provisional: bool) -> Reckoned:
    if policy.handle_unit in WORKING_UNITS:
        total = _reckoned(working_time_between(start, due_at, provisional=provisional), provisional)
        points = [
            _reckoned(
                add_working_hours(start, _fraction_of(total.value, fraction), provisional=provisional),
                provisional,
            )
            for fraction in (policy.yellow_at, policy.red_at)
        ]
        return Reckoned(
            tuple(p.value for p in points), total.provisional or any(p.provisional for p in points)
        )
    start = _aware(start)
    total = _aware(due_at) - start
    return Reckoned(
        tuple(start + _fraction_of(total, fraction) for fraction in (policy.yellow_at, policy.red_at)), False
    )


def warning_times(policy: TimeLimitPolicy, start: datetime, due_at: datetime, *, provisional: bool = False):
    """(yellow, red): when the policy's fractions of the time from `start` to `due_at` have elapsed.

    Measured in the currency of the handling limit, so a working-day limit does not turn yellow over a
    weekend; after an extension pass the original dispatch as `start` and the new due time. With
    provisional=True, a Reckoned((yellow, red), provisional).
    """
    return _result(_warnings(policy, start, due_at, provisional), provisional)


def assignment_deadlines(
    policy: TimeLimitPolicy, dispatched_at: datetime, *, provisional: bool = False
) -> Deadlines:
    if provisional:
        # Counted strictly first: nearly always every day lies in a confirmed year, and then the
        # answer is the same without the provisional view of the calendar (built on first use).
        try:
            return _deadlines(policy, dispatched_at, False)
        except CalendarNotConfirmed:
            pass
    return _deadlines(policy, dispatched_at, provisional)


def _deadlines(policy: TimeLimitPolicy, dispatched_at: datetime, provisional: bool) -> Deadlines:
    due = _reckon(dispatched_at, policy.handle_limit, policy.handle_unit, provisional)
    warnings = _warnings(policy, dispatched_at, due.value, provisional)
    sign = _reckon(dispatched_at, policy.sign_limit, policy.sign_unit, provisional)
    first_contact = _reckon(dispatched_at, policy.first_contact_limit, policy.first_contact_unit, provisional)
    # Sign-off counts working time and first contact often natural hours: over a weekend the contact
    # would be due before the sign-off. A unit cannot contact before it signs, so it signs by then.
    return Deadlines(
        sign_due_at=min(sign.value, first_contact.value),
        first_contact_due_at=first_contact.value,
        due_at=due.value,
        yellow_at=warnings.value[0],
        red_at=warnings.value[1],
        provisional=any(r.provisional for r in (due, warnings, sign, first_contact)),
    )


def extend_due(due_at: datetime, days: int, *, provisional: bool = False):
    """The deadline after an approved extension of `days` working days (a Reckoned if provisional)."""
    return add_duration(due_at, Decimal(days), Duration.WORKING_DAYS, provisional=provisional)


def return_window_end(policy: TimeLimitPolicy, dispatched_at: datetime, *, provisional: bool = False):
    """The last moment a unit may ask to return （退单） the assignment (a Reckoned if provisional)."""
    return add_duration(
        dispatched_at, policy.return_window, policy.return_window_unit, provisional=provisional
    )


def callback_due(policy: TimeLimitPolicy, from_at: datetime, *, provisional: bool = False):
    """When the callback （回访） is due, counted from `from_at` (usually when the reply passed review).

    A Reckoned if provisional.
    """
    return add_duration(from_at, policy.callback_limit, policy.callback_unit, provisional=provisional)
