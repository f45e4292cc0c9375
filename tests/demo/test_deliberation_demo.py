"""The demo's deliberation: every state on show, a 四议两公开 with all six steps, the drain case paid by the town,
topics from tickets and a resolution turned into a ticket, notices and results on the portal now; built once;
squeezed into the first days of January too."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from civicgrid.deliberation.models import Topic, TopicAction
from civicgrid.deliberation.selectors import notices_on, results_on
from civicgrid.deliberation.stats import KEYS, deliberation_stats
from civicgrid.demo import deliberation as demo
from civicgrid.demo.city import build_city
from civicgrid.demo.engagement import build_engagement
from civicgrid.demo.ledgers import build as build_ledgers
from civicgrid.demo.party import build_party
from civicgrid.registry.models import AdminArea
from tests.routing.factories import make_ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def _city(tmp_path, settings, now):
    settings.DATA_DIR = tmp_path
    with time_machine.travel(now, tick=False):
        city = build_city(seed=3, grids=24, log=lambda msg: None).city
        build_party(city=city, seed=3, log=lambda msg: None)
        build_engagement(city=city, seed=3, log=lambda msg: None)
        build_ledgers(city=city, seed=3, log=lambda msg: None)
        # the demo's 12345 tickets (not built here): two in urban communities, some hours old
        urban = AdminArea.objects.filter(level="village", name__endswith="社区", code__startswith=city.code)
        for community in urban.order_by("code")[:2]:
            ticket = make_ticket(community=community)
            ticket.received_at = now - timedelta(hours=3)
            ticket.save(update_fields=["received_at"])
    return city


@pytest.mark.parametrize(
    "now", [datetime(2026, 12, 6, 10, tzinfo=SHANGHAI), datetime(2027, 1, 2, 9, tzinfo=SHANGHAI)]
)
def test_demo_deliberation(tmp_path, settings, now):
    city = _city(tmp_path, settings, now)
    with time_machine.travel(now, tick=False):
        result = demo.build(city=city, log=lambda msg: None)
        assert result.created
        assert set(Topic.objects.values_list("state", flat=True)) == set(Topic.State.values)
        road = Topic.objects.get(form=Topic.Form.FOUR_TWO, state=Topic.State.FED_BACK)
        assert list(road.four_two_steps.values_list("step", flat=True)) == [1, 2, 3, 4, 5, 6]
        drain = Topic.objects.get(title="凯源小区二街水沟坍塌堵塞")
        assert drain.funding_source == "镇财政" and drain.state == Topic.State.FED_BACK
        assert Topic.objects.filter(source=Topic.Source.HOTSPOT, tickets__isnull=False).exists()
        assert TopicAction.objects.filter(ticket__isnull=False).exists()
        assert TopicAction.objects.filter(ledger_item__source="deliberation").exists()
        today = now.date()
        assert notices_on(today).exists() and results_on(today).exists()
        figures = deliberation_stats(city, now.year)
        assert [key for key in KEYS if not figures[key]] == []
        assert not demo.build(city=city, log=lambda msg: None).created
