"""微心愿 in the portal: a resident posts and confirms (signed in as in 我的诉求); a member claims."""

import time

import pytest

from civicgrid.core.actors import SYSTEM
from civicgrid.engagement import services
from civicgrid.engagement.models import MicroWish
from civicgrid.portal.signin import SESSION_KEY
from tests.engagement.conftest import in_service, world  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
PHONE = "13800138000"


def sign_in(client, phone):
    session = client.session
    session[SESSION_KEY] = {"phone": phone, "until": time.time() + 600}
    session.save()


def test_resident_posts_and_confirms(world, client):  # noqa: F811
    assert client.get("/wishes/")["Location"] == "/signin/?next=%2Fwishes%2F"  # not signed in
    sign_in(client, PHONE)
    client.post("/wishes/", {"community": world["yinhai"].code, "title": "想要一副老花镜"})
    wish = MicroWish.objects.get()
    assert (wish.resident_phone, wish.source, wish.state) == (PHONE, "resident", "collected")
    m = in_service(world)
    services.wish_verify(actor=SYSTEM, wish=wish)
    services.wish_publish(actor=SYSTEM, wish=wish)
    services.wish_claim(actor=None, wish=wish, member=m)
    services.wish_fulfil(actor=SYSTEM, wish=wish, evidence="已送到")
    assert "确认心愿已实现" in client.get("/wishes/").content.decode()
    client.post(f"/wishes/{wish.pk}/confirm/")
    wish.refresh_from_db()
    assert wish.state == "confirmed"


def test_member_claims_on_the_phone(world, client):  # noqa: F811
    m = in_service(world, phone="13900139000")
    services.register_member(actor=SYSTEM, member=m, community=world["yinhai"])
    wish = services.wish_collect(actor=None, community=world["yinhai"], source="resident", title="修水龙头")
    services.wish_verify(actor=SYSTEM, wish=wish)
    services.wish_publish(actor=SYSTEM, wish=wish)
    sign_in(client, "13900139000")
    assert "修水龙头" in client.get("/party/wishes/").content.decode()
    client.post(f"/party/wishes/{wish.pk}/claim/")
    assert wish.claims.get().member == m


def test_member_reports_fulfils_and_pledges_on_the_phone(world, client):  # noqa: F811
    m = in_service(world, phone="13900139000")
    sign_in(client, "13900139000")
    page = client.get("/party/wishes/").content.decode()
    assert (
        "到居住地社区报到" in page and f'value="{world["yinhai"].code}" selected' in page
    )  # his grid's community
    refused = client.post("/party/register/", {"community": "999"}, follow=True).content.decode()
    assert "请选择居住地所在的村（社区）" in refused and not m.registrations.exists()
    client.post("/party/register/", {"community": world["yinhai"].code, "skills": "水电维修"})
    registration = m.registrations.get()
    assert (registration.community, registration.skills, registration.state) == (
        world["yinhai"],
        "水电维修",
        "registered",
    )
    assert "到居住地社区报到" not in client.get("/party/wishes/").content.decode()

    wish = services.wish_collect(actor=None, community=world["yinhai"], source="resident", title="修水龙头")
    services.wish_verify(actor=SYSTEM, wish=wish)
    services.wish_publish(actor=SYSTEM, wish=wish)
    assert (
        client.post(f"/party/wishes/{wish.pk}/fulfil/", {"evidence": "修好了"}).status_code == 404
    )  # not his
    client.post(f"/party/wishes/{wish.pk}/claim/")
    empty = client.post(f"/party/wishes/{wish.pk}/fulfil/", {"evidence": " "}, follow=True).content.decode()
    assert "请填写实现情况" in empty
    client.post(f"/party/wishes/{wish.pk}/fulfil/", {"evidence": "修好了"})
    wish.refresh_from_db()
    assert (wish.state, wish.evidence) == ("fulfilled", "修好了")

    client.post("/party/commitments/", {"content": "每月参加一次楼道清洁"})
    assert m.commitments.get().content == "每月参加一次楼道清洁"
    assert "每月参加一次楼道清洁（已承诺）" in client.get("/party/wishes/").content.decode()


def test_a_member_not_in_service_is_not_asked_to_report(world, client):  # noqa: F811
    retired = in_service(world, phone="13900139001")
    retired.in_service = False
    retired.save(update_fields=["in_service"])
    sign_in(client, "13900139001")
    page = client.get("/party/wishes/").content.decode()
    assert "只有在职党员需要到居住地社区报到" in page and "提交报到" not in page
    refused = client.post(
        "/party/register/", {"community": world["yinhai"].code}, follow=True
    ).content.decode()
    assert "只有在职党员需要到居住地社区报到" in refused


def test_a_volunteer_claims_on_the_portal_and_the_worker_records_his_hours(world, client):  # noqa: F811
    import time_machine

    from civicgrid.volunteering.models import ServiceRecord
    from tests.engagement.conftest import moment
    from tests.volunteering.factories import volunteer

    with time_machine.travel(moment(2026, 4, 1), tick=False):
        v = volunteer(world["yinhai"], name="周志愿", phone="13700137000")
        wish = services.wish_collect(
            actor=None, community=world["yinhai"], source="resident", title="陪老人看病"
        )
        services.wish_verify(actor=SYSTEM, wish=wish)
        services.wish_publish(actor=SYSTEM, wish=wish)
        elsewhere = services.wish_collect(
            actor=None, community=world["jinhai"], source="resident", title="修门锁"
        )
        services.wish_verify(actor=SYSTEM, wish=elsewhere)
        services.wish_publish(actor=SYSTEM, wish=elsewhere)
    assert client.get("/volunteer/wishes/").status_code == 302  # not signed in
    sign_in(client, "13700137000")
    page = client.get("/volunteer/wishes/").content.decode()
    assert "陪老人看病" in page and "修门锁" not in page  # the community he serves only
    assert client.post(f"/volunteer/wishes/{elsewhere.pk}/claim/").status_code == 404
    client.post(f"/volunteer/wishes/{wish.pk}/claim/")
    assert wish.claims.get().volunteer == v
    assert "陪老人看病（已认领）" in client.get("/volunteer/wishes/").content.decode()

    client.force_login(world["worker"])
    url = f"/console/engagement/wishes/{wish.pk}/"
    with time_machine.travel(moment(2026, 4, 3, 16), tick=False):
        bad = client.post(url, {"action": "fulfil", "evidence": "已陪同", "hours": "abc"}, follow=True)
        assert "志愿者服务时长应为数字" in bad.content.decode()
        client.post(url, {"action": "fulfil", "evidence": "已陪同", "hours": "2.5"})
    record = wish.claims.get().service_record
    assert (record.volunteer, record.state, record.hours) == (v, ServiceRecord.State.PENDING, 2.5)
