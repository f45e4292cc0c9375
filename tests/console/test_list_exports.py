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
from tests.console.test_dashboard import close_with_callback
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
