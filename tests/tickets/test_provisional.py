"""Deadlines reaching an unconfirmed year: computed provisionally, flagged, recomputed on confirmation.

2027 is not confirmed in the seed. Provisionally its 1 January is a rest day; confirmed by fill_year
(plain weekdays), it is a working day, so 2027 deadlines move one working day earlier.
"""

from io import StringIO

import time_machine
from django.core.management import call_command

from civicgrid.sla.models import PauseReason
from civicgrid.tickets import services
from civicgrid.tickets.models import Event, Status, Ticket
from civicgrid.tickets.scan import scan_deadlines
from civicgrid.tickets.services.provisional import provisional_deadlines_recompute
from civicgrid.workcal import services as workcal
from tests.workcal.factories import fill_year, holiday_cn_2027

from .conftest import local
from .helpers import handle_to_reply, lead_of, register

DISPATCHED = local(2026, 12, 21, 10, 0)  # a Monday


def dispatch_complaint(world, at=DISPATCHED):
    with time_machine.travel(at, tick=False):
        ticket = register(world, None, category="property")
        services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"))
    return ticket


CONFIRMED = local(2026, 12, 31, 9, 0)


def confirm_2027_plain(actor=None) -> int:
    fill_year(2027)
    with time_machine.travel(CONFIRMED, tick=False):
        return workcal.confirm_year(year=2027, actor=actor).recomputed


def lead_of_round(ticket):
    return ticket.assignments.get(round=ticket.dispatch_round, role="lead")


def recomputed_events(ticket):
    return list(Event.objects.filter(ticket=ticket, action="deadlines_recomputed").order_by("id"))


def test_a_complaint_dispatched_before_christmas_gets_provisional_deadlines(world):
    lead = lead_of(dispatch_complaint(world))
    assert lead.deadlines_provisional is True
    # 15 working days: 12-22..25, 28..31, then 2027 provisionally: 01-01 off, 01-04..08, 01-11, 01-12.
    assert lead.due_at == lead.original_due_at == local(2027, 1, 12, 10, 0)
    assert lead.sign_due_at == local(2026, 12, 22, 10, 0)
    # 105 office hours: half by 12-30 16:00; 80 % (84 h) on 01-07 at 10:00.
    assert lead.yellow_at == local(2026, 12, 30, 16, 0)
    assert lead.red_at == local(2027, 1, 7, 10, 0)


def test_a_deadline_within_confirmed_years_is_not_provisional(world):
    lead = lead_of(dispatch_complaint(world, local(2026, 11, 2, 10, 0)))
    assert lead.deadlines_provisional is False
    assert lead.due_at == local(2026, 11, 23, 10, 0)


def test_an_extension_into_the_unconfirmed_year_is_provisional(world):
    ticket = dispatch_complaint(world, local(2026, 11, 30, 10, 0))  # due 12-21, confirmed
    lead = lead_of(ticket)
    assert lead.deadlines_provisional is False
    with time_machine.travel(local(2026, 12, 15, 9, 0), tick=False):
        services.assignment_sign(assignment=lead, actor=world.user("zjj"))
        request = services.extension_request(
            assignment=lead, actor=world.user("zjj"), days=10, reason="需鉴定"
        )
        services.extension_decide(request=request, actor=world.user("dispatcher"), approve=True)
    lead.refresh_from_db()
    # 12-22..25, 28..31, then 01-04, 01-05.
    assert lead.due_at == local(2027, 1, 5, 10, 0)
    assert lead.deadlines_provisional is True
    note = Event.objects.get(ticket=ticket, action="extension_approved").note
    assert note == "办理时限延长至 2027-01-05 10:00（暂定）"


def test_a_callback_due_in_the_unconfirmed_year_is_provisional_until_confirmed(world):
    ticket = dispatch_complaint(world, local(2026, 12, 28, 9, 0))
    with time_machine.travel(local(2026, 12, 31, 16, 0), tick=False):
        handle_to_reply(world, ticket, None, "zjj")
        services.reply_review(ticket=ticket, actor=world.user("dispatcher"), passed=True)
    ticket.refresh_from_db()
    assert (ticket.callback_due_at, ticket.callback_due_provisional) == (local(2027, 1, 4, 16, 0), True)

    # The replied lead's deadlines still decide whether it closed on time: they follow too.
    assert confirm_2027_plain() == 2
    ticket.refresh_from_db()
    assert (ticket.callback_due_at, ticket.callback_due_provisional) == (local(2027, 1, 1, 16, 0), False)
    # The lead's 15 working days end on 01-18 instead of 01-19.
    assert lead_of_round(ticket).due_at == local(2027, 1, 18, 9, 0)
    lead_event, callback_event = recomputed_events(ticket)
    assert lead_event.assignment_id == lead_of_round(ticket).pk
    assert callback_event.assignment is None
    assert callback_event.note == (
        "2027 年节假日安排已确认，按正式日历重算：回访时限由 2027-01-04 16:00 改为 2027-01-01 16:00"
    )


def test_a_pause_that_pushes_the_deadline_into_the_unconfirmed_year_makes_it_provisional(world):
    ticket = dispatch_complaint(world, local(2026, 12, 7, 10, 0))  # due 12-28, confirmed
    assert lead_of(ticket).deadlines_provisional is False
    with time_machine.travel(local(2026, 12, 14, 10, 0), tick=False):
        services.ticket_pause(
            ticket=ticket,
            actor=world.user("dispatcher"),
            reason=PauseReason.objects.get(code="requester"),
            note="诉求人出差",
        )
    with time_machine.travel(local(2026, 12, 21, 10, 0), tick=False):
        services.ticket_resume(ticket=ticket, actor=world.user("dispatcher"))
    lead = lead_of(ticket)
    # 35 working hours later: 5.5 h on 12-28, 12-29..31, 01-01 off, 01-04, then 1.5 h on 01-05.
    assert lead.due_at == local(2027, 1, 5, 10, 0)
    assert lead.deadlines_provisional is True


class TestConfirmation:
    def test_every_open_provisional_deadline_is_recomputed_with_one_event_each(self, world):
        first, second = dispatch_complaint(world), dispatch_complaint(world, local(2026, 12, 22, 15, 0))
        assert confirm_2027_plain(actor=world.user("admin")) == 2
        lead = lead_of(first)
        assert lead.deadlines_provisional is False
        # 01-01 now counts: 15 working days end on 01-11; 84 office hours on 01-06.
        assert lead.due_at == lead.original_due_at == local(2027, 1, 11, 10, 0)
        assert lead.red_at == local(2027, 1, 6, 10, 0)
        assert (lead.sign_due_at, lead.yellow_at) == (local(2026, 12, 22, 10, 0), local(2026, 12, 30, 16, 0))
        (event,) = recomputed_events(first)
        assert event.assignment_id == lead.pk
        assert (event.at, event.actor) == (CONFIRMED, world.user("admin"))
        assert event.note == (
            "2027 年节假日安排已确认，按正式日历重算：办理时限由 2027-01-12 10:00 改为 2027-01-11 10:00"
        )
        assert event.payload["after"]["due_at"] == "2027-01-11T10:00:00+08:00"
        assert len(recomputed_events(second)) == 1

    def test_the_same_deadlines_on_the_confirmed_calendar_only_lose_the_flag(self, world):
        ticket = dispatch_complaint(world)
        before = lead_of(ticket)
        # The made-up 2027 file keeps 1 January off and changes nothing in early January.
        with time_machine.travel(local(2026, 12, 31, 9, 0), tick=False):
            result = workcal.import_holiday_cn(data=holiday_cn_2027(), actor=None, source_name="2027.json")
        assert result["recomputed"] == 1
        after = lead_of(ticket)
        assert (after.due_at, after.red_at) == (before.due_at, before.red_at)
        assert after.deadlines_provisional is False
        assert recomputed_events(ticket) == []

    def test_warnings_already_issued_stay_issued_and_the_scan_uses_the_new_times(self, world):
        ticket = dispatch_complaint(world)
        assert scan_deadlines(now=local(2026, 12, 30, 17, 0)).yellow == 1
        yellow_issued = lead_of(ticket).yellow_issued_at
        confirm_2027_plain()
        lead = lead_of(ticket)
        assert lead.yellow_issued_at == yellow_issued
        # The new red point (01-06 10:00) has passed; the old one (01-07) would not have.
        result = scan_deadlines(now=local(2027, 1, 6, 10, 30))
        assert (result.yellow, result.red, result.overdue) == (0, 1, 0)

    def test_closed_tickets_and_finished_assignments_are_left_as_they_were(self, world):
        closed = dispatch_complaint(world)
        Ticket.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
        due = lead_of(closed).due_at
        assert confirm_2027_plain() == 0
        assert lead_of(closed).due_at == due
        assert lead_of(closed).deadlines_provisional is True
        assert recomputed_events(closed) == []

    def test_deadlines_still_reaching_an_unconfirmed_year_stay_provisional(self, world):
        ticket = dispatch_complaint(world)
        assert provisional_deadlines_recompute(year=2028) == 0
        assert lead_of(ticket).deadlines_provisional is True

    def test_the_command_prints_how_many_it_recomputed(self, world):
        dispatch_complaint(world)
        fill_year(2027)
        out = StringIO()
        with time_machine.travel(local(2026, 12, 31, 9, 0), tick=False):
            call_command("workdays", "confirm", "2027", stdout=out)
        assert out.getvalue() == "2027 年的工作日历已确认\n已重新计算 1 项暂定时限\n"
