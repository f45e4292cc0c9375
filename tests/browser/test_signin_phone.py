"""One sign-in on a 390 px phone: a resident who made a request, is a party member, a volunteer and holds a points
account signs in once and opens 我的诉求, 我的组织, 志愿服务 and 我的积分 without signing in again; every page fits
at 100 % and 150 % text; one 退出 closes them all."""

import pytest
from django.utils import timezone

from civicgrid.registry.models import AdminArea
from tests.browser.layout import assert_fits_phone, set_text_size
from tests.party.factories import member, org
from tests.points.conftest import World as PointsWorld
from tests.portal.test_mine import codes_sent
from tests.tickets.conftest import world  # noqa: F401
from tests.tickets.helpers import register
from tests.volunteering.factories import volunteer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
NUMBER = "13912346666"


@pytest.fixture
def everything(world):  # noqa: F811
    community = AdminArea.objects.get(code="469002100001")
    ticket = register(world, None, title="楼上漏水", requester_phone=NUMBER)
    member(
        org("A", community, name="嘉积镇银海社区第一网格新民椰城花园小区联合党支部"),
        name="李小党",
        phone=NUMBER,
    )
    v = volunteer(community, name="欧阳晓明华", phone=NUMBER, today=timezone.localdate())
    PointsWorld().open("欧阳晓明华", NUMBER)
    return ticket, v


def fits(page):
    assert_fits_phone(page)
    set_text_size(page, 150)
    assert_fits_phone(page)
    set_text_size(page, 100)


def test_one_sign_in_opens_all_four_sections_on_a_phone(phone, everything):
    ticket, v = everything
    page = phone.open("/party/")
    assert "一个手机号码登录一次" in page.content()
    fits(page)
    phone.shot("phone-signin")
    page.fill("#id_phone", NUMBER)
    page.click("button[type=submit]")
    page.wait_for_selector("#id_code")
    fits(page)
    page.fill("#id_code", codes_sent(NUMBER)[-1])
    page.click("button[type=submit]")
    page.wait_for_selector("text=我的组织生活")
    fits(page)
    for path, shows in (
        ("/mine/", ticket.number),
        ("/volunteer/", v.number),
        ("/points/", "椰林社区"),
        ("/party/wishes/", "我的双报到任务"),
        ("/volunteer/wishes/", "认领微心愿"),
        ("/party/", "联合党支部"),  # last: its 退出 signs out of everything below
    ):
        page = phone.open(path)
        assert shows in page.content() and "获取短信验证码" not in page.content(), path
        fits(page)
    assert len(codes_sent(NUMBER)) == 1
    phone.shot("phone-signin-party")
    page.click("button[type=submit]:has-text('退出')")
    page.wait_for_selector("text=获取短信验证码")
    for path in ("/mine/", "/volunteer/", "/points/"):
        assert "获取短信验证码" in phone.open(path).content()
