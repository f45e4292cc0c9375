"""The demo's ledger: every state, overdue and suspended items, public ones, approved and pending reports, ticket
links both ways; a second run changes nothing (its speed is bench_demo's)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from civicgrid.demo.city import build_city
from civicgrid.demo.ledgers import build
from civicgrid.ledgers.models import Campaign, ItemTicket, LedgerItem, ProgressReport
from civicgrid.ledgers.progress import overdue_q, stats

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_demo_ledger_has_every_state(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    with time_machine.travel(NOW, tick=False):
        city = build_city(seed=3, grids=24, log=lambda msg: None).city
        result = build(city=city, seed=3, log=lambda msg: None)
        assert result.created  # speed is bench_demo's, not a test's
        campaign = Campaign.objects.get(code="JBGS-2026")
        items = campaign.items.all()
        assert set(items.values_list("state", flat=True)) == set(LedgerItem.State.values)
        assert items.filter(overdue_q(NOW.date())).count() >= 2
        assert items.filter(suspended=True).exists() and items.filter(is_public=True).exists()
        assert not items.filter(state=LedgerItem.State.PROPOSED, is_public=True).exists()
        reports = ProgressReport.objects.filter(item__campaign=campaign)
        assert reports.filter(status=ProgressReport.Status.APPROVED).exists()
        assert reports.filter(status=ProgressReport.Status.SUBMITTED).exists()
        figures = stats(items, NOW.date())
        assert figures["items"] == 24 and figures["closed"] == 5 and 0 < figures["avg_progress"] < 100
        assert not build(city=city, seed=3, log=lambda msg: None).created
        assert campaign.items.count() == 24


def test_two_demo_tickets_are_linked_both_ways(db, settings, tmp_path):
    from civicgrid.routing.vocabulary import RequestType
    from civicgrid.tickets.models import Channel
    from civicgrid.tickets.services import ticket_register

    settings.DATA_DIR = tmp_path
    with time_machine.travel(NOW, tick=False):
        city = build_city(seed=3, grids=24, log=lambda msg: None).city
        for n in range(2):
            ticket_register(
                actor=None,
                channel=Channel.WEB,
                request_type=RequestType.COMPLAINT,
                title=f"市场周边占道经营{n}",
                content="早上七点市场门口摊贩占道，车辆无法通行",
                requester_name="李女士",
                requester_phone="13800000000",
            )
        build(city=city, seed=3, log=lambda msg: None)
    directions = set(ItemTicket.objects.values_list("direction", flat=True))
    assert directions == {ItemTicket.Direction.SENT, ItemTicket.Direction.RAISED}
