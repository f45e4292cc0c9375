"""社区共建 console pages: the worker's wish list and publish flow, registrations, the member's quota page, the
组织部 board with its Excel export; scope (another community's worker sees nothing) and masking."""

from datetime import date

import pytest

from civicgrid.core.actors import SYSTEM
from civicgrid.engagement import services
from civicgrid.engagement.models import MicroWish
from civicgrid.registry.models import Role
from tests.engagement.conftest import in_service, world  # noqa: F401  (fixture)
from tests.party.factories import staff

pytestmark = pytest.mark.django_db


def test_worker_publishes_a_wish(world, client):  # noqa: F811
    client.force_login(world["worker"])
    response = client.post(
        "/console/engagement/wishes/new/",
        {
            "community": world["yinhai"].pk,
            "source": "grid",
            "title": "想要一副老花镜",
            "resident_name": "陈阿婆",
            "resident_phone": "13800138000",
            "max_claimers": "1",
        },
    )
    assert response.status_code == 302
    wish = MicroWish.objects.get()
    for action in ("verify", "publish"):
        client.post(f"/console/engagement/wishes/{wish.pk}/", {"action": action})
    wish.refresh_from_db()
    assert wish.state == "published"
    page = client.get("/console/engagement/wishes/?state=published").content.decode()
    assert "想要一副老花镜" in page and "陈*婆" in page and "138****8000" in page and "陈阿婆" not in page
    client.force_login(world["outsider"])
    assert "想要一副老花镜" not in client.get("/console/engagement/wishes/").content.decode()
    assert client.post(f"/console/engagement/wishes/{wish.pk}/", {"action": "close"}).status_code == 404


def test_registrations_page_masks_members(world, client):  # noqa: F811
    m = in_service(world, name="王小明")
    services.register_member(actor=SYSTEM, member=m, community=world["yinhai"], on=date(2026, 2, 1))
    client.force_login(world["worker"])
    page = client.get("/console/engagement/registrations/").content.decode()
    assert "王*明" in page and "王小明" not in page


def test_member_claims_on_the_console(world, client):  # noqa: F811
    user = staff("m1", [Role.GRID_WORKER])
    m = in_service(world, name="王小明")
    m.user = user
    m.save()
    services.register_member(actor=SYSTEM, member=m, community=world["yinhai"], on=date(2026, 2, 1))
    wish = services.wish_collect(actor=None, community=world["yinhai"], source="resident", title="修水龙头")
    services.wish_verify(actor=SYSTEM, wish=wish)
    services.wish_publish(actor=SYSTEM, wish=wish)
    client.force_login(user)
    page = client.get("/console/engagement/mine/").content.decode()
    assert "修水龙头" in page and "微心愿：0 / 1 个" in page
    client.post("/console/engagement/mine/claim/", {"wish": wish.pk})
    assert wish.claims.get().member == m


def test_board_and_export(world, client):  # noqa: F811
    clerk = staff("org1", [Role.ORGANISATION_STAFF], units=[world["bureau"]])
    services.pairing_create(
        actor=SYSTEM, year=2026, scheme="guagou", leader_name="张大伟", area=world["yinhai"]
    )
    client.force_login(clerk)
    page = client.get("/console/engagement/board/?area=469002&year=2026").content.decode()
    assert "在职党员报到率" in page and "挂钩联系" in page and "张*伟" in page and "张大伟" not in page
    in_service(world, name="李报到")
    response = client.get("/console/engagement/board/export/?area=469002&year=2026")
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["统计", "按工作单位", "按居住社区"]  # the page's two coverage tables too
    header = [c.value for c in book["按居住社区"][3]]
    assert header == ["社区", "在职党员", "已报到", "报到率"]
    assert book["按居住社区"]["B4"].value == 1 and book["按居住社区"]["D4"].value == 0
    client.force_login(world["worker"])
    assert client.get("/console/engagement/board/").status_code == 403


def test_year_end_evaluations_go_to_the_members_organisations(world, client):  # noqa: F811
    import time_machine

    from civicgrid.engagement.models import Evaluation
    from civicgrid.notify.models import Notification
    from civicgrid.party.models import Post
    from civicgrid.party.services import members as member_services
    from civicgrid.party.services.terms import PostInput, posts_set, term_start

    org = world["tax_org"]
    secretary = in_service(world, name="税务书记")
    user = staff("tax_secretary", [Role.PARTY_SECRETARY])
    member_services.member_link_user(actor=SYSTEM, member=secretary, user=user)
    term = term_start(actor=SYSTEM, org=org, elected_on=date(2024, 1, 10))
    posts_set(actor=SYSTEM, term=term, posts=[PostInput(Post.Kind.SECRETARY, member=secretary)])
    m = in_service(world, name="王小明")
    with time_machine.travel("2026-12-20 10:00 +08:00", tick=False):
        registration = services.register_member(
            actor=SYSTEM, member=m, community=world["yinhai"], on=date(2026, 2, 1)
        )
        services.evaluation_record(actor=SYSTEM, registration=registration, year=2026, grade="good")
        client.force_login(world["outsider"])  # another community's worker sends nothing of ours
        client.post("/console/engagement/evaluations/send/", {"year": "2026"})
        assert Evaluation.objects.get().sent_at is None
        client.force_login(world["worker"])
        done = client.post(
            "/console/engagement/evaluations/send/", {"year": "2026"}, follow=True
        ).content.decode()
        assert "已将 2026 年度 1 名党员的评价反馈所在党组织" in done
        assert Evaluation.objects.get().sent_at is not None
        assert Notification.objects.filter(recipient=user, kind="engagement_evaluation").count() == 1
        again = client.post(
            "/console/engagement/evaluations/send/", {"year": "2026"}, follow=True
        ).content.decode()
        assert "2026 年度没有待反馈的评价" in again
