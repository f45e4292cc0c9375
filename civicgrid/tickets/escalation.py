"""Automatic escalation of an assignment left unsigned past its sign-off deadline.

Run by the worker and by `scan-deadlines`. For a lead, the unit one level up the ticket's escalation
ladder (skipping levels nobody is on duty at) takes the ticket with the time it had left; a functional
department's lead, or one with no level above, goes back to the centre's dispatch queue. A co-unit
that never signed is withdrawn so it cannot hold up the lead's reply, and the unit above it (when on
the ladder and not already handling) joins in its place; a department co-unit is left to the
dispatchers. The unit that did not sign is withdrawn in every case.
Each assignment is claimed once, by a conditional UPDATE of `auto_escalated_at` under the ticket's
lock, so several workers at once never escalate it twice.
"""

from datetime import datetime

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from civicgrid.registry.models import Role
from civicgrid.routing.route import ticket_area
from civicgrid.routing.vocabulary import DispatchMode
from civicgrid.sla.clocks import escalation_deadlines
from civicgrid.sla.deadlines import assignment_deadlines
from civicgrid.sla.ladders import NoLevelAbove, next_level
from civicgrid.sla.policies import policy_for
from civicgrid.tickets.models import HANDLING_STATUSES, Assignment, EventAction, Status, Ticket
from civicgrid.tickets.services._core import notify_role, notify_unit, record
from civicgrid.tickets.services.dispatch import new_assignment
from civicgrid.tickets.services.supervision import escalate_lead

__all__ = ["escalate_unsigned"]


def _unsigned(now: datetime):
    return Assignment.objects.filter(
        state=Assignment.State.PENDING_SIGN,
        sign_due_at__lte=now,
        auto_escalated_at__isnull=True,
        round=F("ticket__dispatch_round"),
        ticket__status__in=HANDLING_STATUSES,
        ticket__paused_at__isnull=True,
        ticket__is_historical=False,
    )


def escalate_unsigned(*, now: datetime | None = None) -> int:
    """One pass: escalate (or send back for dispatch) every lead unsigned past its deadline."""
    now = now or timezone.now()
    done = 0
    for assignment_id, ticket_id in _unsigned(now).order_by("ticket_id", "pk").values_list("pk", "ticket_id"):
        with transaction.atomic():
            done += _escalate(assignment_id, ticket_id, now)
    return done


def _escalate(assignment_id: int, ticket_id: int, now: datetime) -> int:
    tickets = Ticket.objects.filter(pk=ticket_id)
    if connection.features.has_select_for_update_skip_locked:
        tickets = tickets.select_for_update(skip_locked=True)  # held by someone else: next pass
    else:
        tickets = tickets.select_for_update()
    ticket = tickets.first()
    if ticket is None:
        return 0
    if not _unsigned(now).filter(pk=assignment_id).update(auto_escalated_at=now):
        return 0
    assignment = Assignment.objects.select_related("unit__parent").get(pk=assignment_id)
    if assignment.role == Assignment.Role.CO:
        _escalate_co(ticket, assignment, now)
        return 1
    late = timezone.localtime(assignment.sign_due_at)
    reason = f"{assignment.unit.name}超过签收时限（{late:%Y-%m-%d %H:%M}）未签收，系统自动提级"
    if not assignment.unit.is_functional_department:
        try:
            step = escalate_lead(
                ticket,
                assignment,
                actor=None,
                at=now,
                reason=reason,
                automatic=True,
            )
        except NoLevelAbove:
            pass
        else:
            _tell_unit(assignment, ticket, now, f"已自动提级至{step.unit.name}办理，本单位的承办任务已撤回")
            return 1
    _back_to_dispatch(ticket, assignment, now)
    return 1


def _tell_unit(assignment: Assignment, ticket: Ticket, now: datetime, what: str) -> None:
    notify_unit(
        assignment.unit,
        ticket=ticket,
        kind="auto_escalated",
        at=now,
        title=f"逾期未签收：{ticket.number} {ticket.title}",
        body=what,
    )


def _back_to_dispatch(ticket: Ticket, assignment: Assignment, now: datetime) -> None:
    """The centre re-dispatches what a department (or the top of a ladder) left unsigned."""
    Assignment.objects.filter(
        ticket=ticket, round=ticket.dispatch_round, state__in=Assignment.OPEN_STATES
    ).update(state=Assignment.State.CANCELLED)
    ticket.lead_unit = None
    late = timezone.localtime(assignment.sign_due_at)
    record(
        ticket,
        actor=None,
        action=EventAction.UNSIGNED_RETURNED,
        at=now,
        assignment=assignment,
        to_status=Status.PENDING_DISPATCH,
        note=f"{assignment.unit.name}超过签收时限（{late:%Y-%m-%d %H:%M}）未签收，退回 12345 中心重新派单",
        update_fields=("lead_unit",),
        unit=assignment.unit_id,
        sign_due_at=late.isoformat(),
    )
    notify_role(
        Role.DISPATCHER,
        ticket=ticket,
        kind="unsigned_returned",
        at=now,
        title=f"逾期未签收，待重新派单：{ticket.number}（{assignment.unit.name}）",
        body=ticket.title,
    )
    _tell_unit(assignment, ticket, now, "已退回 12345 中心重新派单")


def _escalate_co(ticket: Ticket, assignment: Assignment, now: datetime) -> None:
    assignment.state = Assignment.State.CANCELLED
    assignment.save(update_fields=["state"])
    late = timezone.localtime(assignment.sign_due_at)
    unit = assignment.unit
    step = None
    if not unit.is_functional_department:
        try:
            step = next_level(ticket_area(ticket), unit, at=now)
        except NoLevelAbove:
            step = None
    handling = set(
        ticket.assignments.filter(round=ticket.dispatch_round, state__in=Assignment.OPEN_STATES).values_list(
            "unit_id", flat=True
        )
    )
    joined = step is not None and step.unit.pk not in handling
    if joined:
        policy = policy_for(
            request_type=ticket.request_type,
            urgency=ticket.urgency,
            dispatch_mode=DispatchMode.ESCALATED,
            at=now,
        )
        lead = ticket.assignments.filter(
            round=ticket.dispatch_round, role=Assignment.Role.LEAD, state__in=Assignment.OPEN_STATES
        ).first()
        if lead is not None:
            deadlines, _ = escalation_deadlines(policy, now, lead_due_at=lead.due_at, limit=step.limit)
        else:
            deadlines = assignment_deadlines(policy, now, provisional=True)
        new_assignment(ticket, step.unit, Assignment.Role.CO, policy, deadlines, now, None)
        notify_unit(
            step.unit,
            ticket=ticket,
            kind="escalated",
            at=now,
            sms=True,
            title=f"提级协办：{ticket.number} {ticket.title}",
            body=f"{unit.name}逾期未签收，由本单位协办；时限 {timezone.localtime(deadlines.due_at):%Y-%m-%d %H:%M}",
        )
        what = f"协办单位{unit.name}超过签收时限（{late:%Y-%m-%d %H:%M}）未签收，已撤回，改由{step.unit.name}协办"
    else:
        what = f"协办单位{unit.name}超过签收时限（{late:%Y-%m-%d %H:%M}）未签收，已撤回"
        notify_role(
            Role.DISPATCHER,
            ticket=ticket,
            kind="unsigned_returned",
            at=now,
            title=f"协办单位逾期未签收，已撤回：{ticket.number}（{unit.name}）",
            body=ticket.title,
        )
    record(
        ticket,
        actor=None,
        action=EventAction.AUTO_ESCALATED,
        at=now,
        assignment=assignment,
        note=what,
        unit=unit.pk,
        to_unit=step.unit.pk if joined else None,
    )
    _tell_unit(assignment, ticket, now, "本单位的协办任务已撤回")
