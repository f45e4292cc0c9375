from decimal import Decimal

from civicgrid.volunteering.hours import capped_span, service_hours
from tests.volunteering.factories import at

START, END = at("2026-06-06 09:00"), at("2026-06-06 12:00")


def test_actual_time_within_the_schedule():
    assert service_hours(at("2026-06-06 09:10"), at("2026-06-06 11:40"), START, END) == Decimal("2.50")


def test_early_check_in_and_late_check_out_are_capped_at_the_schedule():
    assert service_hours(at("2026-06-06 08:00"), at("2026-06-06 15:00"), START, END) == Decimal("3.00")
    assert capped_span(at("2026-06-06 08:00"), at("2026-06-06 15:00"), START, END) == (START, END)


def test_travel_is_deducted_and_never_below_zero():
    assert service_hours(START, END, START, END, travel_minutes=30) == Decimal("2.50")
    assert service_hours(START, at("2026-06-06 09:20"), START, END, travel_minutes=30) == Decimal("0.00")


def test_rounding_to_two_places():
    assert service_hours(START, at("2026-06-06 09:20"), START, END) == Decimal("0.33")


def test_check_in_after_the_end_counts_nothing():
    assert service_hours(at("2026-06-06 12:30"), at("2026-06-06 13:00"), START, END) == Decimal("0.00")
