"""A resolution becomes a ledger item (source 议事) through ledgers.services.propose_item; the link is kept on
TopicAction, shown on the topic page."""

from datetime import date

import pytest
from django.urls import reverse

from civicgrid.core.actors import SYSTEM
from civicgrid.deliberation import services
from civicgrid.deliberation.errors import DeliberationError
from civicgrid.deliberation.models import TopicAction
from civicgrid.ledgers import services as ledgers
from civicgrid.ledgers.models import LedgerItem
from tests.routing.factories import make_ticket

from .conftest import moment, propose, resolve


@pytest.fixture
def campaign(world):
    return ledgers.campaign_create(
        actor=SYSTEM, code="CDD-2026", name="2026年查堵点台账", year=2026, area=world["town"]
    )


def test_resolution_to_ledger_item(world, campaign, client):
    ticket = make_ticket(community=world["yinhai"])
    topic = services.ticket_to_topic(actor=world["worker"], ticket=ticket, at=moment(2026, 3, 2))
    with pytest.raises(DeliberationError, match="形成决议后"):
        services.resolution_to_ledger(actor=world["worker"], topic=topic, campaign=campaign)
    topic = resolve(topic, on=date(2026, 3, 20))
    topic.owner_unit, topic.deadline = world["town_office"], date(2026, 6, 30)
    topic.save()
    action = services.resolution_to_ledger(actor=world["worker"], topic=topic, campaign=campaign)
    item = action.ledger_item
    assert item.source == LedgerItem.Source.DELIBERATION and item.state == "proposed"
    assert item.lead_unit == world["town_office"] and item.deadline == date(2026, 6, 30)
    assert topic.resolution[:10] in item.problem
    with pytest.raises(DeliberationError, match="已列入"):
        services.resolution_to_ledger(actor=world["worker"], topic=topic, campaign=campaign)
    with pytest.raises(DeliberationError, match="不负责"):
        services.resolution_to_ledger(actor=world["outsider"], topic=topic, campaign=campaign)
    assert TopicAction.objects.filter(topic=topic, ledger_item=item).exists()
    client.force_login(world["worker"])
    html = client.get(reverse("console:delib_topic", args=[topic.pk])).content.decode()
    assert "列入台账" in html and item.number in html


def test_resolution_to_ledger_from_the_page(world, campaign, client):
    topic = resolve(propose(world))
    client.force_login(world["worker"])
    url = reverse("console:delib_topic", args=[topic.pk])
    assert "决议事项列入问题台账" in client.get(url).content.decode()
    client.post(
        reverse("console:delib_resolution_ledger", args=[topic.pk]), {"campaign": campaign.pk, "on_list": "1"}
    )
    item = TopicAction.objects.get(topic=topic).ledger_item
    assert item.on_list and item.campaign == campaign


def test_the_ledger_item_page_names_the_topic_it_came_from(world, campaign, client):
    topic = resolve(propose(world), on=date(2026, 3, 20))
    topic.owner_unit, topic.deadline = world["town_office"], date(2026, 6, 30)
    topic.save()
    item = services.resolution_to_ledger(actor=world["worker"], topic=topic, campaign=campaign).ledger_item
    client.force_login(world["town_staff"])  # the lead unit's handler, who works in the town
    html = client.get(reverse("console:ldg_item", args=[item.pk])).content.decode()
    assert "来源议题" in html and reverse("console:delib_topic", args=[topic.pk]) in html
    client.force_login(world["worker"])  # a community worker outside the lead unit may not open the item
    assert client.get(reverse("console:ldg_item", args=[item.pk])).status_code in (403, 404)
