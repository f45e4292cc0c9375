"""「导出 Excel」 on the party secretary's pages: the page's rows, masked as on the page, within the
secretary's subtree, audited."""

import io
from datetime import date

import openpyxl
from django.urls import reverse

from civicgrid.core.actors import SYSTEM
from civicgrid.core.models import AUDIT_ACTIONS, AuditEvent
from civicgrid.party.models import Appraisal, PartyOrg
from civicgrid.party.services import members as member_services
from civicgrid.party.services.meetings import meeting_record
from civicgrid.registry.models import Role
from tests.console.test_party_secretary import clock, party  # noqa: F401  (fixtures)
from tests.party.factories import staff


def book(response):
    assert response.status_code == 200, response.status_code
    return openpyxl.load_workbook(io.BytesIO(response.content))


def cells(ws) -> str:
    return "".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


def test_the_secretarys_members_are_masked_as_on_the_page(client, party):  # noqa: F811
    client.force_login(party["sec"])
    a = party["orgs"]["A"]
    html = client.get(reverse("console:party_sec_org", args=[a.pk])).content.decode()
    assert 'data-export="xlsx"' in html
    ws = book(client.get(reverse("console:party_sec_org", args=[a.pk]), {"export": "xlsx"})).worksheets[0]
    assert ws["A1"].value == "党员名单" and "范围：甲社区党总支" in ws["A2"].value
    assert [c.value for c in ws[3]][:3] == ["姓名", "性别", "类别"]
    text = cells(ws)
    assert "李党员" in text and "13912345678" in text  # his own phone, as on the page
    assert "13800001111" not in text and "138****1111" in text
    assert "孙乙党员" not in text
    assert AuditEvent.objects.filter(action="export.party_org_members", actor=party["sec"]).exists()


def test_another_secretary_gets_no_file_of_an_org_outside_his_subtree(client, party):  # noqa: F811
    client.force_login(party["sec_b"])
    response = client.get(reverse("console:party_sec_org", args=[party["orgs"]["A"].pk]), {"export": "xlsx"})
    assert response.status_code in (403, 404)
    assert not AuditEvent.objects.filter(action="export.party_org_members").exists()


def test_meetings_and_activities(client, party):  # noqa: F811
    client.force_login(party["sec"])
    a = party["orgs"]["A"]
    ws = book(
        client.get(
            reverse("console:party_sec_meetings", args=[a.pk]), {"export": "xlsx", "kind": "committee"}
        )
    )
    first = ws.worksheets[0]
    assert first["A1"].value == "会议记录" and "会议类型：" in first["A2"].value
    assert [c.value for c in first[3]][:3] == ["日期", "会议类型", "主题"]
    activities = book(client.get(reverse("console:party_sec_activities", args=[a.pk]), {"export": "xlsx"}))
    assert activities.sheetnames == ["党员突击队", "党员先锋岗", "党员下沉"]
    assert AuditEvent.objects.filter(action="export.party_meetings").exists()
    assert AuditEvent.objects.filter(action="export.party_activities").exists()


def exports(action) -> int:
    assert action in AUDIT_ACTIONS
    return AuditEvent.objects.filter(action=action).count()


def test_my_organisation_holds_my_meetings_and_masked_names_only(client, party):  # noqa: F811
    plain = party["plain"][0]
    user = staff("plain_staff", [Role.OPERATOR])
    member_services.member_link_user(actor=SYSTEM, member=plain, user=user)
    meeting_record(
        actor=SYSTEM,
        org=party["orgs"]["A"],
        kind="theme_day",
        held_on=date(2026, 6, 1),
        topic="六月主题党日",
        attendance=[(plain, "leave"), (party["plain"][1], "absent")],
    )
    client.force_login(user)
    assert 'data-export="xlsx"' in client.get(reverse("console:party_mine")).content.decode()
    workbook = book(client.get(reverse("console:party_mine"), {"export": "xlsx"}))
    assert workbook.sheetnames == ["我的组织生活", "委员会", "参加情况统计"]
    ws = workbook.worksheets[0]
    assert (
        ws["A1"].value == "我的组织生活" and "范围：甲社区党总支；本人：李党员（正式党员）" in ws["A2"].value
    )
    assert [c.value for c in ws[3]] == ["日期", "会议类型", "主题", "主持人/授课人", "地点", "本人参加情况"]
    assert ws["C4"].value == "六月主题党日" and ws["F4"].value == "请假"
    committee = workbook["委员会"]
    assert [committee["A4"].value, committee["B4"].value] == ["书记", "王**明"]
    text = "".join(cells(w) for w in workbook.worksheets)
    assert "王书记明" not in text and "陈党员" not in text and "缺席" not in text.replace("缺席0", "")
    assert exports("export.party_mine") == 1
    # an account without a member record: the page says so and there is no file
    client.force_login(staff("nobody", [Role.OPERATOR]))
    assert 'data-export="xlsx"' not in client.get(reverse("console:party_mine")).content.decode()
    assert client.get(reverse("console:party_mine"), {"export": "xlsx"}).status_code == 404
    assert exports("export.party_mine") == 1


def test_the_appraisal_of_a_year_with_grades_and_the_community_evaluation(client, party):  # noqa: F811
    from civicgrid.engagement import services as engagement

    a = party["orgs"]["A"]
    li = party["plain"][0]
    li.in_service = True
    li.save(update_fields=["in_service"])
    registration = engagement.register_member(actor=None, member=li, community=a.area, on=date(2026, 2, 1))
    engagement.evaluation_record(actor=SYSTEM, registration=registration, year=2026, grade="good", comment="")
    Appraisal.objects.create(year=2026, member=li, org=a, grade="excellent")
    client.force_login(party["sec"])
    page = reverse("console:party_sec_appraisal", args=[a.pk])
    assert 'data-export="xlsx"' in client.get(page, {"year": "2026"}).content.decode()
    ws = book(client.get(page, {"year": "2026", "export": "xlsx"})).worksheets[0]
    assert ws["A1"].value == "民主评议党员" and "范围：甲社区党总支" in ws["A2"].value
    assert "统计区间：2026 年度" in ws["A2"].value
    assert [c.value for c in ws[3]][:5] == ["姓名", "党小组", "评议等次", "社区评价", "报到社区"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=4, max_row=7, values_only=True)}
    assert rows["李党员"][2] == "优秀" and rows["李党员"][3] == "好" and rows["李党员"][4] == a.area.name
    assert rows["陈党员"][2] == "未评议" and rows["陈党员"][3] is None
    text = cells(ws)
    assert "13800001111" not in text and "孙乙党员" not in text and "吴支部党员" not in text
    assert exports("export.party_appraisal") == 1
    client.force_login(party["sec_b"])
    assert client.get(page, {"year": "2026", "export": "xlsx"}).status_code == 404
    assert exports("export.party_appraisal") == 1


def test_the_proposals_made_under_his_organisation(client, party):  # noqa: F811
    from civicgrid.party.models import OrgProposal

    a, b = party["orgs"]["A"], party["orgs"]["B"]
    for parent, name in ((a, "防汛临时党支部"), (b, "乙的临时党支部")):
        OrgProposal.objects.create(
            proposed_by=party["sec"],
            parent=parent,
            name=name,
            kind=PartyOrg.Kind.BRANCH,
            setup=PartyOrg.Setup.COMMUNITY,
            area=parent.area,
            is_temporary=True,
            temp_task="防汛",
            reason="汛期",
        )
    client.force_login(party["sec"])
    page = reverse("console:party_sec_proposals", args=[a.pk])
    assert 'data-export="xlsx"' in client.get(page).content.decode()
    ws = book(client.get(page, {"export": "xlsx"})).worksheets[0]
    assert ws["A1"].value == "新建党组织申请" and "范围：甲社区党总支" in ws["A2"].value
    assert [c.value for c in ws[3]][:5] == ["拟建组织", "类别", "临时任务", "结束日期", "状态"]
    assert (
        ws["A4"].value == "防汛临时党支部" and ws["B4"].value == "临时党组织" and ws["E4"].value == "待审批"
    )
    assert "乙的临时党支部" not in cells(ws)
    assert exports("export.party_proposals") == 1
    client.force_login(party["sec_b"])
    assert client.get(page, {"export": "xlsx"}).status_code == 404
    assert exports("export.party_proposals") == 1
