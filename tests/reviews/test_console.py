import io

import time_machine
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from civicgrid.core.models import AuditEvent
from civicgrid.reviews import services
from civicgrid.reviews.models import Ballot, ReviewCampaign
from tests.reviews.conftest import moment, ready_campaign


def test_campaign_list_create_and_export(client, world):
    with time_machine.travel(moment(2026, 12, 1), tick=False):
        client.force_login(world["organiser"])
        page = client.get(reverse("console:rv_campaigns"))
        assert page.status_code == 200 and "暂无述职评议" in page.content.decode()
        response = client.post(
            reverse("console:rv_campaign_new"),
            {
                "code": "SZPY-2026",
                "name": "2026年度述职评议",
                "year": "2026",
                "area": world["county"].pk,
                "kinds": ["town", "department"],
            },
        )
        campaign = ReviewCampaign.objects.get(code="SZPY-2026")
        assert response.status_code == 302 and response["Location"] == reverse(
            "console:rv_campaign", args=[campaign.pk]
        )
        text = client.get(
            reverse("console:rv_campaigns"), {"year": "2026", "state": "draft", "q": "述职"}
        ).content.decode()
        assert "2026年度述职评议" in text
        assert (
            "暂无述职评议" in client.get(reverse("console:rv_campaigns"), {"state": "open"}).content.decode()
        )
        data = client.get(reverse("console:rv_campaigns_export"), {"state": "draft"})
        sheet = load_workbook(io.BytesIO(data.content)).active
        assert (
            sheet["A1"].value == "述职评议清单"
            and sheet["A4"].value == "SZPY-2026"
            and sheet["G4"].value == "筹备中"
        )
        assert AuditEvent.objects.filter(action="export.review_campaigns").exists()
        # towns from the party register; refusals come back as messages
        response = client.post(
            reverse("console:rv_campaign_action", args=[campaign.pk]), {"action": "towns"}, follow=True
        )
        text = response.content.decode()
        assert "已添加1名乡镇（街道）书记" in text and "博鳌镇：中共博鳌镇委员会书记空缺" in text
        response = client.post(
            reverse("console:rv_campaign_action", args=[campaign.pk]), {"action": "open"}, follow=True
        )
        assert "尚未设置测评组" in response.content.decode()


def test_campaign_pages_are_scoped(client, world):
    made = ready_campaign(world)
    campaign, town = made["campaign"], made["town"]
    client.force_login(world["outsider"])
    assert client.get(reverse("console:rv_campaign", args=[campaign.pk])).status_code == 403
    assert client.get(reverse("console:rv_reporter", args=[town.pk])).status_code == 403
    assert client.get(reverse("console:rv_results_export", args=[campaign.pk])).status_code == 403
    assert client.get(reverse("console:rv_reporter_docx", args=[town.pk])).status_code == 403
    assert (
        "乡镇党委书记抓基层党建述职评议" not in client.get(reverse("console:rv_campaigns")).content.decode()
    )
    client.force_login(world["handler"])
    assert client.get(reverse("console:rv_reporter", args=[town.pk])).status_code == 403
    assert client.get(reverse("console:rv_ballot", args=[campaign.pk])).status_code == 403


def test_manager_pages_and_downloads(client, world):
    made = ready_campaign(world)
    campaign, town = made["campaign"], made["town"]
    client.force_login(world["organiser"])
    text = client.get(reverse("console:rv_campaign", args=[campaign.pk])).content.decode()
    assert "王建国" in text and "全委会成员" in text and "0／4" in text
    client.post(
        reverse("console:rv_paper_enter", args=[town.pk]), {"group": made["staff"].pk, "n-0": "2", "n-1": "1"}
    )
    client.post(reverse("console:rv_reporter_comment", args=[town.pk]), {"comment": "抓党建有力。"})
    client.post(
        reverse("console:rv_rectification_new", args=[town.pk]),
        {
            "problem": "组织生活不规范",
            "measure": "每月检查",
            "responsible": "王建国",
            "due_date": "2027-03-31",
        },
    )
    text = client.get(reverse("console:rv_reporter", args=[town.pk])).content.decode()
    assert "抓党建有力。" in text and "组织生活不规范" in text and "12345热线办理情况" in text
    # paper: 好 100 ×2, 较好 80 → 93.33 in 本单位干部群众, the only group with ballots
    assert "93.33" in text
    doc = Document(io.BytesIO(client.get(reverse("console:rv_reporter_docx", args=[town.pk])).content))
    assert "抓党建有力。" in "\n".join(p.text for p in doc.paragraphs)
    # the page's tables as Excel: the data sheet, the result, the rectification items; audited
    page = reverse("console:rv_reporter", args=[town.pk])
    book = load_workbook(io.BytesIO(client.get(page, {"export": "xlsx"}).content))
    assert book.sheetnames == ["述职数据", "测评结果", "整改事项"]
    data = book["述职数据"]
    assert data["A1"].value == "述职数据" and [c.value for c in data[3]] == ["部分", "指标", "数值", "口径"]
    assert any(row[0] == "12345热线办理情况" for row in data.iter_rows(min_row=4, values_only=True))
    assert book["测评结果"]["D4"].value is not None or book["测评结果"]["D5"].value is not None
    assert book["整改事项"]["A4"].value == "组织生活不规范"
    assert AuditEvent.objects.filter(action="export.review_reporter", actor=world["organiser"]).count() == 1
    client.force_login(world["outsider"])
    assert client.get(page, {"export": "xlsx"}).status_code == 403
    client.force_login(world["organiser"])
    book = load_workbook(
        io.BytesIO(client.get(reverse("console:rv_results_export", args=[campaign.pk])).content)
    )
    assert book.active["B4"].value == "王建国"
    # publish needs the confirmation box
    client.post(reverse("console:rv_campaign_action", args=[campaign.pk]), {"action": "close"})
    response = client.post(
        reverse("console:rv_campaign_action", args=[campaign.pk]), {"action": "publish"}, follow=True
    )
    assert "请勾选确认" in response.content.decode()
    client.post(
        reverse("console:rv_campaign_action", args=[campaign.pk]), {"action": "publish", "confirm": "1"}
    )
    campaign.refresh_from_db()
    assert campaign.state == ReviewCampaign.State.PUBLISHED


def test_rater_votes_on_the_ballot_page(client, world):
    made = ready_campaign(world)
    campaign, town = made["campaign"], made["town"]
    client.force_login(world["r1"])
    url = reverse("console:rv_ballot", args=[campaign.pk])
    text = client.get(url).content.decode()
    assert "王建国" in text and "李明" in text and "未投票" in text
    response = client.post(url, {"reporter": town.pk, "grade": "较好"})
    assert response.status_code == 302
    client.post(url, {"reporter": town.pk, "grade": "好"})
    assert list(Ballot.objects.values_list("grade", flat=True)) == ["好"]
    assert "去投票" in client.get(reverse("console:rv_mine")).content.decode()
    response = client.post(url, {"reporter": town.pk, "grade": "优秀"}, follow=True)
    assert "请选择好、较好、一般、差中的一个等次" in response.content.decode()


def test_reporter_sees_results_only_after_publication(client, world):
    made = ready_campaign(world)
    campaign, town = made["campaign"], made["town"]
    services.ballot_cast(actor=world["r1"], reporter=town, grade="好")
    item = services.rectification_add(
        actor=world["organiser"],
        reporter=town,
        problem="党员发展滞后",
        measure="制定计划",
        responsible="王建国",
        due_date=moment(2027, 1, 31).date(),
    )
    client.force_login(world["secretary_user"])
    text = client.get(reverse("console:rv_mine")).content.decode()
    assert "结果尚未公布" in text and "党员发展滞后" in text and "综合得分：" not in text
    text = client.get(reverse("console:rv_reporter", args=[town.pk])).content.decode()
    assert "结果尚未公布" in text and "综合得分：" not in text
    client.post(
        reverse("console:rv_rectification_done", args=[item.pk]), {"evidence": "已发展2名", "next": "mine"}
    )
    item.refresh_from_db()
    assert item.state == "done"
    services.campaign_close(actor=world["organiser"], campaign=campaign)
    services.campaign_publish(actor=world["organiser"], campaign=campaign)
    text = client.get(reverse("console:rv_mine")).content.decode()
    assert "综合得分：" in text and "100.00" in text
    # another reporter's page stays closed
    assert client.get(reverse("console:rv_reporter", args=[made["dept"].pk])).status_code == 403
