"""Tickets in the states the privacy rules care about, built through the real services (test world of conftest)."""

from datetime import timedelta

from civicgrid.tickets import services
from civicgrid.tickets.models import Assignment, Ticket

from .conftest import local
from .helpers import cos_of, lead_of, register

T0 = local(2026, 6, 1, 9, 0)  # a Monday


def _dispatch(world, ticket, at=T0):
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=at)
    return Ticket.objects.get(pk=ticket.pk)


def returned(world, **extra) -> Ticket:
    """住建局 (zjj) was the lead, returned it, and the centre re-dispatched it to 市场监管局 (sc)."""
    ticket = _dispatch(world, register(world, T0, category="property", **extra))
    request = services.return_request(
        assignment=lead_of(ticket),
        actor=world.user("zjj"),
        reason="不属本局职责",
        legal_basis="三定方案第三条",
        at=T0 + timedelta(hours=1),
    )
    services.return_decide(
        request=request,
        actor=world.user("dispatcher"),
        approve=True,
        redispatch_to=world.units["sc"],
        note="改派市场监管局",
        at=T0 + timedelta(hours=2),
    )
    ticket.refresh_from_db()
    assert ticket.assignments.get(unit=world.units["zjj"]).state == Assignment.State.RETURNED
    return ticket


def cancelled(world, **extra) -> Ticket:
    """Joint dispatch (lead 综合执法局 zf, co-unit 住建局 zjj); zf's return is approved, so zjj's part is cancelled."""
    ticket = _dispatch(world, register(world, T0, category="illegal_building", **extra))
    assert world.units["zjj"] in [a.unit for a in cos_of(ticket)]
    request = services.return_request(
        assignment=lead_of(ticket),
        actor=world.user("zf"),
        reason="不属本局职责",
        legal_basis="三定方案第三条",
        at=T0 + timedelta(hours=1),
    )
    services.return_decide(
        request=request,
        actor=world.user("dispatcher"),
        approve=True,
        redispatch_to=world.units["sc"],
        note="改派市场监管局",
        at=T0 + timedelta(hours=2),
    )
    ticket.refresh_from_db()
    assert ticket.assignments.get(unit=world.units["zjj"]).state == Assignment.State.CANCELLED
    return ticket


def merged(world, **extra) -> Ticket:
    """A duplicate merged into a ticket 住建局 (zjj) handles."""
    master = _dispatch(world, register(world, T0, category="property"))
    duplicate = register(
        world, T0, category=None, requester_name="李四", requester_phone="13900001111", **extra
    )
    services.ticket_merge(ticket=duplicate, master=master, actor=world.user("operator"), reason="重复", at=T0)
    return Ticket.objects.get(pk=duplicate.pk)


def confidential(world, **extra) -> Ticket:
    """A confidential ticket 住建局 (zjj) is handling."""
    extra["is_confidential"] = True
    return _dispatch(world, register(world, T0, category="property", **extra))


def closed(world, **extra) -> Ticket:
    """Handled by 住建局 (zjj), replied, reviewed, called back and closed."""
    ticket = _dispatch(world, register(world, T0, category="property", **extra))
    lead, actor, at = lead_of(ticket), world.user("zjj"), T0 + timedelta(hours=1)
    services.assignment_sign(assignment=lead, actor=actor, at=at)
    method = "three_way" if ticket.is_confidential else "phone"
    services.assignment_first_contact(assignment=lead, actor=actor, method=method, at=at)
    services.lead_reply(assignment=lead, actor=actor, result_code="solved", text="已处理完毕", at=at)
    services.reply_review(
        ticket=ticket, actor=world.user("dispatcher"), passed=True, at=T0 + timedelta(hours=2)
    )
    services.callback_record(
        ticket=Ticket.objects.get(pk=ticket.pk),
        actor=world.user("callback"),
        reached=True,
        contacted=True,
        solved="solved",
        satisfaction="satisfied",
        at=T0 + timedelta(days=1),
    )
    return Ticket.objects.get(pk=ticket.pk)


BUILDERS = {
    "returned": returned,
    "cancelled": cancelled,
    "merged": merged,
    "confidential": confidential,
    "closed": closed,
}
