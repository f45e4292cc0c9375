"""Bounds on what people type, shared by every form and query parameter of the interfaces.

A number or a date the database cannot hold is refused (or ignored, for a filter) before it reaches a query.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError

from civicgrid.core.refusal import Refusal

# The largest primary key a BigAutoField holds (PostgreSQL bigint, SQLite INTEGER).
MAX_ID = 2**63 - 1
# The range of dates a form or filter accepts: wide enough for any record of the hotline, narrow enough
# that a day's start and end stay inside what datetime and the databases hold in every time zone.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)
DATE_RANGE_TEXT = f"{EARLIEST_DATE.year} 年至 {LATEST_DATE.year} 年"


def parse_id(value) -> int | None:
    """A row id from a query parameter or form value, or None when it is not one."""
    text = str(value if value is not None else "").strip()
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def parse_count(value, default: int = 0) -> int:
    """A whole number a person typed (a count, a year, a row id in a form), at most 9 digits, else `default`."""
    text = str(value if value is not None else "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else default


def parse_day(value, label: str, *, required: bool = True) -> date | None:
    """A date a person typed (年-月-日) in the accepted range; a refusal naming the field otherwise."""
    text = str(value if value is not None else "").strip()
    if not text and not required:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Refusal(f"请填写{label}（年-月-日）") from None
    if not date_in_range(day):
        raise Refusal(f"{label}须在 {DATE_RANGE_TEXT}之间")
    return day


def date_in_range(value: date) -> bool:
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST_DATE <= day <= LATEST_DATE


def validate_date_in_range(value: date) -> None:
    """Validator for date and date-time form fields."""
    if not date_in_range(value):
        raise ValidationError(f"日期须在 {DATE_RANGE_TEXT}之间", code="date_range")
