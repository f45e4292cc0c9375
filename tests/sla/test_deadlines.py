from datetime import timedelta
from decimal import Decimal

import pytest

from civicgrid.routing.vocabulary import DispatchMode
from civicgrid.sla.clocks import escalation_deadlines, reopen_deadlines
from civicgrid.sla.deadlines import (
    Deadlines,
    add_duration,
    assignment_deadlines,
    callback_due,
    extend_due,
    return_window_end,
    warning_times,
)
from civicgrid.sla.policies import SlaError, policy_for
from civicgrid.workcal.calendar import CalendarNotConfirmed, Reckoned
from tests.sla.factories import local

pytestmark = pytest.mark.django_db


def policy(request_type="QZ", urgency="normal", mode="to_department", at=None):
    return policy_for(
        request_type=request_type, urgency=urgency, dispatch_mode=mode, at=at or local(2026, 3, 2)
    )


def test_five_working_days_over_national_day_2025_count_the_make_up_saturday():
    dispatched = local(2025, 9, 30, 16, 0)
    d = assignment_deadlines(policy(at=dispatched), dispatched)

    # 10-01..10-08 off; 10-09, 10-10, 10-11 (make-up Saturday), 10-13, 10-14.
    assert d.due_at == local(2025, 10, 14, 16, 0)
    # 35 office hours in all: half is 2 h on 09-30, 7 + 7 on 10-09/10-10, 1.5 h on the Saturday.
    assert d.yellow_at == local(2025, 10, 11, 10, 0)
    # 80 % = 28 h: 23 h by the Saturday evening, then 3.5 h before lunch and 1.5 h after it.
    assert d.red_at == local(2025, 10, 13, 16, 0)
    # 1 working day would be 10-09, after the first contact is due (24 natural hours): signed by then.
    assert d.sign_due_at == local(2025, 10, 1, 16, 0)
    assert d.first_contact_due_at == local(2025, 10, 1, 16, 0)


def test_spring_festival_2026_with_make_up_days_on_14_and_28_february():
    dispatched = local(2026, 2, 13, 10, 0)
    assert add_duration(dispatched, Decimal(1), "wd") == local(2026, 2, 14, 10, 0)
    assert add_duration(dispatched, Decimal(5), "wd") == local(2026, 2, 27, 10, 0)
    complaint = assignment_deadlines(policy("TS", at=dispatched), dispatched)
    # 14th, 24th-27th, 28th (Saturday), then 2-6 and 9-12 March.
    assert complaint.due_at == local(2026, 3, 12, 10, 0)
    assert complaint.sign_due_at == local(2026, 2, 14, 10, 0)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (local(2026, 3, 6, 9, 0), local(2026, 3, 6, 9, 30)),
        (local(2026, 3, 6, 11, 45), local(2026, 3, 6, 14, 45)),  # across lunch
        (local(2026, 3, 6, 17, 50), local(2026, 3, 9, 8, 50)),  # Friday evening to Monday
        (local(2026, 3, 7, 10, 0), local(2026, 3, 9, 9, 0)),  # Saturday: counting starts Monday
        (local(2026, 3, 5, 22, 0), local(2026, 3, 6, 9, 0)),  # night
        (local(2026, 2, 13, 17, 45), local(2026, 2, 14, 8, 45)),  # into the make-up Saturday
    ],
)
def test_thirty_working_minutes(start, expected):
    assert add_duration(start, Decimal("0.5"), "wh") == expected


def test_natural_hours_and_days_ignore_the_calendar():
    start = local(2026, 2, 14, 22, 0)
    assert add_duration(start, Decimal(2), "h") == local(2026, 2, 15, 0, 0)
    assert add_duration(start, Decimal("1.5"), "h") == local(2026, 2, 14, 23, 30)
    assert add_duration(start, Decimal(3), "d") == local(2026, 2, 17, 22, 0)


def test_critical_matter_on_a_saturday_night():
    dispatched = local(2026, 3, 7, 22, 0)
    d = assignment_deadlines(policy("QZ", "critical", at=dispatched), dispatched)
    assert d == Deadlines(
        # 30 working minutes would be Monday 09:00, after the 2-hour first contact: signed by then.
        sign_due_at=local(2026, 3, 8, 0, 0),
        first_contact_due_at=local(2026, 3, 8, 0, 0),
        due_at=local(2026, 3, 8, 22, 0),
        yellow_at=local(2026, 3, 8, 10, 0),
        red_at=local(2026, 3, 8, 17, 12),
    )


def test_working_time_warnings_skip_nights_and_weekends():
    dispatched = local(2026, 3, 6, 14, 30)  # Friday afternoon, 2 WD consultation
    d = assignment_deadlines(policy("ZX", at=dispatched), dispatched)
    assert d.due_at == local(2026, 3, 10, 14, 30)
    # 14 office hours: half is 3.5 h Friday + 3.5 h Monday morning.
    assert d.yellow_at == local(2026, 3, 9, 12, 0)
    # 80 % = 11.2 h: 3.5 + 7, then 42 minutes on Tuesday.
    assert d.red_at == local(2026, 3, 10, 9, 12)
    assert d.yellow_at < d.red_at < d.due_at


def test_dispatch_outside_office_hours_starts_counting_at_the_next_period():
    dispatched = local(2026, 3, 6, 20, 0)  # Friday evening, 2 WD
    d = assignment_deadlines(policy("ZX", at=dispatched), dispatched)
    assert d.due_at == local(2026, 3, 10, 20, 0)
    assert d.yellow_at == local(2026, 3, 9, 18, 0)
    assert d.red_at == local(2026, 3, 10, 15, 12)


def test_warning_times_after_an_extension_measure_from_the_original_dispatch():
    p = policy("ZX")
    dispatched = local(2026, 3, 2, 9, 0)
    new_due = extend_due(local(2026, 3, 4, 9, 0), 2)
    assert new_due == local(2026, 3, 6, 9, 0)
    yellow, red = warning_times(p, dispatched, new_due)
    # 28 office hours from Monday 09:00 to Friday 09:00: 14 h and 22.4 h of them.
    assert yellow == local(2026, 3, 4, 9, 0)
    assert red == local(2026, 3, 5, 10, 24)


def test_natural_warning_times_use_plain_fractions():
    p = policy("QZ", "urgent")
    yellow, red = warning_times(p, local(2026, 3, 2, 9), local(2026, 3, 3, 9))
    assert (yellow, red) == (local(2026, 3, 2, 21), local(2026, 3, 3, 4, 12))


def test_extend_due_counts_make_up_days():
    # 2025-09-28 is a Sunday worked for National Day.
    assert extend_due(local(2025, 9, 26, 10), 3) == local(2025, 9, 30, 10)
    assert extend_due(local(2025, 9, 26, 10), 0) == local(2025, 9, 26, 10)
    with pytest.raises(SlaError):
        extend_due(local(2025, 9, 26, 10), 1.5)


def test_return_window_and_callback():
    p = policy()
    assert return_window_end(p, local(2025, 9, 30, 16)) == local(2025, 10, 10, 16)
    assert callback_due(p, local(2026, 2, 13, 17)) == local(2026, 2, 14, 17)


def test_naive_start_is_local_time():
    naive = local(2026, 3, 2, 9).replace(tzinfo=None)
    assert add_duration(naive, Decimal(2), "h") == local(2026, 3, 2, 11)
    assert add_duration(naive, Decimal(1), "wd") == local(2026, 3, 3, 9)


def test_a_deadline_in_an_unconfirmed_year_propagates_the_calendar_error():
    with pytest.raises(CalendarNotConfirmed) as error:
        assignment_deadlines(policy(), local(2026, 12, 28, 10))
    assert error.value.year == 2027
    with pytest.raises(CalendarNotConfirmed):
        add_duration(local(2026, 12, 31, 17, 45), Decimal("0.5"), "wh")


def test_bad_amounts_and_units_are_sla_errors():
    start = local(2026, 3, 2, 9)
    with pytest.raises(SlaError, match="整数"):
        add_duration(start, Decimal("1.5"), "wd")
    with pytest.raises(SlaError, match="负数"):
        add_duration(start, Decimal(-1), "h")
    with pytest.raises(SlaError, match="未知"):
        add_duration(start, Decimal(1), "weeks")
    assert add_duration(start, Decimal(0), "wh") == start
    assert add_duration(start, 3, "h") - start == timedelta(hours=3)


def test_provisionally_a_deadline_in_an_unconfirmed_year_is_computed_and_flagged():
    dispatched = local(2026, 12, 21, 10)
    d = assignment_deadlines(policy("TS", at=dispatched), dispatched, provisional=True)
    # 12-22..25, 28..31, then 2027 by weekends and statutory holidays: 01-01 off, 01-04..08, 11, 12.
    assert (d.due_at, d.sign_due_at, d.provisional) == (local(2027, 1, 12, 10), local(2026, 12, 22, 10), True)
    assert assignment_deadlines(policy(), local(2026, 3, 2, 9), provisional=True).provisional is False
    assert extend_due(local(2026, 12, 30, 10), 3, provisional=True) == Reckoned(local(2027, 1, 5, 10), True)
    assert callback_due(policy(), local(2026, 12, 31, 16), provisional=True) == Reckoned(
        local(2027, 1, 4, 16), True
    )
    assert add_duration(local(2026, 12, 31, 16), Decimal(2), "h", provisional=True) == Reckoned(
        local(2026, 12, 31, 18), False
    )
    (yellow, red), flagged = warning_times(
        policy("ZX"), local(2026, 12, 30, 9), local(2027, 1, 4, 9), provisional=True
    )
    assert flagged and yellow < red < local(2027, 1, 4, 9)


@pytest.mark.parametrize(
    ("request_type", "at"),
    [("QZ", local(2026, 3, 2, 9)), ("TS", local(2026, 11, 20, 16, 30)), ("ZX", local(2026, 9, 30, 16))],
)
def test_within_confirmed_years_provisional_deadlines_are_the_strict_ones_without_the_provisional_view(
    request_type, at
):
    from civicgrid.sla import deadlines as module
    from civicgrid.workcal import calendar

    p = policy(request_type, at=at)
    strict = assignment_deadlines(p, at)
    calendar.invalidate()
    assert assignment_deadlines(p, at, provisional=True) == strict
    assert calendar._snapshot.views == {}  # the provisional view was not needed
    assert module._deadlines(p, at, True) == strict  # and counting through it agrees


def test_the_clock_rules_compute_provisionally_too():
    at = local(2026, 12, 28, 10)
    p = policy("TS", mode=DispatchMode.ESCALATED, at=at)
    deadlines, had_time = escalation_deadlines(p, at, lead_due_at=local(2027, 1, 12, 10))
    assert (deadlines.due_at, deadlines.provisional, had_time) == (local(2027, 1, 12, 10), True, True)
    assert reopen_deadlines(policy("TS", at=at), at).provisional is True
    assert escalation_deadlines(p, at, lead_due_at=local(2026, 12, 29, 10))[0].provisional is False
