"""The village service catalogue on a 390 px phone at 100 % and 150 % text: the chooser, the village's lists with
its ladder, an item's 操作手册; and the community worker's editor pages."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from civicgrid.catalogue import services
from civicgrid.catalogue.models import ListKind
from civicgrid.core.actors import SYSTEM
from civicgrid.registry.models import AdminArea, Role, Staff, Unit
from civicgrid.sla.models import EscalationLadder, EscalationLevel
from tests.browser.layout import assert_fits_phone, set_text_size

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def world(db):
    city = AdminArea.objects.create(code="469099", name="琼台市", level="city")
    town = AdminArea.objects.create(code="469099100", name="博鳌镇", level="town", parent=city)
    village = AdminArea.objects.create(code="469099100001", name="沙美村", level="village", parent=town)
    unit = Unit.objects.create(
        code="C1", name="沙美村民委员会", kind=Unit.Kind.COMMUNITY, area=village, phone="0898-62771234"
    )
    user = get_user_model().objects.create_user("cun", password="x-long-password-1")
    staff = Staff.objects.create(user=user, name="村干部")
    staff.roles.add(Role.objects.get(code=Role.UNIT_HANDLER))
    staff.units.add(unit)
    draft = services.draft_for(actor=SYSTEM, area=village)
    for kind, name in (
        (ListKind.DUTY, "农村宅基地建房申请及村民小组讨论公示"),
        (ListKind.ASSIST, "城乡居民基本医疗保险参保缴费（新农合）"),
        (ListKind.KEY_WORK, "红树林保护巡护和人居环境整治"),
    ):
        services.item_save(
            actor=SYSTEM,
            catalogue=draft,
            list_kind=kind,
            name=name,
            unit=unit,
            post="村委会文书",
            office_hours="工作日 8:00-12:00，14:30-17:30",
            materials="身份证\n户口簿\n宅基地申请表（一式三份）",
            steps="提交申请\n村民小组讨论\n村委会审查并公示七天\n报乡镇人民政府审批",
            time_limit=15,
            legal_basis="《中华人民共和国土地管理法》第六十二条",
        )
    published = services.publish(actor=SYSTEM, catalogue=draft, effective_from=date(2026, 1, 1))
    services.draft_for(actor=SYSTEM, area=village)
    ladder = EscalationLadder.objects.create(
        version="四级", name="沙美村四级化事法", area=village, effective_from=date(2020, 1, 1)
    )
    for order, name, kind in (
        (1, "户联系", "household_contact"),
        (2, "组协调", "villager_group"),
        (3, "村处理", "community"),
    ):
        EscalationLevel.objects.create(
            ladder=ladder, order=order, name=name, unit_kind=kind, limit=Decimal(order), limit_unit="d"
        )
    return village, published


def fits(page):
    assert_fits_phone(page)
    set_text_size(page, 150)
    assert_fits_phone(page)


def test_resident_catalogue_pages_fit_a_phone(phone, world):
    village, published = world
    fits(phone.open("/services/"))
    fits(phone.open("/services/?words=新农合"))
    page = phone.open(f"/services/{village.code}/")
    fits(page)
    phone.shot("phone-services-village")
    fits(phone.open(f"/services/item/{published.items.first().pk}/"))


def test_worker_catalogue_pages_fit_a_phone(phone, world):
    village, published = world
    phone.login("cun")
    draft = village.catalogues.get(published=False)
    item = draft.items.first()
    for path in (
        "/console/catalogue/",
        f"/console/catalogue/{draft.pk}/",
        f"/console/catalogue/{draft.pk}/publish/",
        f"/console/catalogue/items/{item.pk}/edit/",
        f"/console/catalogue/items/{item.pk}/delete/",
    ):
        fits(phone.open(path))
