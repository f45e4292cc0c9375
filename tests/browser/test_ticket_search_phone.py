"""The ticket search on a 390 px phone: its filter form (opened) and the active filters fit the screen at
100 % and 150 % text, and choosing a unit and a period narrows the list, with a way back (清除筛选)."""

import pytest

from civicgrid.tickets import services
from tests.browser.conftest import Page
from tests.browser.layout import PHONE, assert_fits_phone, set_text_size
from tests.tickets.conftest import local, world  # noqa: F401
from tests.tickets.helpers import register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

T0 = local(2026, 6, 1, 9)


@pytest.fixture(autouse=True)
def _test_categories(settings):
    settings.CIVICGRID_CATEGORY_VERSION = "test"


@pytest.fixture
def phone(chromium, live_server):
    context = chromium.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = Page(context.new_page(), live_server.url)
    yield page
    context.close()
    assert page.errors == [], page.errors


def test_the_filter_form_fits_a_phone_and_narrows_the_list(phone, world):  # noqa: F811
    housing = register(world, T0, category="property", title="小区电梯长期故障")
    services.ticket_dispatch(ticket=housing, actor=world.user("dispatcher"), at=T0)
    register(world, T0, category="noise", title="工地夜间施工噪音")
    phone.login("leader")
    phone.open("/console/tickets/")
    page = phone.page
    page.click("summary:has-text('更多筛选条件')")
    assert_fits_phone(page)
    page.select_option("#f-unit", str(world.units["zjj"].pk))
    page.fill("#f-from", "2026-06-01")
    page.fill("#f-to", "2026-06-30")
    page.click("button:has-text('查询')")
    page.wait_for_selector("[data-testid=active-filters]")
    assert "主办单位：住建局" in page.inner_text("[data-testid=active-filters]")
    body = page.inner_text("main") if page.query_selector("main") else page.inner_text("body")
    assert "小区电梯长期故障" in body and "工地夜间施工噪音" not in body
    assert_fits_phone(page)
    set_text_size(page, 150)
    assert_fits_phone(page)
    phone.shot("phone-ticket-search-filters")
    page.click("a:has-text('清除筛选')")
    page.wait_for_selector("text=工地夜间施工噪音")
