"""Small builders for workcal tests."""

from datetime import date, datetime, timedelta

from django.utils import timezone

from civicgrid.workcal import calendar
from civicgrid.workcal.models import Source, WorkDay


def local(*args) -> datetime:
    """An aware datetime in the project's time zone (Asia/Shanghai)."""
    return datetime(*args, tzinfo=timezone.get_default_timezone())


def holiday_cn_2027() -> dict:
    """A small, made-up holiday-cn document for 2027 (not the State Council's real arrangement)."""
    days = [("元旦", "2027-01-01", True), ("春节", "2027-02-06", False)]
    days += [("春节", f"2027-02-{d:02d}", True) for d in range(7, 14)]
    days += [("春节", "2027-02-20", False)]
    return {
        "year": 2027,
        "papers": [],
        "days": [{"name": n, "date": d, "isOffDay": off} for n, d, off in days],
    }


def fill_year(year: int) -> None:
    """Plain weekday/weekend rows for a whole year, unconfirmed, as if typed in by hand."""
    first = date(year, 1, 1)
    days = [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]
    WorkDay.objects.bulk_create(
        WorkDay(date=d, is_workday=d.weekday() < 5, source=Source.MANUAL, confirmed=False) for d in days
    )
    calendar.invalidate()
