import pytest

from civicgrid.workcal import calendar


@pytest.fixture(autouse=True)
def _fresh_calendar():
    # Each test's writes are rolled back without signals, so no snapshot may outlive a test.
    calendar.invalidate()
    yield
    calendar.invalidate()
