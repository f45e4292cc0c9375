"""社区工作者的积分工作: review queue, claim on behalf, redemption desk with confirmation, accounts and export."""

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse

from civicgrid.core.models import AuditEvent
from civicgrid.points import services
from civicgrid.points.models import PointsEntry, Redemption
from civicgrid.registry.models import Role, Staff, Unit
from tests.points.conftest import World, at

pytestmark = pytest.mark.django_db


def _worker(username, role, unit):
    user = get_user_model().objects.create_user(username, password="pw")
    staff = Staff.objects.create(user=user, name=username)
    staff.roles.add(Role.objects.get(code=role))
    staff.units.add(unit)
    return user


@pytest.fixture
def world(db):
    with time_machine.travel(at(2026, 3, 10), tick=False):
        w = World()
        unit = Unit.objects.create(code="SQ1", name="椰林社区居委会", kind=Unit.Kind.COMMUNITY, area=w.area)
        w.worker = _worker("sq", Role.UNIT_HANDLER, unit)
        dept = Unit.objects.create(code="D1", name="住建局", kind=Unit.Kind.DEPARTMENT, area=w.area)
        w.outsider = _worker("zjj", Role.UNIT_HANDLER, dept)
        yield w


def test_claim_review_publicise_reject_through_the_queue(client, world):
    client.force_login(world.worker)
    with time_machine.travel(at(2026, 3, 10), tick=False):
        response = client.post(
            reverse("console:points_claim"),
            {"account": world.account.pk, "rule": world.rules["P02"].pk, "quantity": "1",
             "occurred_on": "2026-03-09", "evidence": "照片"},
        )
        assert response.status_code == 302
        entry = PointsEntry.objects.get()
        page = client.get(reverse("console:points_queue")).content.decode()
        assert "王*明" in page and "王小明" not in page and "参加环境卫生整治" in page
        act = reverse("console:points_queue_action", args=[entry.pk])
        client.post(act, {"action": "review"})
        client.post(act, {"action": "publicise"})
        response = client.post(act, {"action": "post"}, HTTP_REFERER=reverse("console:points_queue"))
        entry.refresh_from_db()
        assert entry.state == "publicised"  # the window has not passed: refused with a message
    with time_machine.travel(at(2026, 3, 14), tick=False):
        client.post(act, {"action": "post"})
        entry.refresh_from_db()
        assert entry.state == "posted"
        other = services.claim(account=world.account, rule=world.rules["P04"])
        client.post(reverse("console:points_queue_action", args=[other.pk]), {"action": "reject", "reason": "无凭证"})
        other.refresh_from_db()
        assert other.state == "rejected" and other.reject_reason == "无凭证"


def test_outsider_sees_nothing(client, world):
    entry = services.claim(account=world.account, rule=world.rules["P04"], now=at(2026, 3, 10))
    client.force_login(world.outsider)
    assert "王*明" not in client.get(reverse("console:points_queue")).content.decode()
    response = client.post(reverse("console:points_queue_action", args=[entry.pk]), {"action": "review"})
    assert response.status_code == 404


def test_desk_fulfils_after_confirmation(client, world):
    with time_machine.travel(at(2026, 3, 10), tick=False):
        world.earned(world.account, now=at(2026, 3, 2))
        item = services.add_item(area=world.area, name="大米", cost=5, stock=2)
        redemption = services.redeem(account=world.account, item=item)
        client.force_login(world.worker)
        page = client.get(reverse("console:points_desk"), {"code": redemption.pickup_code}).content.decode()
        assert "大米" in page and "办理领取" in page
        url = reverse("console:points_desk_confirm", args=[redemption.pk, "fulfil"])
        assert "确认领取" in client.get(url).content.decode()
        client.post(url, {})  # without the confirmation nothing happens
        assert Redemption.objects.get().state == "reserved"
        client.post(url, {"confirmed": "1"})
        assert Redemption.objects.get().state == "fulfilled"
        missing = client.get(reverse("console:points_desk"), {"code": "00000000"}).content.decode()
        assert "没有这个领取码" in missing


def test_accounts_search_and_export(client, world):
    client.force_login(world.worker)
    page = client.get(reverse("console:points_accounts"), {"q": "0001"}).content.decode()
    assert "王*明" in page and "138****0001" in page
    response = client.get(reverse("console:points_accounts_export"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEvent.objects.filter(action="export.points_accounts").exists()
