"""Ticket links both ways: a ticket sent to deliberation (hotspot), a resolution that registers a ticket through
intake; both show from the ticket side through the selector."""

import pytest

from civicgrid.core.actors import SYSTEM
from civicgrid.core.refusal import Refusal
from civicgrid.deliberation import services
from civicgrid.deliberation.errors import DeliberationError
from civicgrid.deliberation.models import Topic
from civicgrid.deliberation.selectors import topics_for_ticket
from civicgrid.tickets.models import Ticket
from tests.routing.factories import make_ticket

from .conftest import moment, propose, resolve


def test_ticket_sent_to_deliberation_and_joined(world):
    ticket = make_ticket(community=world["yinhai"], title="凯源小区二街水沟堵塞")
    topic = services.ticket_to_topic(actor=world["worker"], ticket=ticket, at=moment(2026, 3, 2))
    assert topic.source == Topic.Source.HOTSPOT and topic.area == world["yinhai"]
    assert list(ticket.deliberation_topics.all()) == [topic]
    again = make_ticket(community=world["yinhai"], title="水沟臭味")
    services.ticket_to_topic(actor=world["worker"], ticket=again, topic=topic)
    assert topic.tickets.count() == 2
    with pytest.raises(DeliberationError, match="已在该议题中"):
        services.ticket_to_topic(actor=world["worker"], ticket=again, topic=topic)
    assert list(topics_for_ticket(world["worker"], again)) == [topic]
    assert list(topics_for_ticket(world["outsider"], again)) == []
    with pytest.raises(DeliberationError, match="不负责"):
        services.ticket_to_topic(actor=world["outsider"], ticket=make_ticket(community=world["yinhai"]))


def test_ticket_without_community_needs_area(world):
    with pytest.raises(DeliberationError, match="所在村"):
        services.ticket_to_topic(actor=SYSTEM, ticket=make_ticket())


def test_resolution_registers_ticket_through_intake(world):
    topic = propose(world)
    with pytest.raises(DeliberationError, match="形成决议后"):
        services.resolution_to_ticket(
            actor=SYSTEM, topic=topic, title="疏通", content="疏通", phone="13800138000"
        )
    topic = resolve(topic)
    action = services.resolution_to_ticket(
        actor=world["worker"],
        topic=topic,
        title="疏通凯源小区二街水沟",
        content="按决议疏通水沟、加固边坡、预制盖板",
        phone="13800138000",
        at=moment(2026, 3, 21),
    )
    ticket = Ticket.objects.get()
    assert action.ticket == ticket and "协商议事决议" in ticket.content
    assert list(topics_for_ticket(world["worker"], ticket)) == [topic]


def test_ticket_registration_keeps_tickets_guard(world):
    topic = resolve(propose(world, area=world["village"]))
    with pytest.raises(Refusal) as refused:
        services.resolution_to_ticket(
            actor=world["secretary"], topic=topic, title="修", content="修", phone="13800138000"
        )
    assert "无权" in str(refused.value)
    assert not Ticket.objects.exists()
