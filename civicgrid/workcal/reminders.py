"""The year-end reminder: from a configured day, next year's calendar should be confirmed."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from civicgrid.workcal.calendar import unconfirmed_years


@dataclass(frozen=True)
class Reminder:
    year: int

    @property
    def import_command(self) -> str:
        return f"civicgrid workdays import {self.year}.json"

    @property
    def confirm_command(self) -> str:
        return f"civicgrid workdays confirm {self.year}"


def remind_from(year: int) -> date:
    """The day of `year` from which to remind (settings.CIVICGRID_WORKCAL_REMIND_FROM, MM-DD)."""
    text = settings.CIVICGRID_WORKCAL_REMIND_FROM
    try:
        month, day = (int(part) for part in text.split("-"))
        return date(year, month, day)
    except ValueError:
        raise ImproperlyConfigured(
            f"CIVICGRID_WORKCAL_REMIND_FROM should be MM-DD, e.g. 11-01, not {text!r}"
        ) from None


def calendar_reminder(today: date) -> Reminder | None:
    """Next year's reminder when `today` is on or after the reminder day and that year is unconfirmed."""
    if today < remind_from(today.year) or not unconfirmed_years(
        date(today.year + 1, 1, 1), date(today.year + 1, 1, 1)
    ):
        return None
    return Reminder(today.year + 1)
