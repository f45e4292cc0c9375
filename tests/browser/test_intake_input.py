"""Operator intake in Chromium: look-ups fire on `input` (paste, IME commit), debounced to one request.

The walk: typing the address with insertText (as an IME commit or a mouse paste does) left the location
panel empty, because the panels listened to `keyup` only.
"""

from datetime import timedelta

from django.utils import timezone

from civicgrid.registry import locate
from civicgrid.registry import services as registry
from tests.tickets.conftest import world  # noqa: F401
from tests.tickets.helpers import register

ESTATE = "新民椰城花园小区"


def requests_to(page, path: str) -> list:
    seen = []
    page.on("request", lambda r: path in r.url and seen.append(r.url))
    return seen


def paste(page, selector: str, text: str):
    """What a paste does to a field: the value changes and one `input` event fires; no key is pressed."""
    page.eval_on_selector(
        selector,
        """(el, text) => {
            el.focus();
            el.value = text;
            el.dispatchEvent(new InputEvent("input", {bubbles: true, inputType: "insertFromPaste", data: text}));
        }""",
        text,
    )


def test_a_pasted_or_ime_committed_address_is_located_once(tab, world):  # noqa: F811
    registry.place_upsert(name=ESTATE, lat=19.205, lon=110.405, grid=world.grids[0])
    locate.invalidate()
    page = tab.page
    tab.login("operator")
    tab.open("/console/intake/")
    located = requests_to(page, "/console/intake/locate/")
    page.focus("#id_address")
    # Three IME commits in quick succession: no key events at all, only `input`.
    for part in ("新民", "椰城", "花园小区"):
        page.keyboard.insert_text(part)
    page.wait_for_selector(f"#locate-panel >> text=地址匹配「{ESTATE}」")
    page.wait_for_timeout(800)  # longer than the delay: a second request would have gone by now
    assert len(located) == 1, located
    assert page.input_value("#id_lat") != ""  # the trusted place's point is what gets registered
    paste(page, "#id_address", "海湾大道")
    page.wait_for_selector("#locate-panel >> text=未匹配到地名")
    assert len(located) == 2
    tab.shot("intake-address-pasted")


def test_pasted_text_checks_duplicates_and_a_pasted_phone_shows_the_callers_history(tab, world):  # noqa: F811
    earlier = register(world, timezone.now() - timedelta(days=2), requester_phone="13812345678")
    page = tab.page
    tab.login("operator")
    tab.open("/console/intake/")
    searched = requests_to(page, "/console/intake/duplicates/")
    paste(page, "#id_title", "楼上漏水")
    paste(page, "#id_content", "楼上住户卫生间漏水到我家,多次沟通无果。")
    page.wait_for_selector(f"#dup-panel >> text={earlier.number}")
    page.wait_for_timeout(800)
    assert len(searched) == 1, searched  # two pastes within the delay: one search
    paste(page, "#id_requester_phone", "13812345678")
    page.wait_for_selector("[data-testid=caller-history] >> text=该号码共有 1 件工单")
    assert earlier.number in page.inner_text("#caller-panel")
    tab.shot("intake-caller-history")


def test_a_web_ticket_is_located_and_recategorised_from_its_dispatch_page(tab, world, settings):  # noqa: F811
    settings.CIVICGRID_CATEGORY_VERSION = "test"
    registry.place_upsert(name=ESTATE, lat=19.205, lon=110.415, grid=world.grids[1])
    locate.invalidate()
    ticket = register(
        world, timezone.now(), category="property", channel="web", actor=None, lat=None, lon=None
    )
    page = tab.page
    tab.login("dispatcher")
    tab.open(f"/console/dispatch/{ticket.pk}/")
    assert page.is_visible("#correct_address")  # open: the ticket has no grid
    page.focus("#correct_address")
    page.keyboard.insert_text(ESTATE)
    page.wait_for_selector(f"#locate-panel >> text=地址匹配「{ESTATE}」")
    page.select_option("#correct_category", str(world.categories["neighbour"].pk))
    page.click("text=保存更正")
    page.wait_for_selector("text=新的派单建议：直派网格：银海第2网格工作组")
    tab.shot("dispatch-corrected")
    ticket.refresh_from_db()
    assert ticket.grid == world.grids[1] and ticket.address == ESTATE
    assert ticket.category == world.categories["neighbour"]
