"""The browser's clock agrees with Python's, moved by --clock or by a test's time_machine."""

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def far_year():
    with time_machine.travel(datetime(2031, 12, 28, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True):
        yield


def test_the_page_clock_starts_at_pythons_and_runs_on(far_year, tab):
    page = tab.open("/accounts/login/")
    assert page.evaluate("new Date().getFullYear()") == 2031
    first = page.evaluate("Date.now()") / 1000
    assert abs(first - time.time()) < 60
    page.wait_for_timeout(300)
    assert page.evaluate("Date.now()") / 1000 > first
