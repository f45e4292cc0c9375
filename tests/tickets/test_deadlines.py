"""Deadlines stored at dispatch, extension and reopen, counted in working days across holidays."""

import time_machine

from civicgrid.tickets import services
from civicgrid.tickets.models import Ticket

from .conftest import local
from .helpers import handle_to_reply, lead_of, register


def test_a_complaint_dispatched_before_national_day_counts_the_make_up_saturday(world):
    # 2026: 10-01..10-07 off, Saturday 10-10 a make-up working day. 15 working days after Wednesday
    # 09-30: 10-08, 09, 10(Sat), 12..16, 19..23, 26, 27.
    dispatched = local(2026, 9, 30, 10, 0)
    with time_machine.travel(dispatched, tick=False):
        ticket = register(world, None, category="property")
        services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"))
    lead = lead_of(ticket)
    assert lead.dispatched_at == dispatched
    assert lead.due_at == local(2026, 10, 27, 10, 0)
    # 1 working day (10-08) would come after the first contact is due: the unit signs by then.
    assert lead.sign_due_at == local(2026, 10, 1, 10, 0)
    assert lead.first_contact_due_at == local(2026, 10, 1, 10, 0)  # 24 natural hours
    assert dispatched < lead.yellow_at < lead.red_at < lead.due_at


def test_the_clock_runs_from_dispatch_not_from_sign_off(world):
    with time_machine.travel(local(2026, 6, 1, 9, 0), tick=False):
        ticket = register(world, None, category="property")
        services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"))
    due = lead_of(ticket).due_at
    with time_machine.travel(local(2026, 6, 5, 9, 0), tick=False):
        services.assignment_sign(assignment=lead_of(ticket), actor=world.user("zjj"))
    assert lead_of(ticket).due_at == due


def test_an_extension_adds_working_days_over_a_weekend(world):
    with time_machine.travel(local(2026, 9, 30, 10, 0), tick=False):
        ticket = register(world, None, category="property")
        services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"))
        lead = lead_of(ticket)
        services.assignment_sign(assignment=lead, actor=world.user("zjj"))
    with time_machine.travel(local(2026, 10, 20, 9, 0), tick=False):
        request = services.extension_request(
            assignment=lead, actor=world.user("zjj"), days=5, reason="需鉴定"
        )
        services.extension_decide(request=request, actor=world.user("dispatcher"), approve=True)
    lead.refresh_from_db()
    # 10-27 + 5 working days: 28, 29, 30, 11-02, 11-03.
    assert lead.due_at == local(2026, 11, 3, 10, 0)
    assert lead.original_due_at == local(2026, 10, 27, 10, 0)


def test_a_reopened_ticket_gets_fresh_deadlines_from_the_callback(world):
    with time_machine.travel(local(2026, 6, 1, 9, 0), tick=False):
        ticket = register(world, None, category="property")
        services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"))
        handle_to_reply(world, ticket, None, "zjj")
        services.reply_review(ticket=ticket, actor=world.user("dispatcher"), passed=True)
    assert Ticket.objects.get(pk=ticket.pk).callback_due_at == local(2026, 6, 2, 9, 0)
    # Friday 2026-06-19 is the Dragon Boat Festival holiday.
    with time_machine.travel(local(2026, 6, 18, 16, 0), tick=False):
        services.callback_record(
            ticket=ticket,
            actor=world.user("callback"),
            reached=True,
            contacted=True,
            solved="unsolved",
            satisfaction="unsatisfied",
            attributable=True,
        )
    lead = lead_of(ticket)
    assert lead.round == 2
    assert lead.dispatched_at == local(2026, 6, 18, 16, 0)
    # The reopen limit, 5 working days from Thursday 06-18, skipping 06-19 (holiday): 22..26.
    assert lead.due_at == local(2026, 6, 26, 16, 0)
