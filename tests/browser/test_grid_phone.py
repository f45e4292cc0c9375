"""The grid worker on a 390 px phone: his pages fit the screen at 100 % and 150 % text, and a patrol report
made without signal is kept on the phone and arrives exactly once when the signal comes back."""

import pytest

from civicgrid.tickets import services
from civicgrid.tickets.models import Channel, PatrolReport, Ticket
from tests.browser.conftest import SCREENSHOTS, Page
from tests.browser.layout import PHONE, assert_fits_phone, set_text_size
from tests.tickets.conftest import local, world  # noqa: F401
from tests.tickets.helpers import lead_of, register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

T0 = local(2026, 6, 1, 9)
LONG_TITLE = "银海社区第1网格新民椰城花园小区3栋楼下化粪池满溢污水横流影响居民出行请尽快处理"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _test_categories(settings):
    settings.CIVICGRID_CATEGORY_VERSION = "test"


@pytest.fixture
def phone(chromium, live_server):
    context = chromium.new_context(
        locale="zh-CN",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        permissions=["geolocation"],
        geolocation={"latitude": 19.205, "longitude": 110.405},
    )
    page = Page(context.new_page(), live_server.url)
    yield page
    context.close()
    assert page.errors == [], page.errors


@pytest.fixture
def grid_work(world):  # noqa: F811
    """Work for the team of grid 1 (worker1's): one task to sign, one signed, with a resident's photo."""
    waiting = register(world, T0, title=LONG_TITLE, address="嘉积镇银海路12号新民椰城花园小区3栋2单元楼下")
    services.ticket_dispatch(ticket=waiting, actor=world.user("dispatcher"), at=T0)
    doing = register(world, T0, title="楼道灯坏了")
    services.ticket_dispatch(ticket=doing, actor=world.user("dispatcher"), at=T0)
    services.assignment_sign(assignment=lead_of(doing), actor=world.user("worker1"), at=T0)
    from django.core.files.base import ContentFile

    services.attachment_add(
        ticket=doing, actor=world.user("operator"), upload=ContentFile(PNG), name="现场.png", at=T0
    )
    return waiting, doing


PAGES = [
    ("home", "/console/"),
    ("inbox", "/console/inbox/"),
    ("inbox-doing", "/console/inbox/?tab=doing"),
    ("patrol", "/console/patrol/"),
    ("my-grid", "/console/my-grid/"),
]


def test_the_grid_workers_pages_fit_a_phone_at_normal_and_large_text(phone, world, grid_work):  # noqa: F811
    waiting, doing = grid_work
    phone.login("worker1")
    page = phone.page
    pages = [*PAGES, ("assignment", f"/console/assignment/{lead_of(doing).pk}/")]
    for name, path in pages:
        phone.open(path)
        assert_fits_phone(page)
        phone.shot(f"phone-{name}")
        set_text_size(page, 150)
        assert_fits_phone(page)
        phone.shot(f"phone-{name}-150")

    # Without a position fix the place can be tapped on a map of the grids.
    phone.open("/console/patrol/")
    page.click("#pick-on-map")
    page.wait_for_selector("#patrol-map .leaflet-interactive")
    box = page.locator("#patrol-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("text=已在地图上选定位置")
    assert page.input_value("[name=lat]") and page.input_value("[name=lon]")
    assert_fits_phone(page)

    # The inbox is cards with big buttons: sign from the card.
    phone.open("/console/inbox/")
    assert page.locator(f"text={LONG_TITLE}").locator("visible=true").count() == 1
    page.locator("button:has-text('签收')").locator("visible=true").first.click()
    page.wait_for_selector("text=已签收工单")
    # The assignment page calls the resident with one tap and opens the resident's photo.
    phone.open(f"/console/assignment/{lead_of(doing).pk}/")
    assert page.locator("a[href='tel:13812345678']").is_visible()
    photo = page.locator("a:has(img.thumb)")
    assert photo.count() == 1 and "/console/attachments/" in photo.get_attribute("href")


OTHER_LISTS = [
    ("dispatcher", "/console/tickets/"),
    ("dispatcher", "/console/dispatch/"),
    ("dispatcher", "/console/notifications/"),
    ("callback", "/console/callbacks/"),
    ("supervisor", "/console/supervision/"),
    ("zjj", "/console/inbox/?tab=doing"),
    ("operator", "/console/kb/"),
]


def test_other_console_lists_stay_readable_at_390px(phone, world, grid_work):  # noqa: F811
    property_matter = register(world, T0, category="property", title=LONG_TITLE)
    services.ticket_dispatch(ticket=property_matter, actor=world.user("dispatcher"), at=T0)
    services.assignment_sign(assignment=lead_of(property_matter), actor=world.user("zjj"), at=T0)
    for username, path in OTHER_LISTS:
        phone.logout()
        phone.login(username)
        phone.open(path)
        assert_fits_phone(phone.page)
        set_text_size(phone.page, 150)
        assert_fits_phone(phone.page)
        phone.shot("phone-list-" + path.strip("/").replace("/", "-").replace("?", "-"))


def test_a_patrol_report_made_offline_arrives_exactly_once(phone, world):  # noqa: F811
    page = phone.page
    phone.login("worker1")
    phone.open("/console/patrol/")
    page.evaluate("() => navigator.serviceWorker.ready")
    photo = SCREENSHOTS.parent / "patrol-photo.png"
    photo.parent.mkdir(parents=True, exist_ok=True)
    photo.write_bytes(PNG)

    page.context.set_offline(True)
    page.select_option("[name=category]", str(world.categories["property"].pk))
    page.fill("[name=text]", "银海路公交站旁井盖缺失，行人易跌落")
    page.click("#locate-me")
    page.wait_for_selector("text=已定位")
    page.set_input_files("[name=photos]", str(photo))
    page.click("button:has-text('提交上报')")
    page.wait_for_selector("text=有 1 条上报保存在手机上")
    assert_fits_phone(page)
    phone.shot("phone-patrol-offline")
    # Without signal the page also reopens from the service worker's cache, and the report is still queued.
    page.reload()
    page.wait_for_selector("text=有 1 条上报保存在手机上")
    assert PatrolReport.objects.count() == 0

    # A page reopened from the cache may hold a form token older than the last login: the queue asks for
    # a fresh one and sends again.
    page.evaluate("() => { document.querySelector('[name=csrfmiddlewaretoken]').value = 'stale'; }")
    page.context.set_offline(False)
    page.wait_for_selector("text=等待 12345 受理派单")
    page.wait_for_selector("#patrol-pending", state="hidden")
    phone.shot("phone-patrol-sent")
    # Going offline and online again, or reopening the page, sends nothing twice.
    page.context.set_offline(True)
    page.context.set_offline(False)
    phone.open("/console/patrol/")
    page.wait_for_timeout(300)
    report = PatrolReport.objects.get()
    ticket = Ticket.objects.get()
    assert report.ticket == ticket and ticket.channel == Channel.GRID_REPORT
    assert ticket.grid == world.grids[0] and ticket.attachments.count() == 1
    assert ticket.title == "银海路公交站旁井盖缺失，行人易跌落"


def test_a_refused_patrol_report_goes_back_into_the_form(phone, world):  # noqa: F811
    page = phone.page
    phone.login("worker1")
    phone.open("/console/patrol/")
    # A category withdrawn since the page was opened: the server refuses the report.
    page.evaluate(
        """() => { const s = document.querySelector('[name=category]');
                   s.add(new Option('已停用的分类', '999999')); s.value = '999999'; }"""
    )
    page.fill("[name=text]", "路灯不亮")
    page.fill("[name=address]", "银海路公交站")
    page.click("button:has-text('提交上报')")
    page.wait_for_selector("text=已放回表单")
    assert page.input_value("[name=text]") == "路灯不亮"
    assert page.input_value("[name=address]") == "银海路公交站"
    assert PatrolReport.objects.count() == 0
    # The browser logs the refusal's 400 answer itself; that one is expected here.
    phone.errors[:] = [e for e in phone.errors if "status of 400" not in e]
