"""「导出 Excel」 on the party secretary's pages: the page's rows, masked as on the page, within the
secretary's subtree, audited."""

import io

import openpyxl
from django.urls import reverse

from civicgrid.core.models import AuditEvent
from tests.console.test_party_secretary import clock, party  # noqa: F401  (fixtures)


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
