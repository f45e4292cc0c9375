from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from civicgrid.workcal import calendar, services
from civicgrid.workcal.calendar import (
    CalendarError,
    CalendarNotConfirmed,
    add_working_days,
    add_working_hours,
    is_workday,
    working_days_between,
    working_time_between,
)
from civicgrid.workcal.models import CalendarYear, OfficeHours, WorkDay
from tests.workcal.factories import local

pytestmark = pytest.mark.django_db


class TestIsWorkday:
    @pytest.mark.parametrize(
        ("day", "expected"),
        [
            (date(2025, 9, 26), True),  # Friday
            (date(2025, 9, 27), False),  # Saturday
            (date(2025, 9, 28), True),  # Sunday, made up for National Day
            (date(2025, 10, 1), False),
            (date(2025, 10, 8), False),  # last day of the 2025 National Day + Mid-Autumn break
            (date(2025, 10, 9), True),
            (date(2025, 10, 11), True),  # Saturday, made up
            (date(2026, 2, 14), True),  # Saturday, made up for Spring Festival
            (date(2026, 2, 15), False),
            (date(2026, 2, 23), False),
            (date(2026, 2, 24), True),
            (date(2026, 2, 28), True),  # Saturday, made up
            (date(2004, 1, 1), False),
            (date(2026, 12, 31), True),
        ],
    )
    def test_it_knows_holidays_and_make_up_days(self, day, expected):
        assert is_workday(day) is expected

    def test_it_uses_the_local_date_of_a_datetime(self):
        # 2025-09-30 20:00 UTC is already 1 October in Shanghai.
        assert is_workday(datetime(2025, 9, 30, 15, 0, tzinfo=UTC)) is True
        assert is_workday(datetime(2025, 9, 30, 16, 0, tzinfo=UTC)) is False

    def test_it_names_the_days(self):
        assert WorkDay.objects.get(date=date(2025, 10, 1)).name == "国庆节"
        assert WorkDay.objects.get(date=date(2025, 9, 28)).name == "国庆节调休上班"
        assert WorkDay.objects.get(date=date(2026, 2, 14)).name == "春节调休上班"
        assert WorkDay.objects.get(date=date(2025, 4, 4)).name == "清明节"
        assert WorkDay.objects.get(date=date(2025, 9, 29)).name == ""


class TestAddWorkingDays:
    @pytest.mark.parametrize(
        ("start", "n", "expected"),
        [
            (date(2025, 9, 26), 1, date(2025, 9, 28)),
            (date(2025, 9, 26), 2, date(2025, 9, 29)),
            (date(2025, 9, 29), 1, date(2025, 9, 30)),
            (date(2025, 9, 30), 1, date(2025, 10, 9)),
            (date(2025, 10, 3), 1, date(2025, 10, 9)),
            (date(2025, 10, 9), 1, date(2025, 10, 10)),
            (date(2025, 10, 10), 1, date(2025, 10, 11)),
            (date(2025, 10, 10), 2, date(2025, 10, 13)),
            (date(2026, 2, 13), 1, date(2026, 2, 14)),
            (date(2026, 2, 14), 1, date(2026, 2, 24)),
            (date(2026, 2, 27), 1, date(2026, 2, 28)),
            (date(2026, 2, 28), 1, date(2026, 3, 2)),
            (date(2026, 2, 10), 10, date(2026, 3, 2)),
            (date(2025, 12, 31), 1, date(2026, 1, 4)),  # Sunday, made up for New Year
        ],
    )
    def test_it_skips_holidays_and_counts_make_up_days(self, start, n, expected):
        assert add_working_days(start, n) == expected

    def test_zero_returns_start_unchanged(self):
        start = datetime(2025, 10, 1, 3, 4, 5, tzinfo=UTC)
        assert add_working_days(start, 0) is start
        assert add_working_days(date(2025, 10, 1), 0) == date(2025, 10, 1)

    def test_it_refuses_negative_and_non_integer_counts(self):
        with pytest.raises(ValueError, match="负数"):
            add_working_days(date(2025, 10, 1), -1)
        with pytest.raises(TypeError):
            add_working_days(date(2025, 10, 1), 1.5)
        with pytest.raises(TypeError):
            add_working_days(date(2025, 10, 1), True)

    def test_a_datetime_keeps_its_local_wall_clock_time(self):
        result = add_working_days(local(2025, 9, 30, 16, 45), 1)
        assert result == local(2025, 10, 9, 16, 45)
        assert result.tzinfo == timezone.get_default_timezone()

    def test_an_aware_datetime_in_another_zone_counts_from_its_shanghai_date(self):
        # 2025-09-29 18:30 UTC is 2025-09-30 02:30 in Shanghai.
        result = add_working_days(datetime(2025, 9, 29, 18, 30, tzinfo=UTC), 1)
        assert result == local(2025, 10, 9, 2, 30)

    def test_a_naive_datetime_is_read_as_shanghai_time(self):
        assert add_working_days(datetime(2025, 9, 30, 23, 0), 1) == local(2025, 10, 9, 23, 0)

    def test_with_a_frozen_clock_a_deadline_from_now(self):
        with time_machine.travel(local(2026, 2, 13, 17, 30), tick=False):
            assert add_working_days(timezone.now(), 3) == local(2026, 2, 25, 17, 30)


class TestWorkingDaysBetween:
    def test_it_counts_the_half_open_interval(self):
        assert working_days_between(date(2025, 9, 30), date(2025, 10, 9)) == 1
        assert working_days_between(date(2025, 9, 30), date(2025, 10, 8)) == 0
        assert working_days_between(date(2025, 10, 9), date(2025, 9, 30)) == -1
        assert working_days_between(date(2025, 10, 1), date(2025, 10, 1)) == 0

    def test_a_year_has_its_working_days(self):
        assert working_days_between(date(2024, 12, 31), date(2025, 12, 31)) == 248
        assert working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 248

    def test_it_accepts_datetimes(self):
        assert working_days_between(local(2025, 9, 30, 9), local(2025, 10, 9, 8)) == 1


class TestAddWorkingHours:
    @pytest.mark.parametrize(
        ("start", "hours", "expected"),
        [
            (local(2025, 9, 29, 9, 0), 1, local(2025, 9, 29, 10, 0)),
            (local(2025, 9, 29, 11, 30), 1, local(2025, 9, 29, 15, 0)),  # across lunch
            (local(2025, 9, 29, 11, 0), 1, local(2025, 9, 29, 12, 0)),  # ends on the period's end
            (local(2025, 9, 29, 12, 30), 1, local(2025, 9, 29, 15, 30)),  # starts in lunch
            (local(2025, 9, 29, 7, 0), 0.5, local(2025, 9, 29, 9, 0)),  # before office
            (local(2025, 9, 29, 19, 0), 1, local(2025, 9, 30, 9, 30)),  # evening
            (local(2025, 9, 29, 8, 30), 7, local(2025, 9, 29, 18, 0)),  # a whole day
            (local(2025, 9, 29, 8, 30), 7.5, local(2025, 9, 30, 9, 0)),
            (local(2025, 9, 26, 17, 30), 1, local(2025, 9, 28, 9, 0)),  # Friday → make-up Sunday
            (local(2025, 9, 27, 10, 0), 1, local(2025, 9, 28, 9, 30)),  # from a Saturday
            (local(2025, 9, 30, 17, 0), 2, local(2025, 10, 9, 9, 30)),  # across National Day
            (local(2025, 10, 3, 10, 0), 24, local(2025, 10, 13, 11, 30)),  # 9, 10, make-up 11, + 3 h
            (local(2026, 2, 13, 16, 0), 4, local(2026, 2, 14, 10, 30)),  # into a make-up Saturday
            (local(2026, 2, 14, 17, 0), 2, local(2026, 2, 24, 9, 30)),  # across Spring Festival
        ],
    )
    def test_it_counts_office_time_only(self, start, hours, expected):
        assert add_working_hours(start, hours) == expected

    def test_hours_may_be_float_decimal_or_timedelta(self):
        start = local(2025, 9, 29, 11, 0)
        expected = local(2025, 9, 29, 15, 0)
        assert add_working_hours(start, 1.5) == expected
        assert add_working_hours(start, Decimal("1.5")) == expected
        assert add_working_hours(start, timedelta(minutes=90)) == expected

    def test_zero_returns_start_and_negative_is_refused(self):
        start = local(2025, 10, 1, 3, 0)
        assert add_working_hours(start, 0) is start
        with pytest.raises(ValueError, match="负数"):
            add_working_hours(start, -1)
        with pytest.raises(TypeError):
            add_working_hours(start, "2")

    def test_it_returns_shanghai_time_for_a_utc_start(self):
        result = add_working_hours(datetime(2025, 9, 29, 3, 0, tzinfo=UTC), 1)  # 11:00 local
        assert result == local(2025, 9, 29, 12, 0)
        assert result.utcoffset() == timedelta(hours=8)

    def test_with_a_frozen_clock_two_hours_before_the_holiday(self):
        with time_machine.travel(local(2025, 9, 30, 17, 0), tick=False):
            assert add_working_hours(timezone.now(), 2) == local(2025, 10, 9, 9, 30)

    def test_each_day_uses_the_office_hours_in_force_that_day(self):
        services.save_office_hours(
            office_hours=OfficeHours(effective_from=date(2025, 10, 1), periods="09:00-12:00,13:00-17:00"),
            actor=None,
        )
        assert add_working_hours(local(2025, 9, 30, 17, 0), 2) == local(2025, 10, 9, 10, 0)
        assert add_working_hours(local(2025, 10, 9, 11, 0), 2) == local(2025, 10, 9, 14, 0)
        assert working_time_between(local(2025, 9, 30, 8, 0), local(2025, 10, 9, 20, 0)) == timedelta(
            hours=14
        )

    def test_a_day_before_any_office_hours_is_refused(self):
        OfficeHours.objects.update(effective_from=date(2010, 1, 1))
        calendar.invalidate()
        with pytest.raises(CalendarError, match="早于最早的办公时间设置"):
            add_working_hours(local(2009, 6, 1, 9, 0), 1)


class TestWorkingTimeBetween:
    def test_it_counts_office_time_only(self):
        assert working_time_between(local(2025, 9, 29, 11, 0), local(2025, 9, 29, 15, 0)) == timedelta(
            hours=1.5
        )
        assert working_time_between(local(2025, 9, 29, 8, 30), local(2025, 9, 29, 18, 0)) == timedelta(
            hours=7
        )
        assert working_time_between(local(2025, 9, 30, 11, 0), local(2025, 10, 9, 9, 0)) == timedelta(hours=5)
        assert working_time_between(local(2025, 10, 1), local(2025, 10, 8, 23, 59)) == timedelta(0)

    def test_it_is_negative_backwards(self):
        assert working_time_between(local(2025, 9, 29, 15, 0), local(2025, 9, 29, 11, 0)) == -timedelta(
            hours=1.5
        )


class TestUnconfirmedYears:
    def test_2027_is_refused_with_the_year_in_the_message(self):
        with pytest.raises(CalendarNotConfirmed) as raised:
            add_working_days(date(2026, 12, 30), 2)
        assert raised.value.year == 2027
        assert "2027 年的工作日历尚未确认" in str(raised.value)
        assert "civicgrid workdays import 2027.json" in raised.value.message
        assert isinstance(raised.value, CalendarError)

    def test_a_computation_that_stays_in_2026_still_works(self):
        assert add_working_days(date(2026, 12, 30), 1) == date(2026, 12, 31)
        assert add_working_hours(local(2026, 12, 31, 9, 0), 1) == local(2026, 12, 31, 10, 0)

    @pytest.mark.parametrize(
        "compute",
        [
            lambda: is_workday(date(2027, 1, 4)),
            lambda: working_days_between(date(2026, 12, 1), date(2027, 1, 10)),
            lambda: working_days_between(date(2027, 1, 10), date(2026, 12, 1)),
            lambda: add_working_hours(local(2026, 12, 31, 17, 0), 2),
            lambda: working_time_between(local(2026, 12, 31, 9), local(2027, 1, 4, 9)),
            lambda: add_working_days(date(2026, 12, 31), 1),
        ],
    )
    def test_every_function_refuses_2027(self, compute):
        with pytest.raises(CalendarNotConfirmed) as raised:
            compute()
        assert raised.value.year == 2027

    def test_years_before_the_seed_are_refused(self):
        with pytest.raises(CalendarNotConfirmed) as raised:
            is_workday(date(2003, 12, 31))
        assert raised.value.year == 2003

    def test_an_unconfirmed_year_in_the_middle_is_refused(self):
        CalendarYear.objects.filter(year=2025).update(confirmed=False, updated_at=timezone.now())
        calendar.invalidate()
        with pytest.raises(CalendarNotConfirmed) as raised:
            add_working_days(date(2024, 12, 20), 30)
        assert raised.value.year == 2025
        assert add_working_days(date(2024, 12, 20), 1) == date(2024, 12, 23)

    def test_a_confirmed_year_missing_a_day_is_refused(self):
        WorkDay.objects.filter(date=date(2025, 6, 3)).delete()
        with pytest.raises(CalendarNotConfirmed, match="日期不全") as raised:
            is_workday(date(2025, 1, 2))
        assert raised.value.year == 2025


class TestCache:
    def test_a_change_in_this_process_is_seen_at_once(self):
        assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
        services.set_day(date=date(2025, 10, 8), is_workday=True, name="测试加班", actor=None)
        assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 8)

    def test_a_change_by_another_process_is_seen_after_the_check_interval(self, monkeypatch, settings):
        settings.CIVICGRID_WORKCAL_CHECK_SECONDS = 5
        clock = [1000.0]
        monkeypatch.setattr(calendar, "_clock", lambda: clock[0])
        calendar.invalidate()
        assert is_workday(date(2025, 10, 8)) is False
        # A queryset update sends no signal, like a write from another process.
        WorkDay.objects.filter(date=date(2025, 10, 8)).update(is_workday=True, updated_at=timezone.now())
        clock[0] += 4
        assert is_workday(date(2025, 10, 8)) is False
        clock[0] += 2
        assert is_workday(date(2025, 10, 8)) is True

    def test_an_unchanged_database_keeps_the_snapshot(self, monkeypatch, django_assert_num_queries):
        clock = [1000.0]
        monkeypatch.setattr(calendar, "_clock", lambda: clock[0])
        is_workday(date(2025, 1, 2))
        snapshot = calendar._snapshot
        with django_assert_num_queries(0):
            for _ in range(100):
                add_working_days(date(2025, 1, 2), 5)
        clock[0] += 60
        with django_assert_num_queries(3):
            is_workday(date(2025, 1, 2))
        assert calendar._snapshot is snapshot

    def test_confirming_a_year_elsewhere_is_noticed(self, monkeypatch):
        clock = [1000.0]
        monkeypatch.setattr(calendar, "_clock", lambda: clock[0])
        CalendarYear.objects.filter(year=2025).update(confirmed=False, updated_at=timezone.now())
        calendar.invalidate()
        with pytest.raises(CalendarNotConfirmed):
            is_workday(date(2025, 5, 6))
        CalendarYear.objects.filter(year=2025).update(confirmed=True, updated_at=timezone.now())
        clock[0] += 60
        assert is_workday(date(2025, 5, 6)) is True
