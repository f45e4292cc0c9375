"""Actions from a hotspot: guarded, atomic, audited and linked."""

import pytest

from civicgrid.core.actors import SYSTEM
from civicgrid.core.models import AuditEvent
from civicgrid.deliberation.models import Topic
from civicgrid.hotspots.models import HotspotAction
from civicgrid.hotspots.services import HotspotError, hotspot_key_list, hotspot_to_ledger, hotspot_to_topic
from civicgrid.ledgers import services as ledgers
from civicgrid.ledgers.models import LedgerItem
from civicgrid.tickets.models import Ticket
from tests.hotspots.factories import moment, ticket


def _hotspot(world, n=3, unit=None):
    return [
        ticket(world, moment(2026, 3, 1, 9 + k), title="椰林花园小区烧烤摊油烟扰民", unit=unit).pk
        for k in range(n)
    ]


def test_key_list_puts_every_ticket_on_the_list_once(world):
    ids = _hotspot(world)
    Ticket.objects.filter(pk=ids[0]).update(on_key_list=True)
    link = hotspot_key_list(
        actor=world["supervisor"], label="椰林花园：油烟", ticket_ids=ids, note="反复投诉"
    )
    assert Ticket.objects.filter(pk__in=ids, on_key_list=True).count() == 3
    assert link.kind == "key_list" and link.tickets.count() == 2
    assert AuditEvent.objects.filter(action="hotspots.key_list").count() == 1
    with pytest.raises(HotspotError, match="都已在重点督办清单中"):
        hotspot_key_list(actor=world["leader"], label="椰林花园：油烟", ticket_ids=ids)


def test_a_handler_may_not_act_and_nothing_changes(world):
    ids = _hotspot(world, unit=world["housing"])
    with pytest.raises(HotspotError, match="无权列入重点督办"):
        hotspot_key_list(actor=world["zjj"], label="椰林花园：油烟", ticket_ids=ids)
    assert not Ticket.objects.filter(on_key_list=True).exists()
    assert not HotspotAction.objects.exists()


def test_ledger_item_from_a_hotspot(world):
    campaign = ledgers.campaign_create(
        actor=SYSTEM,
        code="JBGS-2026",
        name="2026年揭榜挂帅",
        year=2026,
        owner_unit=world["centre"],
        area=world["city"],
    )
    ids = _hotspot(world)
    link = hotspot_to_ledger(
        actor=world["supervisor"], label="椰林花园：油烟", ticket_ids=ids, campaign=campaign
    )
    item = LedgerItem.objects.get(pk=link.target_id)
    assert item.source == LedgerItem.Source.HOTSPOT
    assert "椰林花园" in item.problem
    assert link.target_type == "ledgers.ledgeritem"
    assert AuditEvent.objects.filter(action="hotspots.ledger").count() == 1


def test_topic_from_a_hotspot_needs_area_rights(world):
    ids = _hotspot(world)
    from civicgrid.core.refusal import Refusal

    with pytest.raises(Refusal):
        hotspot_to_topic(actor=world["dispatcher"], label="椰林花园：油烟", ticket_ids=ids)
    admin = world["supervisor"]
    admin.is_superuser = True
    admin.save()
    link = hotspot_to_topic(actor=admin, label="椰林花园：油烟", ticket_ids=ids)
    topic = Topic.objects.get(pk=link.target_id)
    assert topic.source == Topic.Source.HOTSPOT
    assert topic.tickets.count() == 3
    assert topic.area.code == "469002100001"
