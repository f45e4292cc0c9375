"""Deadlines that favour the resident: escalation, reopen, whistled co-units and clock pauses.

Every function here starts from the policy's own deadlines (sla.deadlines) and only ever shortens
the handling time: an escalation gives the time the ticket had left (or a short limit when none
was left), a reopen a limit shorter than the first round, a co-unit never more than the lead.
Deadlines reaching a year whose calendar is not confirmed are computed provisionally and flagged
(Deadlines.provisional), as the ticket services store them.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from civicgrid.sla.deadlines import (
    Deadlines,
    add_duration,
    assignment_deadlines,
    reaches_unconfirmed_year,
    warning_times,
)
from civicgrid.sla.models import TimeLimitPolicy
from civicgrid.workcal.calendar import add_working_hours, working_time_between

__all__ = [
    "capped_deadlines",
    "escalation_deadlines",
    "paused_working_time",
    "pushed",
    "reopen_deadlines",
]


def capped_deadlines(policy: TimeLimitPolicy, at: datetime, due_at: datetime) -> Deadlines:
    """The policy's deadlines from `at`, with handling due no later than `due_at`.

    Sign-off and first contact keep their own limits but never fall after the handling deadline
    (sign-off never after first contact), and the warnings are the policy's fractions of the (shorter) time actually given.
    """
    full = assignment_deadlines(policy, at, provisional=True)
    due = min(full.due_at, due_at)
    yellow, red = warning_times(policy, at, due, provisional=True).value
    first_contact = min(full.first_contact_due_at, due)
    sign = min(full.sign_due_at, first_contact)
    return Deadlines(
        sign_due_at=sign,
        first_contact_due_at=first_contact,
        due_at=due,
        yellow_at=yellow,
        red_at=red,
        provisional=reaches_unconfirmed_year(at, sign, first_contact, due),
    )


def escalation_deadlines(
    policy: TimeLimitPolicy,
    at: datetime,
    *,
    lead_due_at: datetime,
    limit: tuple[Decimal, str] | None = None,
) -> tuple[Deadlines, bool]:
    """Deadlines for the unit a ticket is escalated to, and whether the ticket had time left.

    With time left, the receiving unit gets exactly that (the old handling deadline); without, the
    short limit (`limit`, e.g. the ladder level's, else the policy's escalation limit), never more
    than a fresh handling limit.
    """
    if lead_due_at > at:
        return capped_deadlines(policy, at, lead_due_at), True
    amount, unit = limit or (policy.escalation_limit, policy.escalation_unit)
    return capped_deadlines(policy, at, add_duration(at, amount, unit, provisional=True).value), False


def reopen_deadlines(policy: TimeLimitPolicy, at: datetime) -> Deadlines:
    """重办： the policy's reopen limit, never longer than the first round's handling limit."""
    return capped_deadlines(
        policy, at, add_duration(at, policy.reopen_limit, policy.reopen_unit, provisional=True).value
    )


def pushed(moment: datetime, paused: timedelta) -> datetime:
    """`moment` moved forward by `paused` of working time (a pause over a weekend moves nothing)."""
    if paused <= timedelta(0):
        return moment
    return add_working_hours(moment, paused, provisional=True).value


def paused_working_time(start: datetime, end: datetime) -> timedelta:
    return working_time_between(start, end, provisional=True).value
