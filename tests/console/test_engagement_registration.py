"""双报到 console screens: finding an in-service member in the register by name or phone within scope, registering
a member (with grid and post) and an organisation, and the registration's page with commitments (承诺践诺)."""

import pytest
import time_machine

from civicgrid.engagement.models import Commitment, Registration
from civicgrid.registry.models import Role
from tests.engagement.conftest import in_service, moment, world  # noqa: F401  (fixture)
from tests.party.factories import org

pytestmark = pytest.mark.django_db

NEW = "/console/engagement/registrations/new/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(moment(2026, 7, 1), tick=False):
        yield


def test_worker_finds_a_member_masked_and_only_in_scope(world, client):  # noqa: F811
    in_service(world, name="王小明", phone="13800138000")
    in_service(world, name="王大明", grid=world["jh_grid"], phone="13900139000")  # lives in 金海社区
    client.force_login(world["worker"])
    for text in ("王", "8000", "138****8000"):
        page = client.get(NEW, {"q": text}).content.decode()
        assert "王*明" in page and "138****8000" in page and "王小明" not in page, text
        assert "139****9000" not in page, text
    assert "没有找到" in client.get(NEW, {"q": "9000"}).content.decode()


def test_worker_registers_a_member_with_a_grid_and_a_post(world, client):  # noqa: F811
    m = in_service(world, name="王小明")
    outside = in_service(world, name="李四海", grid=world["jh_grid"])
    client.force_login(world["worker"])
    data = {
        "member": m.pk,
        "community": world["yinhai"].pk,
        "grid": world["yh_grid"].pk,
        "post": "楼道长",
        "skills": "水电维修",
        "service_kinds": "助老",
    }
    response = client.post(NEW + "member/", data)
    reg = Registration.objects.get(member=m)
    assert (
        response.status_code == 302
        and response["Location"] == f"/console/engagement/registrations/{reg.pk}/page/"
    )
    assert (reg.community, reg.grid, reg.post, reg.skills) == (
        world["yinhai"],
        world["yh_grid"],
        "楼道长",
        "水电维修",
    )
    # Someone living elsewhere is not in this worker's register; a second registration is refused.
    client.post(NEW + "member/", {**data, "member": outside.pk}, HTTP_REFERER="http://testserver" + NEW)
    assert not Registration.objects.filter(member=outside).exists()
    response = client.post(NEW + "member/", data, HTTP_REFERER="http://testserver" + NEW, follow=True)
    assert "已有有效的报到登记" in response.content.decode()
    assert Registration.objects.filter(member=m).count() == 1


def test_worker_registers_an_organisation(world, client):  # noqa: F811
    client.force_login(world["worker"])
    page = client.get(NEW, {"oq": "TAX"}).content.decode()
    assert "TAX党组织" in page
    client.post(
        NEW + "org/",
        {
            "org": world["tax_org"].pk,
            "community": world["yinhai"].pk,
            "contact_name": "赵六",
            "contact_phone": "13700137000",
        },
    )
    reg = Registration.objects.get(org=world["tax_org"])
    assert reg.community == world["yinhai"] and reg.contact_phone == "13700137000"
    page = client.get(f"/console/engagement/registrations/{reg.pk}/page/").content.decode()
    assert "137****7000" in page and "13700137000" not in page


def test_an_organisation_elsewhere_is_not_offered(world, client):  # noqa: F811
    other = org("JH", world["jinhai"], name="金海社区党支部")
    client.force_login(world["worker"])
    assert "金海社区党支部" not in client.get(NEW, {"oq": "金海"}).content.decode()
    client.post(
        NEW + "org/",
        {"org": other.pk, "community": world["yinhai"].pk},
        HTTP_REFERER="http://testserver" + NEW,
    )
    assert not Registration.objects.exists()


def test_commitments_are_pledged_and_decided_on_the_registration_page(world, client):  # noqa: F811
    m = in_service(world, name="王小明")
    client.force_login(world["worker"])
    client.post(NEW + "member/", {"member": m.pk, "community": world["yinhai"].pk})
    reg = Registration.objects.get()
    url = f"/console/engagement/registrations/{reg.pk}/commitments/"
    client.post(url, {"action": "pledge", "content": "每月参加一次楼道清扫"})
    c = Commitment.objects.get()
    assert (c.member, c.year, c.state) == (m, 2026, "pledged")
    page = f"http://testserver/console/engagement/registrations/{reg.pk}/page/"
    response = client.post(
        url, {"action": "fulfilled", "commitment": c.pk, "evidence": ""}, HTTP_REFERER=page, follow=True
    )
    assert "请填写践诺情况或佐证" in response.content.decode()
    client.post(url, {"action": "fulfilled", "commitment": c.pk, "evidence": "清扫记录六次"})
    c.refresh_from_db()
    assert c.state == "fulfilled" and c.evidence == "清扫记录六次"
    html = client.get(page).content.decode()
    assert "每月参加一次楼道清扫" in html and "已践诺" in html and "王*明" in html
    # Another community's worker sees neither the page nor may act on it.
    client.force_login(world["outsider"])
    assert client.get(page).status_code == 404
    assert client.post(url, {"action": "pledge", "content": "x"}).status_code == 404


def test_the_member_sees_his_commitments_on_his_page(world, client):  # noqa: F811
    from tests.party.factories import staff

    user = staff("m1", [Role.GRID_WORKER])
    m = in_service(world, name="王小明")
    m.user = user
    m.save()
    client.force_login(world["worker"])
    client.post(NEW + "member/", {"member": m.pk, "community": world["yinhai"].pk})
    reg = Registration.objects.get()
    client.post(
        f"/console/engagement/registrations/{reg.pk}/commitments/",
        {"action": "pledge", "content": "每月参加一次楼道清扫"},
    )
    client.force_login(user)
    page = client.get("/console/engagement/mine/").content.decode()
    assert "2026年：每月参加一次楼道清扫（已承诺）" in page
