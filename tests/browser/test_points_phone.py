"""Credit points on a 390 px phone at 100 % and 150 % text: the resident's 我的积分, the confirmation and the
ranking; the worker's review queue, redemption desk and account list."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from civicgrid.points import services
from civicgrid.registry.models import Role, Staff, Unit
from tests.browser.layout import assert_fits_phone, set_text_size
from tests.points.conftest import World
from tests.portal.test_mine import codes_sent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE_NO = "13800000001"


@pytest.fixture
def world(db):
    past = timezone.now() - timedelta(days=10)
    w = World()
    w.scheme.effective_from = past.date() - timedelta(days=400)
    w.scheme.save()
    w.account.holder_name = "欧阳晓明华"
    w.account.save()
    w.earned(w.account, now=past)
    w.earned(w.account, points_rule="P01", quantity=10, now=past)
    services.claim(
        account=w.account, rule=w.rules["P02"], evidence="椰林社区环境卫生整治活动签到表和现场照片三张"
    )
    w.item = services.add_item(
        area=w.area,
        name="金龙鱼食用调和油五升装（限每户一桶）",
        cost=8,
        stock=3,
        merchant_name="椰林社区爱心超市",
    )
    w.redemption = services.redeem(account=w.account, item=w.item)
    unit = Unit.objects.create(code="SQ1", name="椰林社区居委会", kind=Unit.Kind.COMMUNITY, area=w.area)
    user = get_user_model().objects.create_user("sq", password="x-long-password-1")
    staff = Staff.objects.create(user=user, name="社区干部")
    staff.roles.add(Role.objects.get(code=Role.UNIT_HANDLER))
    staff.units.add(unit)
    return w


def fits(page):
    assert_fits_phone(page)
    set_text_size(page, 150)
    assert_fits_phone(page)


def test_resident_points_pages_fit_a_phone(phone, world):
    page = phone.open("/points/")
    fits(page)
    page = phone.open("/points/")
    page.fill("#id_phone", PHONE_NO)
    page.click("button[type=submit]")
    page.wait_for_selector("#id_code")
    page.fill("#id_code", codes_sent(PHONE_NO)[-1])
    page.click("button[type=submit]")
    page.wait_for_selector("text=积分明细")
    fits(page)
    phone.shot("phone-points-mine")
    fits(phone.open(f"/points/redeem/{world.item.pk}/"))
    fits(phone.open(f"/points/ranking/{world.area.code}/"))


def test_worker_points_pages_fit_a_phone(phone, world):
    phone.login("sq")
    for path in (
        "/console/points/",
        f"/console/points/desk/?code={world.redemption.pickup_code}",
        f"/console/points/desk/{world.redemption.pk}/cancel/",
        "/console/points/accounts/",
        f"/console/points/claim/?account={world.account.pk}",
    ):
        page = phone.open(path)
        fits(page)
        phone.shot("phone-points-" + path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-"))
