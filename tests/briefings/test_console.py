"""The 工作简报 page: the form, generating and previewing, the register with re-download and its Excel export,
refusals shown as messages, and the roles that may not use it."""

import io
from datetime import date

import docx
import openpyxl
import pytest
import time_machine
from django.urls import reverse

from civicgrid.briefings import services
from civicgrid.briefings.models import Briefing
from civicgrid.core.models import AuditEvent
from tests.briefings.conftest import local

NOW = local(2026, 12, 2, 9)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_page_offers_last_month_and_lists_the_register(client, world):
    services.briefing_generate(
        actor=world.leader, date_from=date(2026, 10, 1), date_to=date(2026, 10, 31), area=world.town
    )
    client.force_login(world.leader)
    page = client.get(reverse("console:briefings")).content.decode()
    assert 'value="2026-11-01"' in page and 'value="2026-11-30"' in page
    assert "生成简报" in page and "2026年第 1 期" in page and "嘉积镇" in page and "leader" in page
    assert reverse("console:briefing_file", args=[Briefing.objects.get().pk]) in page


def test_the_dashboard_period_fills_the_form(client, world):
    client.force_login(world.leader)
    dashboard = client.get(reverse("console:dashboard"), {"period": "90d"}).content.decode()
    assert reverse("console:briefings") + "?from=2026-09-04&amp;to=2026-12-02" in dashboard
    page = client.get(
        reverse("console:briefings"), {"from": "2026-09-04", "to": "2026-12-02"}
    ).content.decode()
    assert 'value="2026-09-04"' in page and 'value="2026-12-02"' in page
    odd = client.get(reverse("console:briefings"), {"from": "2026-12-02", "to": "bad"}).content.decode()
    assert 'value="2026-11-01"' in odd  # an unreadable period falls back to last month


def test_an_empty_register_says_so(client, world):
    client.force_login(world.supervisor)
    assert "还没有生成过简报。" in client.get(reverse("console:briefings")).content.decode()


def test_generating_from_the_page_then_downloading(client, world):
    client.force_login(world.supervisor)
    response = client.post(
        reverse("console:briefing_generate"),
        {"from": "2026-11-01", "to": "2026-11-30", "area": world.town.pk, "generate": "1"},
        follow=True,
    )
    assert "已生成嘉积镇2026年第1期" in response.content.decode()
    briefing = Briefing.objects.get()
    assert briefing.generated_by == world.supervisor
    download = client.get(reverse("console:briefing_file", args=[briefing.pk]))
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    document = docx.Document(io.BytesIO(download.content))
    assert document.paragraphs[1].text == "2026年第 1 期"
    assert AuditEvent.objects.filter(action="briefing.download", actor=world.supervisor).count() == 1


def test_a_preview_downloads_without_a_number(client, world):
    client.force_login(world.leader)
    response = client.post(
        reverse("console:briefing_generate"), {"from": "2026-11-01", "to": "2026-11-30", "preview": "1"}
    )
    assert response.status_code == 200
    assert docx.Document(io.BytesIO(response.content)).paragraphs[1].text == "预览稿（未编号）"
    assert not Briefing.objects.exists()


def test_refusals_are_messages_on_the_page(client, world):
    client.force_login(world.leader)
    url = reverse("console:briefing_generate")
    for data, message in (
        ({"from": "2026-12-01", "to": "2026-11-30"}, "起始日期不能晚于结束日期"),
        ({"from": "2026-13-01", "to": "2026-11-30"}, "请填写起始日期（年-月-日）"),
        ({"from": "2026-11-01", "to": "2026-11-30", "area": "999999"}, "所选区划不存在"),
    ):
        response = client.post(url, data, HTTP_REFERER=reverse("console:briefings"), follow=True)
        assert response.status_code == 200
        assert message in response.content.decode()
    assert not Briefing.objects.exists()


def test_the_register_exports_to_excel(client, world):
    services.briefing_generate(actor=world.leader, date_from=date(2026, 11, 1), date_to=date(2026, 11, 30))
    client.force_login(world.admin)
    response = client.get(reverse("console:briefings_export"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "工作简报登记表"
    assert rows[2][:3] == ("年度", "期号", "范围")
    assert rows[3][:3] == (2026, 1, "全市")
    assert rows[3][5] == "leader"
    assert AuditEvent.objects.filter(action="export.briefings", actor=world.admin).count() == 1


@pytest.mark.parametrize("who", ["operator", "handler"])
def test_other_roles_are_refused_every_briefing_page(client, world, who):
    briefing = services.briefing_generate(
        actor=world.leader, date_from=date(2026, 11, 1), date_to=date(2026, 11, 30)
    )
    client.force_login(world[who])
    for url in (
        reverse("console:briefings"),
        reverse("console:briefings_export"),
        reverse("console:briefing_file", args=[briefing.pk]),
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(reverse("console:briefing_generate"), {"from": "2026-11-01", "to": "2026-11-30"})
    assert response.status_code == 403
    assert Briefing.objects.count() == 1
    assert not AuditEvent.objects.filter(action="briefing.download").exists()
