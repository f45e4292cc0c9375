"""Issue 10 §4 and §5: the portal on a 390 px phone, at normal and 150 % text size and in 适老化 mode."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from civicgrid.tickets import services
from civicgrid.tickets.models import Attachment
from tests.browser.layout import assert_fits_phone, layout_offenders, set_text_size
from tests.tickets.conftest import world  # noqa: F401
from tests.tickets.helpers import lead_of, register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
PORTAL_PAGES = ["/", "/submit/", "/track/", "/signin/", "/points/card/"]


@pytest.fixture
def phone(chromium, live_server):
    context = chromium.new_context(
        locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.base = live_server.url
    yield page
    context.close()
    assert errors == []


@pytest.mark.parametrize("text_size", [100, 150])
@pytest.mark.parametrize("path", PORTAL_PAGES)
def test_the_portal_pages_fit_a_phone(phone, world, path, text_size):  # noqa: F811
    phone.goto(phone.base + path)
    if text_size != 100:
        set_text_size(phone, text_size)
    assert_fits_phone(phone)


@pytest.mark.parametrize("text_size", [100, 150])
def test_the_submit_page_with_its_errors_and_the_open_map_fits_a_phone(phone, world, text_size):  # noqa: F811
    phone.goto(phone.base + "/submit/")
    if text_size != 100:
        set_text_size(phone, text_size)
    phone.click("text=填写精确位置")
    phone.click("button.big-action:has-text('提交')")
    phone.wait_for_selector(".invalid-feedback")
    phone.click("text=填写精确位置")
    assert_fits_phone(phone)


def test_the_header_does_not_break_a_word_at_150_percent(phone, world):  # noqa: F811
    # Browser walk: 「查询进度」 wrapped as 「查 / 询进度」 at 150 % text size.
    phone.goto(phone.base + "/")
    set_text_size(phone, 150)
    heights = phone.eval_on_selector_all(".site-nav a", "links => links.map(a => a.getClientRects().length)")
    assert heights == [1] * len(heights) and len(heights) >= 3  # 我要反映, 查询进度, 我的诉求


def test_elder_mode_is_one_tap_and_still_fits(phone, world):  # noqa: F811
    phone.goto(phone.base + "/submit/")
    before = phone.eval_on_selector("body", "b => parseFloat(getComputedStyle(b).fontSize)")
    phone.click("#elder-toggle")
    phone.wait_for_selector("body.elder")
    after = phone.eval_on_selector("body", "b => parseFloat(getComputedStyle(b).fontSize)")
    assert after > before * 1.2
    assert not phone.is_visible("[name=category]")  # fewer choices
    for path in PORTAL_PAGES:
        phone.goto(phone.base + path)
        assert_fits_phone(phone)
        set_text_size(phone, 150)
        assert_fits_phone(phone)


def test_touch_targets_are_at_least_44_px(phone, world):  # noqa: F811
    phone.goto(phone.base + "/submit/")
    small = phone.evaluate(
        """() => [...document.querySelectorAll('main button, main select, main input:not([type=hidden]), main textarea')]
              .filter(el => el.getBoundingClientRect().width > 0)
              .map(el => [el.name || el.id || el.tagName, Math.round(el.closest('.form-check') ?
                          el.closest('.form-check').getBoundingClientRect().height : el.getBoundingClientRect().height)])
              .filter(([, h]) => h < 44)"""
    )
    assert small == []


class TestTheCheckItself:
    """The helper must catch what the issue forbids, so that a green run means something."""

    @pytest.fixture
    def blank(self, chromium):
        context = chromium.new_context(viewport=PHONE)
        yield context.new_page()
        context.close()

    def test_a_wide_table_in_a_scrolling_box_is_caught(self, blank):
        blank.set_content(
            "<div style='overflow-x:auto'><table><tr>"
            + "<td style='min-width:200px'>工单编号</td>" * 3
            + "</tr></table></div>"
        )
        assert any("超出屏幕" in o for o in layout_offenders(blank))

    def test_a_squeezed_cell_is_caught(self, blank):
        blank.set_content(
            "<table><tr><td style='width:10px;word-break:break-all'>主办单位名称</td></tr></table>"
        )
        assert any("不足两个字" in o for o in layout_offenders(blank))

    def test_a_menu_moved_off_screen_counts_as_visible(self, blank):
        blank.set_content("<nav style='position:absolute;left:-500px'><a href='#'>菜单</a></nav>")
        assert any("菜单" in o for o in layout_offenders(blank))

    def test_display_none_and_visibility_hidden_are_hidden(self, blank):
        blank.set_content(
            "<nav style='display:none'><a href='#' style='margin-left:900px'>菜单</a></nav>"
            "<nav style='visibility:hidden;position:absolute;left:-500px'><a href='#'>菜单</a></nav><p>好</p>"
        )
        assert layout_offenders(blank) == []


@pytest.mark.parametrize("text_size", [100, 150])
def test_the_status_page_with_reply_photos_and_rating_fits_a_phone(phone, world, text_size):  # noqa: F811
    ticket = register(world, None, category="property", content="楼上住户卫生间漏水到我家," * 20)
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"))
    lead = lead_of(ticket)
    zjj = world.user("zjj")
    services.assignment_sign(assignment=lead, actor=zjj)
    services.assignment_first_contact(assignment=lead, actor=zjj, method="phone")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    evidence = [
        services.attachment_add(
            ticket=ticket,
            actor=zjj,
            upload=SimpleUploadedFile(f"after-{i}.png", png),
            name=f"after-{i}.png",
            kind=Attachment.Kind.EVIDENCE,
        )
        for i in range(3)
    ]
    services.lead_reply(
        assignment=lead, actor=zjj, result_code="solved", text="已维修。" * 60, evidence=evidence
    )
    phone.goto(phone.base + "/track/")
    phone.fill("[name=number]", ticket.number)
    phone.fill("[name=code]", ticket.query_code)
    phone.click("button.btn-danger:has-text('查询')")
    phone.wait_for_selector("#own-text")
    assert phone.locator("img.evidence-photo").count() == 3
    if text_size != 100:
        set_text_size(phone, text_size)
    assert_fits_phone(phone)
