"""Clocks that favour the resident: escalation, whistle, reopen, automatic escalation, pauses."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from civicgrid.notify.models import Notification
from civicgrid.registry.models import Staff
from civicgrid.sla.models import PauseReason
from civicgrid.tickets import services
from civicgrid.tickets.errors import NotAllowed, TicketError
from civicgrid.tickets.escalation import escalate_unsigned
from civicgrid.tickets.models import Assignment, Event, Status, Ticket
from civicgrid.tickets.scan import scan_deadlines

from .conftest import local
from .helpers import cos_of, lead_of, register, status_matches_events

T0 = local(2026, 6, 1, 9, 0)  # a Monday; grid complaints are due in 3 working days: Thursday 09:00


def grid_ticket(world, at=T0) -> Ticket:
    ticket = register(world, at)
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=at)
    return Ticket.objects.get(pk=ticket.pk)


def event(ticket, action) -> Event:
    return Event.objects.filter(ticket=ticket, action=action).latest("id")


class TestEscalation:
    def test_the_receiving_unit_gets_the_time_the_ticket_had_left(self, world):
        ticket = grid_ticket(world)
        first_due = lead_of(ticket).due_at
        assert first_due == local(2026, 6, 4, 9, 0)
        at = local(2026, 6, 2, 9, 0)
        services.ticket_escalate(ticket=ticket, actor=world.user("supervisor"), note="网格协调不了", at=at)
        lead = lead_of(ticket)
        assert lead.unit == world.units["community"]
        assert lead.due_at == first_due  # the time left, not a fresh 15 working days
        assert at <= lead.sign_due_at <= lead.first_contact_due_at <= lead.due_at
        assert at < lead.yellow_at < lead.red_at < lead.due_at
        ticket.refresh_from_db()
        assert ticket.overdue_at is None
        assert event(ticket, "escalated").payload["had_time_left"] is True

    def test_an_overdue_ticket_gets_the_short_limit_and_stays_overdue_for_the_record(self, world):
        ticket = grid_ticket(world)
        grid_lead = lead_of(ticket)
        services.assignment_sign(assignment=grid_lead, actor=world.user("worker1"), at=T0)
        scan_deadlines(now=local(2026, 6, 5, 9, 0))
        at = local(2026, 8, 31, 10, 0)  # 87 days after the deadline
        with time_machine.travel(at, tick=False):
            services.ticket_escalate(ticket=ticket, actor=world.user("supervisor"), note="久拖不决")
        lead = lead_of(ticket)
        assert lead.unit == world.units["community"]
        # The escalation limit, 3 working days; never the full 15 of an escalated complaint.
        assert lead.due_at == local(2026, 9, 3, 10, 0)
        ticket.refresh_from_db()
        assert ticket.overdue_at == local(2026, 6, 4, 9, 0)
        assert ticket.warning_level == "overdue"
        old = Assignment.objects.get(pk=grid_lead.pk)
        assert (old.role, old.overdue_issued_at is not None) == ("co", True)
        assert event(ticket, "escalated").payload["had_time_left"] is False

        # Handled within the short limit, the ticket still does not count as closed on time.
        community = world.user("community")
        services.assignment_sign(assignment=lead, actor=community, at=at)
        services.assignment_first_contact(assignment=lead, actor=community, method="phone", at=at)
        services.co_reply(assignment=old, actor=world.user("worker1"), text="已配合", at=at)
        services.lead_reply(assignment=lead, actor=community, result_code="solved", text="已解决", at=at)
        services.reply_review(ticket=ticket, actor=world.user("dispatcher"), passed=True, at=at)
        services.callback_record(
            ticket=ticket,
            actor=world.user("callback"),
            reached=True,
            contacted=True,
            solved="solved",
            satisfaction="satisfied",
            at=at + timedelta(hours=1),
        )
        ticket.refresh_from_db()
        assert (ticket.status, ticket.closed_on_time) == (Status.CLOSED, False)

    def test_a_level_with_nobody_on_duty_is_skipped(self, world):
        Staff.objects.get(user=world.user("community")).units.clear()
        ticket = grid_ticket(world)
        services.ticket_escalate(ticket=ticket, actor=world.user("worker1"), note="需镇里协调", at=T0)
        assert lead_of(ticket).unit == world.units["town"]
        assert event(ticket, "escalated").payload["skipped"] == ["村/社区(银海社区居委会)"]

    def test_escalation_to_a_unit_without_staff_is_refused(self, world):
        ticket = register(world, T0)
        services.ticket_dispatch(
            ticket=ticket, actor=world.user("dispatcher"), lead=world.units["town"], reason="镇里牵头", at=T0
        )
        before = Event.objects.filter(ticket=ticket).count()
        # The city government's only member is a leader, who cannot sign or reply.
        with pytest.raises(TicketError, match="没有在岗的办理人员"):
            services.ticket_escalate(ticket=ticket, actor=world.user("town"), note="需市里协调", at=T0)
        with pytest.raises(TicketError, match="银海第2网格工作组没有在岗的办理人员"):
            services.ticket_escalate(
                ticket=ticket,
                actor=world.user("supervisor"),
                note="吹哨",
                whistle_units=[world.units["grid2"]],
                at=T0,
            )
        assert Event.objects.filter(ticket=ticket).count() == before
        assert lead_of(ticket).unit == world.units["town"]

    def test_a_department_is_not_on_the_ladder(self, world):
        ticket = register(world, T0, category="property")
        services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
        with pytest.raises(TicketError, match="不在提级阶梯"):
            services.ticket_escalate(ticket=ticket, actor=world.user("zjj"), note="不想办", at=T0)

    def test_a_reopened_ticket_keeps_its_rework_status_when_escalated(self, world):
        ticket = grid_ticket(world)
        Ticket.objects.filter(pk=ticket.pk).update(status=Status.REOPENED)
        services.ticket_escalate(ticket=ticket, actor=world.user("supervisor"), note="重办仍不力", at=T0)
        assert Ticket.objects.get(pk=ticket.pk).status == Status.REOPENED


class TestWhistle:
    def test_a_whistled_co_unit_is_never_due_after_the_lead(self, world):
        ticket = grid_ticket(world)
        at = local(2026, 6, 2, 9, 0)
        services.ticket_escalate(
            ticket=ticket,
            actor=world.user("supervisor"),
            note="吹哨",
            whistle_units=[world.units["zf"]],
            at=at,
        )
        lead, (co,) = lead_of(ticket), cos_of(ticket)
        assert co.unit == world.units["zf"]
        assert co.due_at == lead.due_at == local(2026, 6, 4, 9, 0)
        assert at <= co.sign_due_at <= co.first_contact_due_at <= co.due_at
        assert co.yellow_at < co.red_at < co.due_at


class TestAutomaticEscalation:
    def test_an_unsigned_grid_assignment_climbs_once(self, world):
        ticket = grid_ticket(world)
        grid_lead = lead_of(ticket)
        assert grid_lead.sign_due_at == local(2026, 6, 2, 9, 0)
        assert escalate_unsigned(now=local(2026, 6, 2, 8, 59)) == 0
        now = local(2026, 6, 2, 10, 0)
        assert escalate_unsigned(now=now) == 1
        assert escalate_unsigned(now=now) == 0  # run twice: once per assignment
        lead = lead_of(ticket)
        assert lead.unit == world.units["community"]
        assert lead.due_at == grid_lead.due_at
        withdrawn = Assignment.objects.get(pk=grid_lead.pk)
        # The unit that never signed is withdrawn, so it cannot hold up the new lead's reply.
        assert (withdrawn.auto_escalated_at, withdrawn.state) == (now, Assignment.State.CANCELLED)
        assert Event.objects.filter(ticket=ticket, action="auto_escalated").count() == 1
        assert Notification.objects.filter(
            recipient=world.user("community"), ticket=ticket, kind="escalated"
        ).exists()
        assert status_matches_events(ticket)
        # The community leaves it unsigned too: the next level up, once.
        later = lead.sign_due_at + timedelta(minutes=1)
        assert escalate_unsigned(now=later) == 1
        assert escalate_unsigned(now=later) == 0
        assert lead_of(ticket).unit == world.units["town"]

    def test_a_department_goes_back_to_the_dispatch_queue(self, world):
        ticket = register(world, T0, category="property")
        services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
        lead = lead_of(ticket)
        now = lead.sign_due_at + timedelta(hours=1)
        assert escalate_unsigned(now=now) == 1
        assert escalate_unsigned(now=now) == 0
        ticket.refresh_from_db()
        assert (ticket.status, ticket.lead_unit) == (Status.PENDING_DISPATCH, None)
        assert Assignment.objects.get(pk=lead.pk).state == Assignment.State.CANCELLED
        assert event(ticket, "unsigned_returned").to_status == Status.PENDING_DISPATCH
        assert Notification.objects.filter(
            recipient=world.user("dispatcher"), ticket=ticket, kind="unsigned_returned"
        ).exists()
        # The dispatcher can dispatch it again.
        services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=now)
        assert Ticket.objects.get(pk=ticket.pk).status == Status.DISPATCHED

    def test_an_unsigned_department_co_unit_is_withdrawn_and_the_lead_can_reply(self, world):
        ticket = register(world, T0, category="illegal_building")  # 综合执法局 leads, 住建局 co-handles
        services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
        lead, cos = lead_of(ticket), {a.unit.code: a for a in cos_of(ticket)}
        co, grid = cos["ZJJ"], cos["G1"]
        services.assignment_sign(assignment=lead, actor=world.user("zf"), at=T0)
        services.assignment_sign(assignment=grid, actor=world.user("worker1"), at=T0)
        services.co_reply(assignment=grid, actor=world.user("worker1"), text="已到现场", at=T0)
        now = co.sign_due_at + timedelta(minutes=1)
        assert escalate_unsigned(now=now) == 1
        assert escalate_unsigned(now=now) == 0
        assert Assignment.objects.get(pk=co.pk).state == Assignment.State.CANCELLED
        assert "已撤回" in event(ticket, "auto_escalated").note
        assert Notification.objects.filter(
            recipient=world.user("dispatcher"), ticket=ticket, kind="unsigned_returned"
        ).exists()
        services.assignment_first_contact(assignment=lead, actor=world.user("zf"), method="phone", at=now)
        services.lead_reply(
            assignment=lead, actor=world.user("zf"), result_code="solved", text="已拆除", at=now
        )
        assert Ticket.objects.get(pk=ticket.pk).status == Status.REPLIED

    def test_an_unsigned_grid_co_unit_is_replaced_by_the_level_above(self, world):
        ticket = register(world, T0)
        services.ticket_dispatch(
            ticket=ticket,
            actor=world.user("dispatcher"),
            lead=world.units["town"],
            co_units=[world.units["grid1"]],
            reason="镇里牵头,网格配合",
            at=T0,
        )
        lead, (co,) = lead_of(ticket), cos_of(ticket)
        services.assignment_sign(assignment=lead, actor=world.user("town"), at=T0)
        assert escalate_unsigned(now=co.sign_due_at + timedelta(minutes=1)) == 1
        active = [a for a in cos_of(ticket) if a.state != Assignment.State.CANCELLED]
        assert [a.unit for a in active] == [world.units["community"]]
        assert active[0].due_at <= lead.due_at

    def test_the_top_of_the_ladder_goes_back_to_the_queue(self, world):
        ticket = register(world, T0)
        services.ticket_dispatch(
            ticket=ticket, actor=world.user("dispatcher"), lead=world.units["town"], reason="镇里牵头", at=T0
        )
        assert escalate_unsigned(now=lead_of(ticket).sign_due_at + timedelta(minutes=1)) == 1
        assert Ticket.objects.get(pk=ticket.pk).status == Status.PENDING_DISPATCH

    def test_signed_and_paused_tickets_are_left_alone(self, world):
        signed, paused = grid_ticket(world), grid_ticket(world)
        services.assignment_sign(assignment=lead_of(signed), actor=world.user("worker1"), at=T0)
        services.ticket_pause(
            ticket=paused,
            actor=world.user("dispatcher"),
            reason=PauseReason.objects.get(code="requester"),
            note="诉求人出差",
            at=T0,
        )
        assert escalate_unsigned(now=local(2026, 6, 10, 9, 0)) == 0


class TestPauses:
    def test_paused_working_time_is_added_to_every_open_deadline(self, world):
        ticket = grid_ticket(world)
        before = lead_of(ticket)
        reason = PauseReason.objects.get(code="mediation")
        with time_machine.travel(local(2026, 6, 2, 9, 0), tick=False):
            services.ticket_pause(
                ticket=ticket, actor=world.user("worker1"), reason=reason, note="已转人民调解"
            )
        ticket.refresh_from_db()
        assert (ticket.paused_at, ticket.pause_reason) == (local(2026, 6, 2, 9, 0), reason)
        # While paused, nothing is warned about.
        assert scan_deadlines(now=local(2026, 6, 4, 9, 0)).as_dict() == {"yellow": 0, "red": 0, "overdue": 0}
        with pytest.raises(TicketError, match="已暂停计时"):
            services.ticket_pause(ticket=ticket, actor=world.user("dispatcher"), reason=reason, note="x")
        # Two working days paused (Tuesday 09:00 to Thursday 09:00).
        with time_machine.travel(local(2026, 6, 4, 9, 0), tick=False):
            services.ticket_resume(ticket=ticket, actor=world.user("dispatcher"))
        after = lead_of(ticket)
        assert after.sign_due_at == local(2026, 6, 4, 9, 0)
        assert after.due_at == local(2026, 6, 8, 9, 0)  # Thursday + 2 working days, over the weekend
        assert after.first_contact_due_at == local(2026, 6, 4, 9, 0)
        assert after.yellow_at > before.yellow_at and after.red_at > before.red_at
        ticket.refresh_from_db()
        assert ticket.paused_at is None
        resumed = event(ticket, "clock_resumed")
        assert resumed.payload["paused_working_seconds"] == 2 * 7 * 3600
        assert Event.objects.filter(ticket=ticket, action="clock_paused").count() == 1

    def test_a_pause_over_a_weekend_moves_nothing(self, world):
        ticket = grid_ticket(world)
        before = lead_of(ticket)
        reason = PauseReason.objects.get(code="requester")
        dispatcher = world.user("dispatcher")
        services.ticket_pause(
            ticket=ticket, actor=dispatcher, reason=reason, note="周末联系不上", at=local(2026, 6, 6, 9, 0)
        )
        services.ticket_resume(ticket=ticket, actor=dispatcher, at=local(2026, 6, 7, 20, 0))
        assert lead_of(ticket).due_at == before.due_at

    def test_who_may_pause_and_what_is_required(self, world):
        ticket = grid_ticket(world)
        reason = PauseReason.objects.get(code="requester")
        with pytest.raises(NotAllowed):
            services.ticket_pause(ticket=ticket, actor=world.user("zjj"), reason=reason, note="x", at=T0)
        with pytest.raises(ValidationError):
            services.ticket_pause(ticket=ticket, actor=world.user("worker1"), reason=reason, note=" ", at=T0)
        with pytest.raises(ValidationError):
            services.ticket_pause(ticket=ticket, actor=world.user("worker1"), reason=None, note="x", at=T0)
        with pytest.raises(TicketError, match="未暂停计时"):
            services.ticket_resume(ticket=ticket, actor=world.user("dispatcher"), at=T0)
        with pytest.raises(TicketError, match="先恢复计时"):
            services.ticket_pause(
                ticket=ticket, actor=world.user("worker1"), reason=reason, note="等待材料", at=T0
            )
            services.ticket_escalate(ticket=ticket, actor=world.user("supervisor"), note="提级", at=T0)
