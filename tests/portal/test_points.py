"""我的积分 in the portal: sign in with the account's phone, see balance, rules, catalogue; redeem after confirming;
the public ranking only where the scheme publishes it, with masked names."""

import pytest
import time_machine
from django.urls import reverse

from civicgrid.points import services
from civicgrid.points.models import Redemption
from tests.points.conftest import World, at
from tests.portal.test_mine import codes_sent

pytestmark = pytest.mark.django_db
PHONE = "13800000001"


@pytest.fixture
def world(db):
    with time_machine.travel(at(2026, 3, 10), tick=False):
        w = World()
        w.earned(w.account, now=at(2026, 3, 2))
        w.item = services.add_item(area=w.area, name="洗衣液", cost=6, stock=1, merchant_name="椰林超市")
        yield w


def sign_in(client, phone=PHONE):
    here = reverse("portal:points_mine")
    client.post(reverse("portal:signin"), {"phone": phone, "next": here})
    response = client.post(
        reverse("portal:signin_verify"), {"phone": phone, "code": codes_sent(phone)[-1], "next": here}
    )
    assert response.status_code == 302 and response["Location"] == here
    return client


def test_resident_signs_in_sees_points_and_redeems_after_confirming(client, world):
    assert "获取短信验证码" in client.get(reverse("portal:points_mine")).content.decode()
    sign_in(client)
    page = client.get(reverse("portal:points_mine")).content.decode()
    assert "10 <span" in page and "见义勇为" in page and "洗衣液" in page and "椰林超市" in page
    url = reverse("portal:points_redeem", args=[world.item.pk])
    confirm = client.get(url).content.decode()
    assert "确认兑换" in confirm and Redemption.objects.count() == 0
    done = client.post(url, {"confirmed": "1", "account": world.account.pk}).content.decode()
    redemption = Redemption.objects.get()
    assert redemption.pickup_code in done and redemption.state == "reserved"
    again = client.post(url, {"confirmed": "1", "account": world.account.pk}, HTTP_REFERER=url)
    assert again.status_code in (302, 200)
    assert Redemption.objects.count() == 1


def test_no_code_for_a_phone_without_an_account(client, world):
    client.post(reverse("portal:points_code"), {"phone": "13900000000"})
    assert codes_sent("13900000000") == []


def test_the_old_sign_in_urls_still_sign_her_in(client, world):
    client.post(reverse("portal:points_code"), {"phone": PHONE})
    response = client.post(reverse("portal:points_verify"), {"phone": PHONE, "code": codes_sent(PHONE)[-1]})
    assert response["Location"] == reverse("portal:points_mine")
    assert "洗衣液" in client.get(reverse("portal:points_mine")).content.decode()


def test_someone_not_signed_in_cannot_redeem(client, world):
    response = client.post(reverse("portal:points_redeem", args=[world.item.pk]), {"confirmed": "1"})
    assert response.status_code == 302 and Redemption.objects.count() == 0


def test_public_ranking_masks_names_and_follows_the_scheme(client, world):
    url = reverse("portal:points_ranking", args=[world.area.code])
    with time_machine.travel(at(2026, 3, 20), tick=False):
        page = client.get(url).content.decode()
        assert "王*明" in page and "王小明" not in page
        world.scheme.public_ranking = False
        world.scheme.save()
        assert client.get(url).status_code == 404


def test_a_household_without_a_phone_looks_its_points_up_by_the_card(client, world):
    from civicgrid.core.models import AuditEvent
    from civicgrid.points.models import PointsAccount

    PointsAccount.objects.filter(pk=world.account.pk).update(
        holder_kind="household", household_code="3-501", phone=""
    )
    holder = PointsAccount.objects.get(pk=world.account.pk).holder_name
    services.redeem(account=world.account, item=world.item, quantity=1)
    url = reverse("portal:points_card")
    assert "户编号" in client.get(url).content.decode()
    card = {"village": world.area.code, "household": "3-501", "holder": holder}
    page = client.post(url, card).content.decode()
    assert "4 <span" in page and "洗衣液" in page and "凭积分卡到村（社区）兑换" in page  # 10 less 6 redeemed
    pickup = world.account.redemptions.get().pickup_code
    assert pickup not in page and "兑换</a>" not in page  # read only: no pick-up code, no redeem button
    assert AuditEvent.objects.filter(action="points.card_view", target_id=str(world.account.pk)).count() == 1
    wrong = client.post(url, {**card, "holder": "别人"}).content.decode()
    assert "户编号或户主姓名不正确" in wrong and "4 <span" not in wrong
    for _ in range(4):
        client.post(url, {**card, "household": "9-999"})
    locked = client.post(url, card)  # five wrong tries from this address: locked, even with the right card
    assert locked.status_code == 429 and "输错户编号" in locked.content.decode()
