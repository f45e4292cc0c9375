import io
from datetime import datetime, timedelta

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from civicgrid.console.views import exports
from civicgrid.core.documents import DATETIME, PERCENT
from civicgrid.core.models import AuditEvent
from civicgrid.tickets import services
from tests.console.test_dashboard import close_with_callback
from tests.tickets.conftest import local
from tests.tickets.helpers import register

T0 = local(2026, 6, 1, 9, 0)
NOW = local(2026, 6, 20, 12, 0)


@pytest.fixture(autouse=True)
def _june(world):
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def tickets(world):
    """A property ticket with 住建局, a neighbour ticket with the grid, and one not yet dispatched."""
    zjj = register(world, T0, category="property", title="小区电梯长期故障", requester_name="王小明")
    services.ticket_dispatch(ticket=zjj, actor=world.user("dispatcher"), at=T0)
    close_with_callback(world, register(world, T0 + timedelta(days=1)), T0 + timedelta(days=1), "worker1")
    waiting = register(world, T0 + timedelta(days=2), category=None, title='=HYPERLINK("http://evil")')
    return {"zjj": zjj, "waiting": waiting}


def _sheet(response, index=0):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    return openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[index]


def _cells(ws) -> list[str]:
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


def _numbers(ws) -> list[str]:
    values = (str(ws.cell(row, 1).value) for row in range(4, ws.max_row + 1))
    return [value for value in values if value[:8].isdigit()]


class TestTicketList:
    def test_the_page_links_to_the_export_with_its_filters(self, client, world, tickets):
        client.force_login(world.user("operator"))
        body = client.get(
            reverse("console:tickets"), {"status": "pending_dispatch", "q": "电梯"}
        ).content.decode()
        assert "导出 Excel" in body
        assert f"{reverse('console:tickets_export')}?status=pending_dispatch&amp;q=%E7%94%B5%E6%A2%AF" in body

    def test_the_centre_exports_every_ticket_in_the_house_style(self, client, world, tickets):
        client.force_login(world.user("operator"))
        response = client.get(reverse("console:tickets_export"))
        assert (
            "filename*=utf-8''%E5%B7%A5%E5%8D%95%E6%B8%85%E5%8D%95_20260620.xlsx"
            in response["Content-Disposition"]
        )
        ws = _sheet(response)
        assert ws["A1"].value == "工单清单"
        assert ws["A2"].value.startswith("范围：全部工单")
        assert ws.freeze_panes == "A4"
        assert [c.value for c in ws[3]][:3] == ["工单编号", "事件概述", "诉求类型"]
        assert len(_numbers(ws)) == 3
        newest = ws[4]
        assert newest[1].value == '=HYPERLINK("http://evil")' and newest[1].data_type == "s"
        assert newest[7].value == datetime(2026, 6, 3, 9, 0) and newest[7].number_format == DATETIME
        assert "共 3 条。" in _cells(ws)

    def test_filters_apply_as_on_the_page(self, client, world, tickets):
        client.force_login(world.user("operator"))
        ws = _sheet(client.get(reverse("console:tickets_export"), {"q": "电梯"}))
        assert _numbers(ws) == [tickets["zjj"].number]
        assert "关键词「电梯」" in ws["A2"].value

    def test_a_unit_exports_only_its_own_tickets(self, client, world, tickets):
        client.force_login(world.user("zjj"))
        ws = _sheet(client.get(reverse("console:tickets_export")))
        assert _numbers(ws) == [tickets["zjj"].number]
        assert "本单位承办的工单（住建局）" in ws["A2"].value

    def test_staff_without_units_export_nothing(self, client, world, tickets):
        client.force_login(world.user("outsider"))
        assert _numbers(_sheet(client.get(reverse("console:tickets_export")))) == []

    def test_no_requester_details_leave_in_the_file(self, client, world, tickets):
        client.force_login(world.user("operator"))
        text = "".join(_cells(_sheet(client.get(reverse("console:tickets_export")))))
        for secret in ("王小明", "张三", "13812345678", "5678"):
            assert secret not in text

    def test_large_exports_are_capped_with_a_note(self, client, world, tickets, monkeypatch):
        monkeypatch.setattr(exports, "TICKET_EXPORT_MAX", 2)
        client.force_login(world.user("operator"))
        ws = _sheet(client.get(reverse("console:tickets_export")))
        assert len(_numbers(ws)) == 2
        assert "共 3 条，仅导出最新的 2 条；请缩小查询条件后分批导出。" in _cells(ws)

    def test_each_export_is_audited(self, client, world, tickets):
        client.force_login(world.user("zjj"))
        client.get(reverse("console:tickets_export"))
        event = AuditEvent.objects.get(action="export.tickets")
        assert event.actor == world.user("zjj") and event.payload == {"rows": 1}

    def test_anonymous_visitors_are_sent_to_the_login(self, client, db):
        response = client.get(reverse("console:tickets_export"))
        assert response.status_code == 302 and "login" in response["Location"]


class TestLeagueTable:
    def test_the_dashboard_links_to_the_export_for_its_period(self, client, world, tickets):
        client.force_login(world.user("leader"))
        body = client.get(
            reverse("console:dashboard"), {"period": "last_month", "by": "grid"}
        ).content.decode()
        assert f"{reverse('console:dashboard_export')}?by=grid&amp;period=last_month" in body

    def test_the_league_then_a_sheet_per_kind_with_rates_as_percentages(self, client, world, tickets):
        client.force_login(world.user("leader"))
        response = client.get(reverse("console:dashboard_export"))
        assert (
            "%E4%B8%89%E7%8E%87%E6%8E%92%E5%90%8D_20260601-20260620.xlsx" in response["Content-Disposition"]
        )
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        assert book.sheetnames == [
            "三率排名",
            "职能部门",
            "网格工作组",
            "指标口径",
            "每日受理量",
            "诉求分类构成",
        ]
        ws = book["三率排名"]
        assert ws["A1"].value == "三率排名（按单位）"
        assert "统计区间：2026-06-01 至 2026-06-20" in ws["A2"].value and "范围：全部单位" in ws["A2"].value
        header = [c.value for c in ws[3]]
        assert header[:10] == [
            "类别",
            "排名",
            "名次变化",
            "单位",
            "受理",
            "办结",
            "参评",
            "响应率",
            "解决率",
            "满意率",
        ]
        for title in (
            "综合得分",
            "修正得分",
            "可信下限",
            "结构调整得分",
            "参加排名",
            "上期名次",
            "去年同期综合得分",
            "说明",
        ):
            assert title in header, title
        rows = {ws.cell(row, 4).value: [c.value for c in ws[row]] for row in range(4, ws.max_row + 1)}
        assert "住建局" in rows and "合计" in rows
        team = next(row for row in ws.iter_rows(min_row=4) if row[3].value == "银海第1网格工作组")
        named = dict(zip(header, team, strict=False))
        assert named["类别"].value == "网格工作组"
        assert (named["满意率"].value, named["满意率"].number_format) == (1.0, PERCENT)
        assert named["说明"].value == "参评 1 件，证据不足，暂不排名" and named["参加排名"].value == "否"
        assert 0 < named["修正得分"].value <= 100
        kind = book["网格工作组"]
        assert kind["A1"].value == "三率排名（网格工作组）" and kind.cell(4, 3).value == "银海第1网格工作组"
        definitions = [book["指标口径"].cell(row, 1).value for row in range(4, book["指标口径"].max_row + 1)]
        assert {"响应率", "解决率", "满意率", "修正得分", "结构调整得分"} <= set(definitions)
        daily = book["每日受理量"]
        assert sum(daily.cell(row, 2).value or 0 for row in range(4, daily.max_row + 1)) == 3
        assert AuditEvent.objects.filter(action="export.league", actor=world.user("leader")).exists()

    def test_the_export_is_scoped_like_the_page(self, client, world, tickets):
        client.force_login(world.user("supervisor"))
        book = openpyxl.load_workbook(
            io.BytesIO(client.get(reverse("console:dashboard_export"), {"by": "grid"}).content)
        )
        assert book.sheetnames[0] == "三率排名" and "网格工作组" not in book.sheetnames
        assert book["三率排名"].cell(3, 2).value == "名次变化" and book["三率排名"].cell(3, 3).value == "网格"

    @pytest.mark.parametrize("name", ["zjj", "operator", "worker1"])
    def test_only_dashboard_users_may_export(self, client, world, name):
        client.force_login(world.user(name))
        assert client.get(reverse("console:dashboard_export")).status_code == 403
