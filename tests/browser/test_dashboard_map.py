"""The dashboard map: a click on a grid's polygon opens the ticket search for that grid and the period."""

import pytest
from shapely.geometry import shape

from tests.browser.test_dashboard_phone import JUNE, _test_categories, june  # noqa: F401
from tests.tickets.conftest import world  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CHART = "echarts.getInstanceByDom(document.getElementById('chart-map'))"


def test_a_click_on_a_grid_opens_its_tickets(tab, june, world):  # noqa: F811
    tab.login("leader")
    page = tab.open(JUNE)
    page.wait_for_function(f"() => window.echarts && {CHART} && {CHART}.getOption().series.length > 0")
    page.locator("#chart-map").scroll_into_view_if_needed()
    page.wait_for_timeout(500)  # the map's first drawing animates
    grid = world.grids[1]
    point = shape(grid.geometry).representative_point()
    x, y = page.evaluate(f"(p) => {CHART}.convertToPixel({{seriesIndex: 0}}, p)", [point.x, point.y])
    box = page.locator("#chart-map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url("**/console/tickets/**")
    assert f"grid={grid.pk}" in page.url
    assert "on=received" in page.url and "from=2026-06-01" in page.url and "to=2026-06-30" in page.url
    assert "银海第2网格" in page.content() or page.locator("table, .card").count() > 0
