"""The public board (张榜公示): only items marked public and past the proposal; readable without signing in."""

import time_machine
from django.urls import reverse

from civicgrid.ledgers import services
from tests.ledgers.conftest import item_in, moment


def test_the_board_shows_only_public_items(client, world):
    with time_machine.travel(moment(2026, 3, 1), tick=False):
        shown = item_in(world, "in_progress")
        hidden = item_in(world, "closed")
        proposal = item_in(world, "proposed")
        for item in (shown, proposal):
            item.is_public = True
            item.save()
        shown.problem, hidden.problem, proposal.problem = "公开的堵点", "内部的堵点", "拟列入的堵点"
        for item in (shown, hidden, proposal):
            item.save()
        report = services.progress_submit(
            actor=world["zjj"], item=shown, percent=45, narrative="进展", at=moment(2026, 3, 2)
        )
        services.progress_approve(actor=world["organiser"], report=report, at=moment(2026, 3, 3))
        html = client.get(reverse("portal:ledgers")).content.decode()
        assert "2026年揭榜挂帅/查堵点" in html
        page = client.get(reverse("portal:ledger_campaign", args=["JBGS-2026"]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "公开的堵点" in html and "45%" in html and "琼海市住房和城乡建设局" in html
    assert "内部的堵点" not in html and "拟列入的堵点" not in html


def test_a_campaign_without_public_items_is_not_on_the_board(client, world):
    with time_machine.travel(moment(2026, 3, 1), tick=False):
        item_in(world, "in_progress")
    assert "2026年揭榜挂帅" not in client.get(reverse("portal:ledgers")).content.decode()
    assert client.get(reverse("portal:ledger_campaign", args=["JBGS-2026"])).status_code == 404
