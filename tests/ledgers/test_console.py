"""The console pages: who sees what (scope), the actions through the pages, exports."""

from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from civicgrid.ledgers.models import LedgerItem, ProgressReport
from tests.ledgers.conftest import item_in, moment

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def items(world):
    with time_machine.travel(moment(2026, 3, 1), tick=False):
        return {state: item_in(world, state) for state in ["proposed", "listed", "in_progress", "closed"]}


def test_organiser_pages_render(client, world, items):
    client.force_login(world["organiser"])
    campaign = world["campaign"]
    for url in [
        reverse("console:ldg_campaigns"),
        reverse("console:ldg_campaign", args=[campaign.pk]),
        reverse("console:ldg_campaign", args=[campaign.pk])
        + "?state=listed&overdue=1&on_list=1&source=self_found",
        reverse("console:ldg_approvals"),
        reverse("console:ldg_ranking"),
        reverse("console:ldg_item", args=[items["in_progress"].pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    export = client.get(reverse("console:ldg_campaign_export", args=[campaign.pk]))
    assert export.status_code == 200 and export.content[:2] == b"PK"
    ranking = client.get(reverse("console:ldg_ranking_export") + f"?campaign={campaign.pk}")
    assert ranking.status_code == 200 and ranking.content[:2] == b"PK"


def test_campaign_search_and_filters(client, world, items):
    client.force_login(world["organiser"])
    url = reverse("console:ldg_campaign", args=[world["campaign"].pk])
    html = client.get(url + "?state=closed").content.decode()
    assert items["closed"].number in html and items["proposed"].number not in html
    html = client.get(url + "?batch=1&unit=" + str(world["water"].pk)).content.decode()
    assert items["closed"].number in html  # the 水务局 co-leads every item built by item_in
    assert "第1批" in html
    html = client.get(url + f"?q={items['listed'].number}").content.decode()
    assert f">{items['listed'].number}<" in html


def test_units_see_only_their_items(client, world, items):
    client.force_login(world["jtj"])  # 交通局: neither leads nor co-leads
    assert client.get(reverse("console:ldg_item", args=[items["listed"].pk])).status_code == 403
    assert items["listed"].number not in client.get(reverse("console:ldg_mine")).content.decode()
    client.force_login(world["swj"])  # 水务局 co-leads: reads, does not act
    response = client.get(reverse("console:ldg_item", args=[items["in_progress"].pk]))
    assert response.status_code == 200
    assert "ldg_item_report" not in response.content.decode() and "/report/" not in response.content.decode()
    assert client.get(reverse("console:ldg_campaigns")).status_code == 403
    client.force_login(world["zjj"])
    html = client.get(reverse("console:ldg_mine")).content.decode()
    assert items["in_progress"].number in html


def test_unit_reports_progress_with_evidence_and_organiser_approves(client, world, items):
    item = items["in_progress"]
    client.force_login(world["zjj"])
    response = client.post(
        reverse("console:ldg_item_report", args=[item.pk]),
        {"percent": "60", "narrative": "完成主管网铺设", "evidence": SimpleUploadedFile("现场.png", PNG)},
    )
    assert response.status_code == 302
    report = item.reports.get()
    assert report.status == ProgressReport.Status.SUBMITTED and report.evidence_type == "image/png"
    bad = client.post(
        reverse("console:ldg_item_report", args=[item.pk]),
        {"percent": "70", "narrative": "x", "evidence": SimpleUploadedFile("a.png", b"not a png")},
        HTTP_REFERER=reverse("console:ldg_item", args=[item.pk]),
    )
    assert bad.status_code == 302 and item.reports.count() == 1
    assert client.get(reverse("console:ldg_report_evidence", args=[report.pk])).status_code == 200
    client.force_login(world["jtj"])
    assert client.get(reverse("console:ldg_report_evidence", args=[report.pk])).status_code == 403
    client.force_login(world["organiser"])
    html = client.get(reverse("console:ldg_approvals")).content.decode()
    assert "完成主管网铺设" in html
    client.post(reverse("console:ldg_report_decide", args=[report.pk]), {"decision": "approve"})
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.APPROVED


def test_actions_through_the_item_page(client, world, items):
    item = items["proposed"]
    client.force_login(world["organiser"])
    client.post(reverse("console:ldg_item_action", args=[item.pk]), {"action": "list"})
    item.refresh_from_db()
    assert item.state == LedgerItem.State.LISTED
    client.force_login(world["zjj"])
    client.post(
        reverse("console:ldg_item_action", args=[item.pk]), {"action": "take", "letter_date": "2026-03-02"}
    )
    item.refresh_from_db()
    assert item.state == LedgerItem.State.TAKEN and item.responsibility_letter_date == date(2026, 3, 2)
    # a unit cannot suspend
    page = reverse("console:ldg_item", args=[item.pk])
    client.post(
        reverse("console:ldg_item_action", args=[item.pk]),
        {"action": "suspend", "reason": "x"},
        HTTP_REFERER=page,
    )
    item.refresh_from_db()
    assert not item.suspended
    client.force_login(world["organiser"])
    client.post(
        reverse("console:ldg_item_action", args=[item.pk]), {"action": "suspend", "reason": "等待省级政策"}
    )
    item.refresh_from_db()
    assert item.suspended and item.suspend_reason == "等待省级政策"


def test_campaign_created_from_the_console(client, world):
    client.force_login(world["organiser"])
    response = client.post(
        reverse("console:ldg_campaign_new"),
        {
            "code": "CDD-2026",
            "name": "2026年查堵点",
            "year": "2026",
            "owner_unit": "U-ZZB",
            "area": world["city"].pk,
        },
    )
    assert response.status_code == 302
    client.force_login(world["zjj"])
    assert client.post(reverse("console:ldg_campaign_new"), {"code": "X"}).status_code == 403


def test_ticket_page_shows_ledger_links_and_sends_a_ticket_to_a_ledger(client, world):
    from civicgrid.routing.vocabulary import RequestType
    from civicgrid.tickets.models import Channel
    from civicgrid.tickets.services import ticket_register

    ticket = ticket_register(
        actor=None,
        channel=Channel.WEB,
        request_type=RequestType.COMPLAINT,
        title="市场周边占道经营严重",
        content="早上七点市场门口摊贩占道，车辆无法通行",
        requester_name="李女士",
        requester_phone="13800000000",
    )
    client.force_login(world["dispatcher"])
    page = client.get(reverse("console:ticket", args=[ticket.pk])).content.decode()
    assert "列入问题台账" in page and reverse("console:ldg_from_ticket", args=[ticket.pk]) in page
    assert client.get(reverse("console:ldg_from_ticket", args=[ticket.pk])).status_code == 200
    response = client.post(
        reverse("console:ldg_from_ticket", args=[ticket.pk]),
        {"campaign": world["campaign"].pk, "deadline": "2026-12-31", "lead_unit": "U-ZJJ", "on_list": "1"},
    )
    item = LedgerItem.objects.get()
    assert response.status_code == 302 and item.source == LedgerItem.Source.HOTSPOT and item.on_list
    page = client.get(reverse("console:ticket", args=[ticket.pk])).content.decode()
    assert reverse("console:ldg_item", args=[item.pk]) in page
    item_page = client.get(reverse("console:ldg_item", args=[item.pk])).content.decode()
    assert ticket.number in item_page
    # 组织部 of another county sees neither the campaign nor the item
    from civicgrid.registry.models import Role
    from tests.party.factories import staff, unit
    from tests.registry.factories import make_area

    elsewhere = make_area("460400", "儋州市", "county", world["areas"]["460000"])
    far = staff(
        "dz_zzb", [Role.ORGANISATION_STAFF], units=[unit("U-DZ-ZZB", elsewhere, name="儋州市委组织部")]
    )
    client.force_login(far)
    assert client.get(reverse("console:ldg_campaign", args=[world["campaign"].pk])).status_code == 403
    assert client.get(reverse("console:ldg_item", args=[item.pk])).status_code == 403
    listing = client.get(reverse("console:ldg_campaigns")).content.decode()
    assert reverse("console:ldg_campaign", args=[world["campaign"].pk]) not in listing
    assert "琼海市" not in listing  # not offered as an area for a new campaign either
