"""The leaders' dashboard on a 390 px phone at 100 % and 150 % text: the cards, the praise and naming lists,
the league tables by kind (read as cards, one per row), the definitions; and a drill-down link opens the
ticket search."""

from datetime import timedelta

import pytest

from civicgrid.assessment.models import AssessmentScheme
from tests.browser.layout import assert_fits_phone, set_text_size
from tests.console.test_dashboard import close_with_callback
from tests.tickets.conftest import local, world  # noqa: F401
from tests.tickets.helpers import register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

T0 = local(2026, 6, 1, 9)
JUNE = "/console/dashboard/?period=custom&from=2026-06-01&to=2026-06-30"


@pytest.fixture(autouse=True)
def _test_categories(settings):
    settings.CIVICGRID_CATEGORY_VERSION = "test"


@pytest.fixture
def june(world):  # noqa: F811
    for day in range(6):
        at = T0 + timedelta(days=day)
        close_with_callback(world, register(world, at), at, "worker1")
    close_with_callback(
        world,
        register(world, T0, category="property"),
        T0,
        "zjj",
        solved="unsolved",
        satisfaction="unsatisfied",
    )
    register(world, T0 + timedelta(days=3), category=None)  # not dispatched yet
    AssessmentScheme.objects.update(naming_min_rated=1)


@pytest.mark.parametrize("by", ["unit", "grid"])
def test_the_dashboard_fits_a_phone(phone, june, by):
    phone.login("leader")
    page = phone.open(f"{JUNE}&by={by}")
    page.wait_for_selector("body[data-charts=settled]")
    assert page.locator("#chart-map canvas").count() == 1  # drawn, not a message in its place
    assert "未计入" in page.content() or by == "grid"
    assert_fits_phone(page)
    set_text_size(page, 150)
    assert_fits_phone(page)
    phone.shot(f"phone-dashboard-{by}")


def test_a_name_in_the_league_opens_its_tickets(phone, june):
    phone.login("leader")
    page = phone.open(f"{JUNE}&by=unit")
    page.click("#league-grid_team tbody a >> text=银海第1网格工作组")
    page.wait_for_url("**/console/tickets/**")
    assert "on=received" in page.url and "from=2026-06-01" in page.url and "unit=" in page.url


def test_the_full_league_page_fits_a_phone(phone, june):
    phone.login("leader")
    page = phone.open(JUNE.replace("/dashboard/?", "/dashboard/league/?") + "&by=unit&table=grid_team")
    page.wait_for_selector("#league-grid_team")
    assert "完整排名" in page.content() and "返回领导看板" in page.content()
    assert_fits_phone(page)
    set_text_size(page, 150)
    assert_fits_phone(page)
    phone.shot("phone-dashboard-league")
