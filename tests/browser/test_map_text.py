"""Register text in map tooltips is shown as text (red team L1: a grid named with HTML ran script on two maps)."""

from tests.tickets.conftest import world  # noqa: F401

PAYLOAD = '<img src=x onerror="window.__pwned=1">'


def _hover_grid_and_read_tooltip(page, box):
    page.wait_for_selector(f"{box} path.leaflet-interactive")
    page.locator(f"{box} path.leaflet-interactive").first.hover(force=True)
    page.wait_for_selector(".leaflet-tooltip")
    page.wait_for_timeout(300)  # an <img> would have failed to load and fired by now
    return page.inner_text(".leaflet-tooltip")


def _rename(world):  # noqa: F811
    for grid in world.grids:
        grid.name = f"{grid.name}{PAYLOAD}"
        grid.save(update_fields=["name"])


def test_a_grid_named_with_html_runs_nothing_on_the_submit_map(tab, world):  # noqa: F811
    _rename(world)
    dialogs = []
    page = tab.page
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    tab.open("/submit/")
    page.click("summary")
    text = _hover_grid_and_read_tooltip(page, "#place-map")
    assert PAYLOAD in text  # shown literally, as the register holds it
    assert page.evaluate("window.__pwned") is None and dialogs == []
    assert page.locator(".leaflet-tooltip img").count() == 0


def test_a_grid_named_with_html_runs_nothing_on_the_intake_map(tab, world):  # noqa: F811
    _rename(world)
    page = tab.page
    tab.login("operator")
    tab.open("/console/intake/")
    text = _hover_grid_and_read_tooltip(page, "#intake-map")
    assert PAYLOAD in text
    assert page.evaluate("window.__pwned") is None
    assert page.locator(".leaflet-tooltip img").count() == 0
