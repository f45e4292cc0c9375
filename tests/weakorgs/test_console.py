"""The console pages: the board and its filters, the decision step, the plan page's actions, scope on every page
(another area's staff and another organisation's secretary are refused), the Excel and Word downloads."""

import io
from datetime import date

import pytest
import time_machine
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from civicgrid.core.actors import SYSTEM
from civicgrid.core.models import AuditEvent
from civicgrid.weakorgs import services
from civicgrid.weakorgs.models import Candidate, RectificationPlan
from tests.weakorgs.conftest import moment

pytestmark = pytest.mark.django_db


@pytest.fixture
def scanned(world):
    services.scan(actor=SYSTEM, as_of=date(2026, 12, 2), at=moment(2026, 12, 2))
    return world


def _plan(world):
    organiser = world["organiser"]
    candidate = Candidate.objects.get(org=world["yinhai"], state="open")
    plan = services.candidate_confirm(actor=organiser, candidate=candidate, year=2026, batch="2026年第一批")
    services.plan_update(
        actor=organiser,
        plan=plan,
        problems="书记空缺",
        measures="选配书记",
        leader_name="陈某某",
        leader_title="镇党委副书记",
        due_on=date(2026, 12, 31),
    )
    services.item_add(
        actor=organiser, plan=plan, problem="书记空缺", measure="选配书记", responsible="镇党委"
    )
    services.plan_approve(actor=organiser, plan=plan)
    plan.refresh_from_db()
    return plan


@time_machine.travel(moment(2026, 12, 5), tick=False)
def test_the_board_lists_candidates_and_plans_with_filters(client, scanned):
    world = scanned
    client.force_login(world["organiser"])
    page = client.get(reverse("console:wo_board"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "书记空缺 4 个月（自 2026-08-01）" in text and "没有符合条件的已认定党组织" in text
    _plan(world)
    for query in (
        "",
        "?year=2026&state=approved&kind=community",
        f"?area={world['town'].pk}&q=银海",
        "?overdue=1",
    ):
        response = client.get(reverse("console:wo_board") + query)
        assert response.status_code == 200, query
    assert "银海社区党支部" in client.get(reverse("console:wo_board") + "?year=2026").content.decode()
    assert (
        "没有符合条件的已认定党组织"
        in client.get(reverse("console:wo_board") + "?kind=organ").content.decode()
    )


@time_machine.travel(moment(2026, 12, 5), tick=False)
def test_staff_of_another_area_see_nothing_and_are_refused(client, scanned):
    world = scanned
    plan = _plan(world)
    candidate = Candidate.objects.filter(state="open").first()
    client.force_login(world["outsider"])
    board = client.get(reverse("console:wo_board")).content.decode()
    assert "银海社区党支部" not in board and "金海社区党支部" not in board
    assert client.get(reverse("console:wo_candidate", args=[candidate.pk])).status_code == 403
    assert client.get(reverse("console:wo_plan", args=[plan.pk])).status_code == 403
    assert client.get(reverse("console:wo_plan_docx", args=[plan.pk])).status_code == 403
    assert (
        client.post(reverse("console:wo_plan_action", args=[plan.pk]), {"action": "start"}).status_code == 403
    )
    workbook = load_workbook(io.BytesIO(client.get(reverse("console:wo_board_export")).content))
    assert workbook["整顿方案"].max_row <= 4  # title, scope, header: no rows


@time_machine.travel(moment(2026, 12, 5), tick=False)
def test_deciding_a_candidate_through_its_page(client, scanned):
    world = scanned
    client.force_login(world["organiser"])
    candidate = Candidate.objects.get(org=world["jinhai"], state="open")
    url = reverse("console:wo_candidate", args=[candidate.pk])
    assert "提交研判" in client.get(url).content.decode()
    refused = client.post(url, {"decision": "dismiss", "note": ""}, HTTP_REFERER=url)
    assert refused.status_code == 302
    assert Candidate.objects.get(pk=candidate.pk).state == "open"
    client.post(url, {"decision": "dismiss", "note": "书记已到岗，组织生活已补齐"})
    assert Candidate.objects.get(pk=candidate.pk).state == "dismissed"
    other = Candidate.objects.get(org=world["yinhai"], state="open")
    response = client.post(
        reverse("console:wo_candidate", args=[other.pk]), {"decision": "confirm", "year": "2026", "batch": ""}
    )
    plan = RectificationPlan.objects.get(org=world["yinhai"])
    assert response["Location"] == reverse("console:wo_plan", args=[plan.pk]) and plan.batch == "2026年"
    designated = client.post(
        reverse("console:wo_designate"),
        {"org": "ZJJ", "reason": "班子软弱", "year": "2026", "batch": "2026年第一批"},
    )
    assert designated.status_code == 302 and RectificationPlan.objects.filter(org=world["organ"]).exists()


@time_machine.travel(moment(2026, 12, 5), tick=False)
def test_the_secretary_sees_only_his_own_plan_and_works_on_it(client, scanned):
    world = scanned
    plan = _plan(world)
    client.force_login(world["deputy"])
    assert client.get(reverse("console:wo_mine"))["Location"] == reverse("console:wo_plan", args=[plan.pk])
    assert client.get(reverse("console:wo_board")).status_code == 403
    page = client.get(reverse("console:wo_plan", args=[plan.pk])).content.decode()
    assert "开始整顿</button>" in page and "审定方案</button>" not in page and "验收摘牌</button>" not in page
    action = reverse("console:wo_plan_action", args=[plan.pk])
    client.post(action, {"action": "start"})
    client.post(action, {"action": "note", "text": "已推选书记人选"})
    client.post(action, {"action": "item_done", "item": plan.items.get().pk, "done_note": "已到岗"})
    client.post(action, {"action": "apply", "note": "申请验收"})
    plan.refresh_from_db()
    assert plan.state == "applied_for_acceptance" and plan.notes.count() == 1
    refused = client.post(action, {"action": "accept", "note": "自己验收"}, HTTP_REFERER=action)
    assert (
        refused.status_code == 302
        and RectificationPlan.objects.get(pk=plan.pk).state == "applied_for_acceptance"
    )
    client.force_login(world["jsecretary"])  # the 金海 secretary: not his organisation
    assert client.get(reverse("console:wo_plan", args=[plan.pk])).status_code == 403
    assert client.get(reverse("console:wo_mine")).status_code == 200
    client.force_login(world["organiser"])
    client.post(action, {"action": "accept", "note": "整顿到位"})
    assert RectificationPlan.objects.get(pk=plan.pk).state == "accepted"


@time_machine.travel(moment(2026, 12, 5), tick=False)
def test_exports_read_back_and_are_audited(client, scanned):
    world = scanned
    plan = _plan(world)
    client.force_login(world["organiser"])
    response = client.get(reverse("console:wo_board_export") + "?year=2026")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["整顿方案"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows.index(next(r for r in rows if r and r[0] == "年度"))
    assert rows[header][2] == "党组织" and rows[header + 1][2] == "银海社区党支部"
    assert rows[header + 1][11] == "方案已审定"
    candidates = [[c.value for c in row] for row in book["待研判候选"].iter_rows()]
    assert any(r[0] == "金海社区党支部" for r in candidates)
    docx = client.get(reverse("console:wo_plan_docx", args=[plan.pk]))
    assert docx.status_code == 200
    document = Document(io.BytesIO(docx.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "银海社区党支部整顿工作方案" in text and "包联领导：陈某某 镇党委副书记" in text
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["序号", "问题", "措施", "责任人", "时限", "状态"]
    assert table.rows[1].cells[1].text == "书记空缺"
    # the plan page's tables as Excel: items, progress notes, history
    before = AuditEvent.objects.filter(action="export.weakorgs_plan").count()
    plan_book = load_workbook(
        io.BytesIO(client.get(reverse("console:wo_plan", args=[plan.pk]), {"export": "xlsx"}).content)
    )
    assert plan_book.sheetnames == ["整顿事项", "整顿进展", "办理记录"]
    items = plan_book["整顿事项"]
    assert [c.value for c in items[3]][:5] == ["问题", "措施", "责任人", "时限", "状态"]
    assert items["A4"].value == "书记空缺" and "银海社区党支部" in items["A2"].value
    assert plan_book["办理记录"]["A4"].value is not None
    assert AuditEvent.objects.filter(action="export.weakorgs_plan").count() == before + 1
    assert set(
        AuditEvent.objects.filter(action__startswith="export.weakorgs").values_list("action", flat=True)
    ) == {
        "export.weakorgs_board",
        "export.weakorgs_plan",
    }


def test_scan_from_the_board(client, world):
    client.force_login(world["organiser"])
    response = client.post(reverse("console:wo_scan"), {"area": ""})
    assert response.status_code == 302
    assert Candidate.objects.filter(state="open").count() >= 1
