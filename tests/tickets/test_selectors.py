import pytest
from django.core.exceptions import PermissionDenied

from civicgrid.core.models import AuditEvent
from civicgrid.tickets import services
from civicgrid.tickets.selectors import (
    mask_name,
    mask_phone,
    public_timeline,
    requester_for,
    reveal_requester,
    ticket_for,
    tickets_for,
)

from .conftest import local
from .helpers import register

T0 = local(2026, 6, 1, 9, 0)


@pytest.fixture
def dispatched(world):
    ticket = register(world, T0, category="property")
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
    return ticket


def test_masks():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三丰") == "张**"
    assert mask_name("李") == "*"


def test_the_centre_sees_every_ticket_and_a_unit_only_its_own(world, dispatched):
    other = register(world, T0, category="neighbour")
    services.ticket_dispatch(ticket=other, actor=world.user("dispatcher"), at=T0)
    assert set(tickets_for(world.user("supervisor"))) == {dispatched, other}
    assert list(tickets_for(world.user("zjj"))) == [dispatched]
    assert list(tickets_for(world.user("worker1"))) == [other]
    with pytest.raises(PermissionDenied):
        ticket_for(world.user("zjj"), other.pk)


def test_contact_details_are_shown_only_to_roles_that_need_them(world, dispatched):
    assert requester_for(world.user("operator"), dispatched).phone == "13812345678"
    assert requester_for(world.user("callback"), dispatched).phone == "13812345678"
    assert requester_for(world.user("zjj"), dispatched).phone == "13812345678"  # the handler must call
    seen = requester_for(world.user("supervisor"), dispatched)
    assert (seen.name, seen.phone, seen.masked) == ("张*", "138****5678", True)


def test_a_confidential_requester_is_hidden_from_the_handling_unit(world):
    ticket = register(world, T0, category="property", is_confidential=True)
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
    seen = requester_for(world.user("zjj"), ticket)
    assert seen.hidden and "13812345678" not in (seen.name + seen.phone)
    with pytest.raises(PermissionDenied, match="保密工单"):
        reveal_requester(user=world.user("zjj"), ticket=ticket, purpose="联系")


def test_every_reveal_needs_a_purpose_and_is_audited(world, dispatched):
    with pytest.raises(PermissionDenied, match="说明用途"):
        reveal_requester(user=world.user("supervisor"), ticket=dispatched, purpose=" ")
    shown = reveal_requester(user=world.user("supervisor"), ticket=dispatched, purpose="督办核实")
    assert shown.phone == "13812345678"
    event = AuditEvent.objects.get(action="pii.reveal")
    assert (event.actor, event.payload["purpose"]) == (world.user("supervisor"), "督办核实")


def test_the_public_timeline_has_no_internal_notes_or_staff(world, dispatched):
    entries = public_timeline(dispatched)
    assert [e["text"] for e in entries] == ["诉求已受理", "已派住建局"]
    assert all("dispatcher" not in e["text"] for e in entries)
