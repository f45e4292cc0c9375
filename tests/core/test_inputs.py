"""What people type into the console's forms: counts and dates, bounded before they reach a query."""

from datetime import date

import pytest

from civicgrid.core.inputs import parse_count, parse_day, parse_id
from civicgrid.core.refusal import Refusal


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("12", 12), (" 7 ", 7), ("0", 0), ("", 0), (None, 0), ("-3", 0), ("1.5", 0), ("１２", 0), ("1" * 10, 0)],
)
def test_a_count_is_a_small_whole_number_or_the_default(typed, expected):
    assert parse_count(typed) == expected


def test_a_count_falls_back_to_the_callers_default():
    assert parse_count("abc", 2026) == 2026


def test_a_day_is_read_in_range_or_refused_by_name():
    assert parse_day("2026-12-31", "时限") == date(2026, 12, 31)
    assert parse_day(" ", "时限", required=False) is None
    with pytest.raises(Refusal, match="请填写时限（年-月-日）"):
        parse_day("2026/12/31", "时限")
    with pytest.raises(Refusal, match="请填写签订日期"):
        parse_day("", "签订日期")
    with pytest.raises(Refusal, match="回访日期须在 2000 年至 2099 年之间"):
        parse_day("1999-12-31", "回访日期")


def test_an_id_is_positive_and_fits_a_bigint():
    assert parse_id("42") == 42 and parse_id("0") is None and parse_id(str(2**63)) is None
