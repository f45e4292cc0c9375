"""「导出 Excel」 on the notification centre and on detail pages (the ticket, the mediation committee): the page's
tables as sheets, the title naming the record, personal data as the page shows it, one audit row; someone who may
not open the page gets no file."""

import io
from datetime import date, timedelta

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from civicgrid.core.actors import SYSTEM
from civicgrid.core.models import AUDIT_ACTIONS, AuditEvent
from civicgrid.notify.models import Notification
from civicgrid.tickets import services
from tests.mediation.conftest import med  # noqa: F401  (fixture)
from tests.tickets.conftest import local, world  # noqa: F401  (fixture)
from tests.tickets.helpers import register

T0 = local(2026, 6, 1, 9, 0)
NOW = local(2026, 6, 20, 12, 0)


@pytest.fixture(autouse=True)
def _june():
    with time_machine.travel(NOW, tick=False):
        yield


def book(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
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


def with_link(client, url, params=None):
    html = client.get(url, params or {}).content.decode()
    assert 'data-export="xlsx"' in html and "导出 Excel" in html
    return html


def test_notifications_are_the_users_own_with_the_pages_filters(client, world):  # noqa: F811
    user, other = world.user("dispatcher"), world.user("operator")
    ticket = register(world, T0)
    now = timezone.now()
    Notification.objects.create(
        recipient=user, kind="replied", title="答复待审核：甲", created_at=now, ticket=ticket
    )
    Notification.objects.create(
        recipient=user, kind="replied", title="答复待审核：乙", created_at=now, read_at=now
    )
    Notification.objects.create(
        recipient=user, kind="return_requested", title="退单待审核：丙", created_at=now
    )
    Notification.objects.create(recipient=other, kind="replied", title="别人的消息", created_at=now)
    client.force_login(user)
    url = reverse("console:notifications")
    with_link(client, url, {"kind": "replied"})
    workbook = book(client.get(url, {"kind": "replied", "export": "xlsx"}))
    ws = workbook.worksheets[0]
    assert ws["A1"].value == "消息" and "范围：本人收到的消息；类别：答复待审核；只看未读" in ws["A2"].value
    assert [c.value for c in ws[3]] == ["类别", "时间", "标题", "已读", "工单编号"]
    assert [ws["A4"].value, ws["C4"].value, ws["D4"].value, ws["E4"].value] == [
        "答复待审核",
        "答复待审核：甲",
        "未读",
        ticket.number,
    ]
    assert ws["A5"].value is None  # one row, then the count note
    everything = text(workbook)
    assert "乙" not in everything and "退单" not in everything and "别人的消息" not in everything
    assert "replied" not in everything
    all_of_kind = book(client.get(url, {"kind": "replied", "show": "all", "export": "xlsx"})).worksheets[0]
    assert [all_of_kind["C4"].value, all_of_kind["C5"].value] == ["答复待审核：乙", "答复待审核：甲"]
    assert all_of_kind["D4"].value == "已读"
    assert AuditEvent.objects.filter(action="export.notifications", actor=user).count() == 2


def test_the_ticket_page_timeline_units_and_files_without_the_requester(client, world):  # noqa: F811
    ticket = register(world, T0, category="property", title="小区电梯长期故障", requester_name="王小明")
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0 + timedelta(hours=1))
    zjj = world.user("zjj")
    client.force_login(zjj)
    url = reverse("console:ticket", args=[ticket.pk])
    assert "王小明" in with_link(client, url)  # the handling unit sees whom to call, on the page (audited)
    workbook = book(client.get(url, {"export": "xlsx"}))
    assert workbook.sheetnames == ["办理过程", "承办单位与时限", "附件"]
    ws = workbook.worksheets[0]
    assert ws["A1"].value == f"工单{ticket.number}办理情况"
    assert f"范围：{ticket.number}　小区电梯长期故障" in ws["A2"].value
    assert [c.value for c in ws[3]] == ["时间", "操作", "说明", "操作人", "状态"]
    assert ws["B4"].value == "登记受理"
    units = workbook["承办单位与时限"]
    assert [units["B4"].value, units["C4"].value, units["D4"].value] == ["住建局", "主办", "待签收"]
    everything = text(workbook)
    assert "王小明" not in everything and "13812345678" not in everything and "5678" not in everything
    assert AuditEvent.objects.filter(action="export.ticket", actor=zjj, target_id=str(ticket.pk)).count() == 1
    # a unit that does not handle it: 403 as for the page, and no audit row
    client.force_login(world.user("sc"))
    assert client.get(url).status_code == 403
    assert client.get(url, {"export": "xlsx"}).status_code == 403
    assert exports("export.ticket") == 1
    # nor for the centre: the requester is in the page's card, never in a file that outlives the screen
    client.force_login(world.user("callback"))
    assert "王小明" not in text(book(client.get(url, {"export": "xlsx"})))


def test_the_committee_page_roll_and_former_members_masked(client, med):  # noqa: F811
    from civicgrid.mediation import services as mediation

    leaver = med["roll"]["a"][3]
    mediation.mediator_leave(actor=SYSTEM, mediator=leaver, left_on=date(2026, 6, 1))
    client.force_login(med["yh_worker"])
    url = reverse("console:med_committee", args=[med["a"].pk])
    html = with_link(client, url)
    workbook = book(client.get(url, {"export": "xlsx"}))
    assert workbook.sheetnames == ["在册人员", "已离任"]
    ws = workbook.worksheets[0]
    assert ws["A1"].value == "银海社区人民调解委员会人员名单"
    assert "范围：银海社区；成立日期 2020-03-01" in ws["A2"].value
    assert [c.value for c in ws[3]][:3] == ["姓名", "职务", "类别"]
    names = [r[0] for r in ws.iter_rows(min_row=4, max_row=6, values_only=True)]
    assert all(name in html for name in names) and "a主任" not in names
    everything = text(workbook)
    assert "13900001111" not in everything and "139****1111" in everything
    assert workbook["已离任"]["A4"].value == leaver.masked_name and leaver.masked_name in html
    assert "金海" not in everything and "b主任" not in everything
    assert exports("export.mediation_committee") == 1
    client.force_login(med["jh_worker"])
    assert client.get(url).status_code == 403
    assert client.get(url, {"export": "xlsx"}).status_code == 403
    assert exports("export.mediation_committee") == 1
