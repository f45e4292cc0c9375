"""Provisional arithmetic: a year no one has confirmed counts weekends and statutory holidays, no make-up days.

Under the rule, 2027's weekday rest days are 01-01, 02-05, 02-08..10, 04-05, 05-03..04, 06-09, 09-15,
10-01 and 10-04..05 (the `holidays` package's CN holidays); the made-up holiday-cn file of
tests.workcal.factories differs from it (02-05 worked, 02-06 and 02-20 made up, 02-08..12 off).
"""

from datetime import date, timedelta

import pytest
import time_machine

from civicgrid.workcal import services
from civicgrid.workcal.calendar import (
    CalendarNotConfirmed,
    Reckoned,
    add_working_days,
    add_working_hours,
    provisional_reason,
    reposition,
    unconfirmed_years,
    working_days_between,
    working_time_between,
)
from civicgrid.workcal.models import CalendarYear
from tests.workcal.factories import fill_year, holiday_cn_2027, local

pytestmark = pytest.mark.django_db


def import_2027():
    services.import_holiday_cn(data=holiday_cn_2027(), actor=None, source_name="2027.json")


class TestAddWorkingDays:
    def test_new_year_is_a_rest_day_and_the_answer_is_provisional(self):
        # 12-31, then 01-01 (New Year) off, 01-04, 01-05.
        assert add_working_days(date(2026, 12, 30), 3, provisional=True) == Reckoned(date(2027, 1, 5), True)

    def test_without_provisional_it_still_refuses(self):
        with pytest.raises(CalendarNotConfirmed) as error:
            add_working_days(date(2026, 12, 30), 3)
        assert error.value.year == 2027

    def test_a_result_within_confirmed_years_is_not_provisional(self):
        assert add_working_days(date(2026, 12, 1), 3, provisional=True) == Reckoned(date(2026, 12, 4), False)
        assert add_working_days(date(2026, 12, 30), 0, provisional=True) == Reckoned(
            date(2026, 12, 30), False
        )

    def test_the_spring_festival_of_the_holidays_package_is_skipped(self):
        # 02-05 (eve), 02-08..10 off; the weekend between.
        assert add_working_days(date(2027, 2, 4), 1, provisional=True) == Reckoned(date(2027, 2, 11), True)

    def test_no_saturday_is_made_up(self):
        assert add_working_days(date(2027, 2, 19), 1, provisional=True).value == date(2027, 2, 22)

    def test_an_unconfirmed_year_typed_in_day_by_day_still_follows_the_rule(self):
        fill_year(2027)  # 01-01 entered as a plain Friday, not confirmed
        assert add_working_days(date(2026, 12, 31), 1, provisional=True) == Reckoned(date(2027, 1, 4), True)

    def test_a_confirmed_year_is_used_as_confirmed(self):
        import_2027()
        assert add_working_days(date(2027, 2, 19), 1, provisional=True) == Reckoned(date(2027, 2, 20), False)
        assert add_working_days(date(2027, 2, 19), 1) == date(2027, 2, 20)

    def test_an_unconfirmed_year_between_confirmed_ones_follows_the_rule(self):
        CalendarYear.objects.filter(year=2025).update(confirmed=False)
        # Confirmed, Sunday 2025-09-28 is a make-up working day; provisionally it is not.
        assert add_working_days(date(2025, 9, 26), 1, provisional=True) == Reckoned(date(2025, 9, 29), True)

    def test_a_datetime_keeps_its_wall_clock_time(self):
        result = add_working_days(local(2026, 12, 31, 20, 15), 1, provisional=True)
        assert result == Reckoned(local(2027, 1, 4, 20, 15), True)

    def test_it_reaches_only_a_few_years_past_the_last_confirmed_one(self):
        with time_machine.travel(local(2026, 12, 28, 10, 0), tick=False):
            assert add_working_days(date(2026, 12, 30), 400, provisional=True).provisional
            with pytest.raises(CalendarNotConfirmed) as error:
                add_working_days(date(2026, 12, 30), 800, provisional=True)
        assert error.value.year == 2029


class TestBetween:
    def test_it_counts_provisional_working_days_both_ways(self):
        assert working_days_between(date(2026, 12, 31), date(2027, 1, 8), provisional=True) == Reckoned(
            5, True
        )
        assert working_days_between(date(2027, 1, 8), date(2026, 12, 31), provisional=True) == Reckoned(
            -5, True
        )
        assert working_days_between(date(2026, 12, 1), date(2026, 12, 4), provisional=True) == Reckoned(
            3, False
        )


class TestWorkingHours:
    def test_office_hours_run_on_into_the_provisional_year(self):
        start = local(2026, 12, 31, 17, 0)
        # One hour on 12-31, then 01-04 from 08:30.
        assert add_working_hours(start, 2, provisional=True) == Reckoned(local(2027, 1, 4, 9, 30), True)
        assert working_time_between(start, local(2027, 1, 4, 9, 30), provisional=True) == Reckoned(
            timedelta(hours=2), True
        )

    def test_within_confirmed_years_they_are_not_provisional(self):
        assert add_working_hours(local(2026, 12, 31, 9, 0), 2, provisional=True) == Reckoned(
            local(2026, 12, 31, 11, 0), False
        )


def test_unconfirmed_years_lists_the_years_deadlines_may_not_use_as_confirmed():
    assert unconfirmed_years(date(2026, 1, 1), date(2028, 6, 1)) == [2027, 2028]
    assert unconfirmed_years(local(2026, 12, 31, 23, 0), local(2026, 12, 31, 23, 0)) == []
    import_2027()
    assert unconfirmed_years(date(2026, 1, 1), date(2028, 6, 1)) == [2028]


def test_the_reason_names_the_year():
    assert provisional_reason(2027) == "2027 年节假日安排尚未确认，暂按周末和法定节日计算"


class TestReposition:
    """Once 2027 is confirmed (the made-up file), a provisional moment keeps its n-th working day of 2027."""

    @pytest.fixture(autouse=True)
    def _confirmed(self):
        import_2027()

    @pytest.mark.parametrize(
        ("provisional", "confirmed"),
        [
            (local(2026, 12, 31, 10, 0), local(2026, 12, 31, 10, 0)),  # before 2027: kept
            (local(2027, 1, 5, 10, 0), local(2027, 1, 5, 10, 0)),  # 2nd working day either way
            # 25th: January has 20 working days, then 02-01..04 and 02-11 provisionally; 02-01..05 now.
            (local(2027, 2, 11, 10, 0), local(2027, 2, 5, 10, 0)),
            # 32nd: 02-12 and 02-15..19, then 02-22 provisionally; 02-06, 02-15..19 and Saturday 02-20 now.
            (local(2027, 2, 22, 16, 45), local(2027, 2, 20, 16, 45)),
            (local(2027, 2, 9, 10, 0), local(2027, 2, 9, 10, 0)),  # a provisional holiday: not working time
            (local(2027, 1, 9, 10, 0), local(2027, 1, 9, 10, 0)),  # a Saturday
        ],
    )
    def test_it_keeps_the_place_in_working_time(self, provisional, confirmed):
        assert reposition(provisional, 2027) == confirmed

    def test_a_moment_in_a_later_unconfirmed_year_moves_by_the_difference(self):
        # The made-up 2027 has 257 working days, the rule 248: a day in 2028 comes 9 working days sooner.
        before = local(2028, 3, 1, 10, 0)
        after = reposition(before, 2027)
        assert working_days_between(after, before, provisional=True) == Reckoned(9, True)
