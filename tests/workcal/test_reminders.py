from datetime import date

import pytest
from django.core.exceptions import ImproperlyConfigured

from civicgrid.workcal import services
from civicgrid.workcal.reminders import Reminder, calendar_reminder
from tests.workcal.factories import fill_year

pytestmark = pytest.mark.django_db


def test_from_the_first_of_november_next_year_is_due():
    assert calendar_reminder(date(2026, 10, 31)) is None
    assert calendar_reminder(date(2026, 11, 1)) == Reminder(2027)
    assert calendar_reminder(date(2026, 12, 28)) == Reminder(2027)


def test_a_confirmed_next_year_needs_no_reminder():
    fill_year(2027)
    services.confirm_year(year=2027, actor=None)
    assert calendar_reminder(date(2026, 12, 28)) is None
    assert calendar_reminder(date(2027, 11, 1)) == Reminder(2028)


def test_the_day_is_configurable(settings):
    settings.CIVICGRID_WORKCAL_REMIND_FROM = "12-15"
    assert calendar_reminder(date(2026, 12, 14)) is None
    assert calendar_reminder(date(2026, 12, 15)) == Reminder(2027)
    settings.CIVICGRID_WORKCAL_REMIND_FROM = "November"
    with pytest.raises(ImproperlyConfigured, match="MM-DD"):
        calendar_reminder(date(2026, 12, 15))


def test_it_names_the_commands():
    assert Reminder(2027).import_command == "civicgrid workdays import 2027.json"
    assert Reminder(2027).confirm_command == "civicgrid workdays confirm 2027"
