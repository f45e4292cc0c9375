"""The red team's privacy findings (docs/reviews/2026-12-red-team.md H1, M3), reproduced and kept fixed."""

import pytest
from django.core.exceptions import PermissionDenied

from civicgrid.core.models import AuditEvent
from civicgrid.tickets.models import Status, Ticket
from civicgrid.tickets.selectors import attachments_for, requester_for, reveal_requester

from . import states

PHONE = "13812345678"


def _shows_anything(view) -> bool:
    text = view.name + view.phone
    return "张" in text or "5678" in text or "138" in text


@pytest.mark.parametrize("build", [states.returned, states.cancelled])
def test_a_unit_that_walked_away_from_a_confidential_ticket_sees_only_baomi(world, build):
    # H1: lwj/scjg saw 「彭** 198****2067」 (and the tracker's last four digits) after returning or being cancelled.
    ticket = build(world, is_confidential=True)
    seen = requester_for(world.user("zjj"), ticket)
    assert seen.hidden and seen.name == "保密"
    assert not _shows_anything(seen)


@pytest.mark.parametrize("build", [states.returned, states.cancelled])
def test_a_unit_that_walked_away_keeps_no_personal_data_or_photos(world, build):
    ticket = build(world)
    seen = requester_for(world.user("zjj"), ticket)
    assert seen.hidden and not _shows_anything(seen)
    assert list(attachments_for(world.user("zjj"), ticket)) == []


@pytest.mark.parametrize("state", ["returned", "cancelled", "merged", "confidential", "closed"])
def test_a_confidential_requester_is_baomi_to_every_non_centre_user_in_every_state(world, state):
    ticket = states.BUILDERS[state](world, is_confidential=True)
    for name in ("zjj", "zf", "sc", "community", "worker1", "town"):
        seen = requester_for(world.user(name), ticket)
        assert seen.hidden and not _shows_anything(seen), (state, name)


def test_every_unmasked_display_is_audited(world):
    # M3: operators and callback agents saw full names and phones with no record.
    ticket = states.confidential(world)
    before = AuditEvent.objects.filter(action="pii.view").count()
    for name in ("operator", "callback"):
        seen = requester_for(world.user(name), ticket, screen="工单页面")
        assert seen.phone == PHONE
    rows = AuditEvent.objects.filter(action="pii.view").order_by("id")[before:]
    assert [r.actor.username for r in rows] == ["operator", "callback"]
    assert all(r.target_id == str(ticket.pk) and r.payload["screen"] == "工单页面" for r in rows)


def test_a_handler_seeing_its_own_requester_is_audited_and_a_masked_view_is_not(world):
    ticket = states.returned(world)  # now handled by sc
    assert requester_for(world.user("sc"), ticket).phone == PHONE
    assert AuditEvent.objects.filter(action="pii.view", actor=world.user("sc")).count() == 1
    assert requester_for(world.user("supervisor"), ticket).masked
    requester_for(world.user("zjj"), ticket)
    assert not AuditEvent.objects.filter(action="pii.view").exclude(actor=world.user("sc")).exists()


def test_closed_tickets_are_masked_for_operators_unless_revealed_with_a_purpose(world):
    ticket = states.closed(world)
    assert ticket.status == Status.CLOSED
    operator = world.user("operator")
    seen = requester_for(operator, ticket)
    assert seen.masked and not seen.hidden and PHONE not in seen.phone
    with pytest.raises(PermissionDenied):
        reveal_requester(user=operator, ticket=ticket, purpose="")
    shown = reveal_requester(user=operator, ticket=ticket, purpose="诉求人来电查询")
    assert shown.phone == PHONE
    row = AuditEvent.objects.get(action="pii.reveal", actor=operator)
    assert row.payload["purpose"] == "诉求人来电查询"


def test_a_merged_duplicate_follows_its_master_for_the_centre_and_is_hidden_from_units(world):
    ticket = states.merged(world)  # the master is still being handled: the callback agent will call her too
    assert requester_for(world.user("callback"), ticket).phone == "13900001111"
    assert requester_for(world.user("zjj"), ticket).hidden
    Ticket.objects.filter(pk=ticket.merged_into_id).update(status=Status.CLOSED)
    assert requester_for(world.user("operator"), Ticket.objects.get(pk=ticket.pk)).masked
