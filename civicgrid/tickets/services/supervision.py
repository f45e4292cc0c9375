"""Supervision (督办), the key supervision list and escalation (提级办理 / 吹哨报到)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from civicgrid.registry.models import Role, Unit
from civicgrid.registry.staffing import staffed_unit_ids
from civicgrid.routing.route import ticket_area
from civicgrid.routing.vocabulary import DispatchMode
from civicgrid.sla.clocks import escalation_deadlines
from civicgrid.sla.deadlines import assignment_deadlines
from civicgrid.sla.ladders import NoLevelAbove, Step, next_level
from civicgrid.sla.policies import policy_for
from civicgrid.tickets.errors import TicketError
from civicgrid.tickets.models import (
    HANDLING_STATUSES,
    OPEN_STATUSES,
    Assignment,
    EventAction,
    Status,
    Supervision,
    Ticket,
)
from civicgrid.tickets.permissions import has_role, require_role, units_of
from civicgrid.tickets.services._core import lock_ticket, notify_unit, now_or, record, require_status
from civicgrid.tickets.services.dispatch import new_assignment

SUPERVISION_LEVELS = range(1, 8)  # Hainan's "4+1+2" has seven levels; their names are local configuration.


@transaction.atomic
def ticket_supervise(
    *,
    ticket: Ticket,
    actor,
    note: str,
    level: int = 1,
    unit: Unit | None = None,
    deadline: datetime | None = None,
    at: datetime | None = None,
) -> Supervision:
    """督办: press the unit (default: the lead) with a note and optionally a deadline."""
    require_role(actor, Role.SUPERVISOR, Role.LEADER, Role.ADMINISTRATOR, action="督办")
    at = now_or(at)
    ticket = lock_ticket(ticket)
    require_status(ticket, *OPEN_STATUSES, action="督办")
    if level not in SUPERVISION_LEVELS:
        raise ValidationError({"level": "督办级别应为 1 到 7"})
    if not note.strip():
        raise ValidationError({"note": "请填写督办意见"})
    if deadline is not None and deadline <= at:
        raise ValidationError({"deadline": "督办时限应晚于当前时间"})
    unit = unit or ticket.lead_unit
    supervision = Supervision.objects.create(
        ticket=ticket, unit=unit, level=level, at=at, by=actor, note=note.strip(), deadline=deadline
    )
    ticket.is_supervised = True
    record(
        ticket,
        actor=actor,
        action=EventAction.SUPERVISED,
        at=at,
        note=note.strip(),
        update_fields=("is_supervised",),
        level=level,
        unit=unit.pk if unit else None,
        deadline=deadline.isoformat() if deadline else None,
    )
    if unit is not None:
        notify_unit(
            unit,
            ticket=ticket,
            kind="supervised",
            at=at,
            sms=True,
            title=f"督办（{level}级）：{ticket.number} {ticket.title}",
            body=note.strip(),
        )
    return supervision


@transaction.atomic
def key_list_set(*, ticket: Ticket, actor, on: bool, note: str, at: datetime | None = None) -> Ticket:
    """重点督办问题清单: put a hard, repeated or cross-unit problem on the list, or take it off."""
    require_role(actor, Role.SUPERVISOR, Role.LEADER, Role.ADMINISTRATOR, action="调整重点督办清单")
    at = now_or(at)
    if not note.strip():
        raise ValidationError({"note": "请填写理由"})
    ticket = lock_ticket(ticket)
    if ticket.on_key_list == on:
        raise TicketError("该工单已在重点督办清单中" if on else "该工单不在重点督办清单中")
    ticket.on_key_list = on
    record(
        ticket,
        actor=actor,
        action=EventAction.KEY_LIST_ADDED if on else EventAction.KEY_LIST_REMOVED,
        at=at,
        note=note.strip(),
        update_fields=("on_key_list",),
    )
    return ticket


def _current_lead(ticket: Ticket) -> Assignment | None:
    return (
        ticket.assignments.filter(round=ticket.dispatch_round, role=Assignment.Role.LEAD)
        .exclude(state__in=[Assignment.State.RETURNED, Assignment.State.CANCELLED])
        .select_related("unit__parent")
        .first()
    )


def _require_staffed(units) -> None:
    staffed = staffed_unit_ids(u.pk for u in units)
    idle = [u.name for u in units if u.pk not in staffed or not u.is_active]
    if idle:
        raise TicketError(f"{'、'.join(idle)}没有在岗的办理人员，不能接办；请先在后台为其配备工作人员")


def _whistle(ticket: Ticket, *, actor, note: str, units, lead: Assignment | None, at: datetime) -> Ticket:
    present = set(ticket.assignments.filter(round=ticket.dispatch_round).values_list("unit_id", flat=True))
    called = [u for u in units if u.pk not in present]
    if not called:
        raise TicketError("所选部门已在办理该工单")
    _require_staffed(called)
    policy = policy_for(
        request_type=ticket.request_type, urgency=ticket.urgency, dispatch_mode=DispatchMode.ESCALATED, at=at
    )
    # A co-unit reports to the lead, so it is never due after the lead; a lead already overdue
    # leaves the co-units the short escalation limit.
    if lead is not None:
        deadlines, _ = escalation_deadlines(policy, at, lead_due_at=lead.due_at)
    else:
        deadlines = assignment_deadlines(policy, at, provisional=True)
    for unit in called:
        new_assignment(ticket, unit, Assignment.Role.CO, policy, deadlines, at, actor)
        notify_unit(
            unit,
            ticket=ticket,
            kind="whistle",
            at=at,
            sms=True,
            title=f"吹哨报到：{ticket.number} {ticket.title}",
            body=note,
        )
    ticket.escalation_level += 1
    record(
        ticket,
        actor=actor,
        action=EventAction.WHISTLE,
        at=at,
        note=note,
        update_fields=("escalation_level",),
        units=[u.pk for u in called],
        due_at=deadlines.due_at.isoformat(),
    )
    return ticket


def escalate_lead(
    ticket: Ticket,
    lead: Assignment,
    *,
    actor,
    at: datetime,
    reason: str,
    automatic: bool = False,
) -> Step:
    """Move the lead one level up the ticket's ladder; the caller holds the ticket's lock.

    The receiving unit gets the time the ticket had left, or the level's (else the policy's) short
    escalation limit when none was left; a lead already past due is kept on the ticket's record.
    The old lead stays as a co-unit; after an automatic escalation (a unit that never signed) it is
    withdrawn instead, so that it cannot hold up the new lead's reply.
    """
    step = next_level(ticket_area(ticket), lead.unit, at=at)
    policy = policy_for(
        request_type=ticket.request_type, urgency=ticket.urgency, dispatch_mode=DispatchMode.ESCALATED, at=at
    )
    deadlines, had_time = escalation_deadlines(policy, at, lead_due_at=lead.due_at, limit=step.limit)
    lead.role = Assignment.Role.CO
    if automatic:
        lead.state = Assignment.State.CANCELLED
    lead.save(update_fields=["role", "state"])
    new_assignment(ticket, step.unit, Assignment.Role.LEAD, policy, deadlines, at, actor)
    if not had_time and ticket.overdue_at is None:
        ticket.overdue_at = lead.due_at
    ticket.lead_unit, ticket.dispatch_mode = step.unit, DispatchMode.ESCALATED
    ticket.escalation_level += 1
    skipped = f"(跳过无人在岗的{'、'.join(step.skipped)})" if step.skipped else ""
    record(
        ticket,
        actor=actor,
        action=EventAction.AUTO_ESCALATED if automatic else EventAction.ESCALATED,
        at=at,
        # A reopened ticket stays marked as rework （重办） while it climbs.
        to_status=Status.REOPENED if ticket.status == Status.REOPENED else Status.DISPATCHED,
        public=True,
        note=f"提级至{step.unit.name}办理",  # public: the reason stays internal (payload)
        update_fields=("lead_unit", "dispatch_mode", "escalation_level", "overdue_at"),
        from_unit=lead.unit_id,
        to_unit=step.unit.pk,
        level=step.level.name,
        skipped=list(step.skipped),
        reason=reason + skipped,
        previous_due_at=lead.due_at.isoformat(),
        due_at=deadlines.due_at.isoformat(),
        had_time_left=had_time,
    )
    notify_unit(
        step.unit,
        ticket=ticket,
        kind="escalated",
        at=at,
        sms=True,
        title=f"提级办理（主办）：{ticket.number} {ticket.title}",
        body=f"{reason}{skipped}；办理时限 {timezone.localtime(deadlines.due_at):%Y-%m-%d %H:%M}",
    )
    return step


@transaction.atomic
def ticket_escalate(
    *, ticket: Ticket, actor, note: str, whistle_units=(), at: datetime | None = None
) -> Ticket:
    """提级办理 one level up the ticket's escalation ladder; or 吹哨报到 calling departments to report.

    Ladder: the unit of the next level with someone on duty becomes the lead, with the time the ticket
    had left (never a fresh full limit); the old lead stays as a co-unit.
    Whistle (`whistle_units` given): those departments join as co-units, due no later than the lead.
    A unit with no active staff is never given the ticket.
    """
    at = now_or(at)
    ticket = lock_ticket(ticket)
    require_status(ticket, *HANDLING_STATUSES, action="提级或吹哨")
    own_lead = ticket.lead_unit_id in units_of(actor)
    if not (own_lead or has_role(actor, Role.SUPERVISOR, Role.DISPATCHER, Role.LEADER, Role.ADMINISTRATOR)):
        require_role(actor, Role.SUPERVISOR, Role.DISPATCHER, Role.LEADER, action="提级或吹哨")
    if not note.strip():
        raise ValidationError({"note": "请说明提级或吹哨的理由"})
    if ticket.paused_at is not None:
        raise TicketError("工单计时已暂停，请先恢复计时再提级或吹哨")
    lead = _current_lead(ticket)
    if whistle_units:
        return _whistle(ticket, actor=actor, note=note.strip(), units=list(whistle_units), lead=lead, at=at)
    if lead is None:
        raise TicketError("该工单当前没有主办单位，不能提级")
    try:
        escalate_lead(ticket, lead, actor=actor, at=at, reason=note.strip())
    except NoLevelAbove as exc:
        raise TicketError(exc.message) from None
    return ticket
