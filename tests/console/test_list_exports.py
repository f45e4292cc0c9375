"""「导出 Excel」 on the console's lists: each file is the page's own rows (scope, filters, masking) in the
house style, audited; someone who may not open the page may not have its file."""

import io
from datetime import timedelta

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from civicgrid.core.models import AUDIT_ACTIONS, AuditEvent
from civicgrid.tickets import services
from civicgrid.tickets.models import Ticket
from tests.tickets.conftest import local
from tests.tickets.helpers import handle_to_reply, register

T0 = local(2026, 6, 1, 9, 0)
NOW = local(2026, 6, 20, 12, 0)


@pytest.fixture(autouse=True)
def _june(world):
    with time_machine.travel(NOW, tick=False):
        yield


def sheet(response, index=0):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    return openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[index]


def header(ws) -> list:
    return [c.value for c in ws[3] if c.value is not None]


def body(ws) -> list[list]:
    """The data rows under the header (the count note and anything after it left out)."""
    rows = []
    for row in ws.iter_rows(min_row=4, values_only=True):
        if not any(v is not None for v in row):
            break
        rows.append(list(row))
    return rows


def text(ws) -> str:
    return "".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


def export(client, name, params=None, *args):
    return client.get(reverse(f"console:{name}", args=args), {**(params or {}), "export": "xlsx"})


def audited(action, user) -> bool:
    assert action in AUDIT_ACTIONS
    return AuditEvent.objects.filter(action=action, actor=user).exists()


def page_links_export(client, name, params=None, *args):
    html = client.get(reverse(f"console:{name}", args=args), params or {}).content.decode()
    assert 'data-export="xlsx"' in html and "导出 Excel" in html
    return html


@pytest.fixture
def work(world):
    """A property ticket with 住建局 (pending sign), an elevator one replied and waiting for callback."""
    zjj = register(world, T0, category="property", title="小区电梯长期故障", requester_name="王小明")
    services.ticket_dispatch(ticket=zjj, actor=world.user("dispatcher"), at=T0)
    replied = register(world, T0 + timedelta(days=1), title="路灯不亮")
    services.ticket_dispatch(ticket=replied, actor=world.user("dispatcher"), at=T0 + timedelta(days=1))
    handle_to_reply(world, replied, T0 + timedelta(days=1, hours=2), "worker1")
    services.reply_review(
        ticket=replied, actor=world.user("dispatcher"), passed=True, at=T0 + timedelta(days=1, hours=3)
    )
    Ticket.objects.filter(pk=zjj.pk).update(warning_level="red", on_key_list=True)
    return {"zjj": Ticket.objects.get(pk=zjj.pk), "replied": Ticket.objects.get(pk=replied.pk)}


class TestHandling:
    def test_inbox(self, client, world, work):
        client.force_login(world.user("zjj"))
        page_links_export(client, "inbox")
        ws = sheet(export(client, "inbox", {"tab": "sign"}))
        assert ws["A1"].value == "承办任务"
        assert "范围：本单位（住建局）" in ws["A2"].value and "栏目：待签收" in ws["A2"].value
        assert header(ws)[:4] == ["工单编号", "事件概述", "承办单位", "角色"]
        assert [r[:4] for r in body(ws)] == [[work["zjj"].number, "小区电梯长期故障", "住建局", "主办"]]
        assert ws.freeze_panes == "A4"
        assert audited("export.inbox", world.user("zjj"))
        assert "王小明" not in text(ws) and "13812345678" not in text(ws)

    def test_inbox_of_another_unit_holds_none_of_ours(self, client, world, work):
        client.force_login(world.user("sc"))
        assert body(sheet(export(client, "inbox", {"tab": "sign"}))) == []

    def test_callbacks(self, client, world, work):
        client.force_login(world.user("callback"))
        page_links_export(client, "callbacks")
        ws = sheet(export(client, "callbacks"))
        assert ws["A1"].value == "待回访工单" and "范围：全部工单" in ws["A2"].value
        assert [r[0] for r in body(ws)] == [work["replied"].number]
        assert audited("export.callbacks", world.user("callback"))
        assert "13812345678" not in text(ws)

    def test_callbacks_refused_to_a_unit(self, client, world, work):
        client.force_login(world.user("zjj"))
        assert export(client, "callbacks").status_code == 403

    def test_supervision_both_tabs(self, client, world, work):
        client.force_login(world.user("supervisor"))
        page_links_export(client, "supervision")
        book = openpyxl.load_workbook(io.BytesIO(export(client, "supervision", {"level": "red"}).content))
        assert book.sheetnames == ["预警与超期工单", "按主办单位"]
        ws = book.worksheets[0]
        assert "预警：红色预警" in ws["A2"].value
        assert [r[0] for r in body(ws)] == [work["zjj"].number]
        assert body(book.worksheets[1])[0][:3] == ["住建局", 0, 1]
        key = sheet(export(client, "supervision", {"tab": "key"}))
        assert key["A1"].value == "重点督办清单" and [r[0] for r in body(key)] == [work["zjj"].number]
        assert audited("export.supervision", world.user("supervisor"))
        assert audited("export.key_list", world.user("supervisor"))

    def test_supervision_refused_to_a_unit(self, client, world, work):
        client.force_login(world.user("zjj"))
        assert export(client, "supervision").status_code == 403


class TestDispatching:
    def test_the_dispatch_queue_each_tab(self, client, world, work):
        pending = register(world, T0 + timedelta(days=2), category="noise", title="井盖缺失")
        client.force_login(world.user("dispatcher"))
        page_links_export(client, "dispatch")
        ws = sheet(export(client, "dispatch"))
        assert ws["A1"].value == "待派单工单" and "范围：全部工单" in ws["A2"].value
        assert body(ws)[0][:2] == [pending.number, "井盖缺失"]
        review = sheet(export(client, "dispatch", {"tab": "review"}))
        assert review["A1"].value == "待审核答复" and body(review) == []
        assert audited("export.dispatch", world.user("dispatcher"))

    def test_the_dispatch_queue_refused_to_a_unit(self, client, world, work):
        client.force_login(world.user("zjj"))
        assert export(client, "dispatch").status_code == 403

    def test_the_duplicates_panel(self, client, world, work):
        client.force_login(world.user("operator"))
        params = {"title": "小区电梯长期故障", "content": "电梯坏了", "lat": 19.2005, "lon": 110.4005}
        html = client.get(reverse("console:intake_duplicates"), params).content.decode()
        if work["zjj"].number in html:
            assert f'href="{reverse("console:intake_duplicates")}?' in html
        ws = sheet(export(client, "intake_duplicates", params))
        assert ws["A1"].value == "疑似重复工单"
        assert header(ws)[:2] == ["工单编号", "事件概述"]
        assert audited("export.duplicates", world.user("operator"))

    def test_the_accuracy_page(self, client, world, work):
        client.force_login(world.user("leader"))
        page_links_export(client, "intake_accuracy")
        book = openpyxl.load_workbook(
            io.BytesIO(
                export(
                    client, "intake_accuracy", {"date_from": "2026-06-01", "date_to": "2026-06-20"}
                ).content
            )
        )
        assert book.sheetnames == ["智能分类效果", "总体情况", "最近被改动的建议"]
        assert "统计区间：2026-06-01 至 2026-06-20" in book.worksheets[0]["A2"].value
        assert body(book["总体情况"])[0] == ["建议工单", 0]
        assert audited("export.intake_accuracy", world.user("leader"))
        client.force_login(world.user("zjj"))
        assert export(client, "intake_accuracy").status_code == 403


class TestKnowledge:
    def test_the_knowledge_base(self, client, world):
        from civicgrid.knowledge.models import Entry

        Entry.objects.create(question="社保怎么补缴？", answer="到社保窗口办理。", valid_from=T0.date())
        client.force_login(world.user("operator"))
        page_links_export(client, "kb")
        ws = sheet(export(client, "kb"))
        assert ws["A1"].value == "知识库" and header(ws)[:2] == ["问题", "答案"]
        assert body(ws)[0][:2] == ["社保怎么补缴？", "到社保窗口办理。"]
        assert audited("export.knowledge", world.user("operator"))


# Every list page with its export: (URL name, the file's title row, the audit action).
LISTS = [
    ("tickets", "工单清单", "export.tickets"),
    ("inbox", "承办任务", "export.inbox"),
    ("callbacks", "待回访工单", "export.callbacks"),
    ("supervision", "预警与超期工单", "export.supervision"),
    ("dispatch", "待派单工单", "export.dispatch"),
    ("intake_accuracy", "智能分类效果", "export.intake_accuracy"),
    ("kb", "知识库", "export.knowledge"),
    ("org_tree", "党组织架构", "export.party_orgs"),
    ("org_coverage", "网格党支部覆盖", "export.party_coverage"),
    ("org_approvals", "新建党组织申请", "export.party_approvals"),
    ("vol_home", "志愿服务项目", "export.volunteer_projects"),
    ("vol_records", "待确认服务记录", "export.volunteer_queue"),
    ("vol_certificates", "志愿服务记录证明", "export.volunteer_certificates"),
    ("vol_teams", "志愿服务队", "export.volunteer_teams"),
    ("points_queue", "积分审核", "export.points_queue"),
    ("ldg_campaigns", "问题台账", "export.ledger_campaigns"),
    ("ldg_approvals", "待审核进度", "export.ledger_approvals"),
    ("ldg_mine", "我的台账", "export.ledger_mine"),
    ("med_committees", "人民调解委员会", "export.mediation_committees"),
    ("catalogue_list", "村级服务清单", "export.catalogues"),
    ("delib_stats", "协商议事统计", "export.deliberation_stats"),
    ("eng_wishes", "需求和微心愿", "export.engagement_wishes"),
    ("eng_registrations", "双报到登记", "export.engagement_registrations"),
]


@pytest.mark.parametrize("name, title, action", LISTS)
def test_every_list_page_downloads_as_xlsx_in_the_house_style(client, world, work, name, title, action):
    admin = world.user("admin")
    client.force_login(admin)
    page_links_export(client, name)
    if name == "tickets":  # the ticket search has its own export address (the contract's)
        response = client.get(reverse("console:tickets_export"))
    else:
        response = client.get(reverse(f"console:{name}"), {"export": "xlsx"})
    assert "filename*=utf-8''" in response["Content-Disposition"] and response["Cache-Control"] == "no-store"
    ws = sheet(response)
    assert ws["A1"].value == title
    assert ws["A1"].font.name == "方正小标宋简体"
    assert "生成时间：2026-06-20 12:00" in ws["A2"].value
    assert len(header(ws)) >= 2 and ws.freeze_panes == "A4"
    assert ws.max_row <= 3 or ws.cell(3, 1).font.b
    assert audited(action, admin)


def test_exports_are_capped_with_a_note(client, world, work, monkeypatch):
    from civicgrid.console import exporting

    monkeypatch.setattr(exporting, "LIST_EXPORT_MAX", 1)
    register(world, T0 + timedelta(days=3), category="noise", title="井盖缺失")
    register(world, T0 + timedelta(days=4), category="noise", title="路面塌陷")
    client.force_login(world.user("dispatcher"))
    ws = sheet(export(client, "dispatch"))
    assert len(body(ws)) == 1
    assert "共 2 条，仅导出前 1 条；请缩小查询条件后分批导出。" in text(ws)
    assert AuditEvent.objects.get(action="export.dispatch").payload == {"rows": 1}


def test_my_grid(client, world, work):
    open_ticket = register(world, T0 + timedelta(days=3), category="noise", title="井盖缺失")
    client.force_login(world.user("worker1"))
    page_links_export(client, "my_grid")
    book = openpyxl.load_workbook(io.BytesIO(export(client, "my_grid").content))
    ws = book.worksheets[0]
    assert ws["A1"].value == "网格内在办工单" and "范围：银海第1网格" in ws["A2"].value
    assert open_ticket.number in [r[0] for r in body(ws)]
    assert book.sheetnames[1] == "网格内地名"
    assert "13812345678" not in text(ws) and "张三" not in text(ws)
    assert audited("export.my_grid", world.user("worker1"))
    client.force_login(world.user("zjj"))
    assert export(client, "my_grid").status_code == 403


@pytest.mark.parametrize("name, title, action", LISTS)
def test_a_role_the_page_does_not_serve_gets_no_file(client, world, work, name, title, action):
    from django.urls import resolve

    from tests.tickets.conftest import _staff

    allowed = set(resolve(reverse(f"console:{name}")).func.allowed_roles)
    for username in ("zjj", "worker1", "operator", "leader", "community"):
        codes = set(world.user(username).staff.roles.values_list("code", flat=True))
        if not codes & allowed:
            break
    else:
        username = "nobody"
        world.users[username], _ = _staff(username, ["organisation_staff"], [])
        if set(world.user(username).staff.roles.values_list("code", flat=True)) & allowed:
            pytest.skip("every test role may open this page")
    client.force_login(world.user(username))
    url = reverse("console:tickets_export") if name == "tickets" else reverse(f"console:{name}")
    assert client.get(url, {"export": "xlsx"}).status_code == 403
    assert not AuditEvent.objects.filter(action=action).exists()
