"""「导出 Excel」 on a member's own 双报到 page and on the 组织部's organisation page: the page's lists as sheets,
names as the page shows them, one audit row; someone who may not open the page gets no file."""

import io
from datetime import date

import openpyxl
import time_machine
from django.urls import reverse

from civicgrid.core.actors import SYSTEM
from civicgrid.core.models import AUDIT_ACTIONS, AuditEvent
from civicgrid.engagement import services
from civicgrid.party.models import Post
from civicgrid.party.services.terms import PostInput, posts_set
from civicgrid.registry.models import Role
from tests.console.test_party_org import frozen, reg  # noqa: F401  (fixtures)
from tests.engagement.conftest import in_service, world  # noqa: F401  (fixtures)
from tests.party.factories import staff


def book(response):
    assert response.status_code == 200, response.status_code
    return openpyxl.load_workbook(io.BytesIO(response.content))


def text(workbook) -> str:
    return "".join(
        str(c.value)
        for ws in workbook.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    )


def exports(action) -> int:
    assert action in AUDIT_ACTIONS
    return AuditEvent.objects.filter(action=action).count()


def test_the_members_own_engagement_page(world, client):  # noqa: F811
    with time_machine.travel("2026-06-15 10:00 +08:00", tick=False):
        user = staff("m1", [Role.GRID_WORKER])
        m = in_service(world, name="王小明")
        m.user = user
        m.save()
        services.register_member(actor=SYSTEM, member=m, community=world["yinhai"], on=date(2026, 2, 1))
        wish = services.wish_collect(
            actor=None,
            community=world["yinhai"],
            source="resident",
            title="修水龙头",
            resident_name="赵大妈",
            resident_phone="13712345678",
        )
        services.wish_verify(actor=SYSTEM, wish=wish)
        services.wish_publish(actor=SYSTEM, wish=wish)
        client.force_login(user)
        url = reverse("console:eng_mine")
        html = client.get(url).content.decode()
        assert 'data-export="xlsx"' in html and "赵大妈" not in html
        workbook = book(client.get(url, {"export": "xlsx"}))
        assert workbook.sheetnames == ["我的双报到任务", "我的承诺", "我认领的", "可认领的微心愿"]
        ws = workbook.worksheets[0]
        assert ws["A1"].value == "我的双报到任务" and "统计区间：2026 年" in ws["A2"].value
        assert "已向银海社区报到" in ws["A2"].value
        assert [c.value for c in ws[3]] == ["项目", "已完成", "年度任务"]
        assert [ws["A4"].value, ws["B4"].value, ws["C4"].value] == ["微心愿（个）", 0, 1]
        wishes = workbook["可认领的微心愿"]
        assert [c.value for c in wishes[3]] == ["心愿", "村（社区）", "已认领", "可认领"]
        assert wishes["A4"].value == "修水龙头"
        everything = text(workbook)
        assert "赵大妈" not in everything and "13712345678" not in everything and "5678" not in everything
        assert AuditEvent.objects.filter(action="export.engagement_mine", actor=user).count() == 1
        # an account without a member record: refused, as the page is
        client.force_login(world["worker"])
        assert client.get(url).status_code == 403
        assert client.get(url, {"export": "xlsx"}).status_code == 403
        assert exports("export.engagement_mine") == 1


def test_the_organisation_page_committee_life_and_grids(client, reg):  # noqa: F811
    a = reg["orgs"]["A"]
    posts_set(
        actor=SYSTEM,
        term=reg["terms"]["overdue"],
        posts=[PostInput(Post.Kind.SECRETARY, member=reg["members"]["plain"])],
    )
    user = reg["users"]["org_c"]
    client.force_login(user)
    url = reverse("console:org_detail", args=[a.pk])
    html = client.get(url).content.decode()
    assert 'data-export="xlsx"' in html
    workbook = book(client.get(url, {"export": "xlsx"}))
    assert workbook.sheetnames == ["委员会", "组织生活", "下级党组织", "关联网格", "党建网格"]
    ws = workbook.worksheets[0]
    assert ws["A1"].value == "银海社区党支部基本情况" and "范围：组织代码 A；" in ws["A2"].value
    assert [c.value for c in ws[3]] == ["职务", "姓名", "产生方式"]
    name = ws["B4"].value
    assert ws["A4"].value == "书记" and name in html  # the name exactly as the page shows it
    assert name in ("王在职", reg["members"]["plain"].masked_name)
    assert [c.value for c in workbook["组织生活"][3]] == ["会议", "周期", "已完成", "应完成", "状态"]
    assert workbook["关联网格"]["B4"].value == "银海一网格"
    everything = text(workbook)
    assert "13912345678" not in everything and "金海" not in everything
    assert (
        AuditEvent.objects.filter(action="export.party_org_detail", actor=user, target_id=str(a.pk)).count()
        == 1
    )
    # an organisation outside the scope: 404, as the page
    b = reg["orgs"]["B"]
    assert client.get(reverse("console:org_detail", args=[b.pk])).status_code == 404
    assert client.get(reverse("console:org_detail", args=[b.pk]), {"export": "xlsx"}).status_code == 404
    client.force_login(reg["users"]["dispatcher"])
    assert client.get(url, {"export": "xlsx"}).status_code == 403
    assert exports("export.party_org_detail") == 1


def test_a_pairings_visits_with_the_leader_masked(world, client):  # noqa: F811
    with time_machine.travel("2026-07-01 10:00 +08:00", tick=False):
        pairing = services.pairing_create(
            actor=SYSTEM, year=2026, scheme="shuanglian", area=world["yinhai"], leader_name="李大明"
        )
        services.visit_record(
            actor=SYSTEM,
            pairing=pairing,
            visited_on=date(2026, 3, 4),
            participants="局机关三人",
            participant_count=3,
            findings=["路灯坏了", "孩子想要书包"],
        )
        client.force_login(world["worker"])
        url = reverse("console:eng_pairing", args=[pairing.pk])
        html = client.get(url).content.decode()
        assert 'data-export="xlsx"' in html and "李*明" in html and "李大明" not in html
        workbook = book(client.get(url, {"export": "xlsx"}))
        ws = workbook.worksheets[0]
        assert ws.title == "走访记录" and ws["A1"].value == "李*明结对银海社区走访记录"
        assert [c.value for c in ws[3]][:4] == ["走访日期", "星期", "周三/周六", "参加人员"]
        assert [ws["B4"].value, ws["C4"].value, ws["E4"].value] == ["星期三", "是", 3]
        assert ws["F4"].value == "路灯坏了；孩子想要书包"
        assert "李大明" not in text(workbook)
        assert exports("export.engagement_visits") == 1
        client.force_login(world["outsider"])
        assert client.get(url).status_code == 404
        assert client.get(url, {"export": "xlsx"}).status_code == 404
        assert exports("export.engagement_visits") == 1


def test_a_registrations_commitments_with_the_member_masked(world, client):  # noqa: F811
    with time_machine.travel("2026-07-01 10:00 +08:00", tick=False):
        m = in_service(world, name="王小明")
        registration = services.register_member(
            actor=SYSTEM, member=m, community=world["yinhai"], on=date(2026, 2, 1)
        )
        client.force_login(world["worker"])
        commit = reverse("console:eng_registration_commitment", args=[registration.pk])
        client.post(commit, {"action": "pledge", "content": "每月参加一次楼道清扫"})
        url = reverse("console:eng_registration", args=[registration.pk])
        html = client.get(url).content.decode()
        assert 'data-export="xlsx"' in html and "王*明" in html and "王小明" not in html
        workbook = book(client.get(url, {"export": "xlsx"}))
        ws = workbook.worksheets[0]
        assert ws["A1"].value == "王*明承诺践诺" and "范围：报到社区：银海社区" in ws["A2"].value
        assert [c.value for c in ws[3]][:4] == ["年度", "承诺事项", "承诺日期", "状态"]
        assert [ws["A4"].value, ws["B4"].value, ws["D4"].value] == [2026, "每月参加一次楼道清扫", "已承诺"]
        assert "王小明" not in text(workbook)
        assert exports("export.engagement_commitments") == 1
        client.force_login(world["outsider"])
        assert client.get(url).status_code == 404
        assert client.get(url, {"export": "xlsx"}).status_code == 404
        assert exports("export.engagement_commitments") == 1
