"""Supervision (督办), the key supervision list and escalation (提级办理 / 吹哨报到)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from civicgrid.registry.models import Role, Unit
from civicgrid.routing.vocabulary import DispatchMode
from civicgrid.sla.deadlines import assignment_deadlines
from civicgrid.sla.policies import policy_for
from civicgrid.tickets.errors import TicketError
from civicgrid.tickets.models import HANDLING_STATUSES, OPEN_STATUSES, Assignment, Status, Supervision, Ticket
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
        action="supervised",
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
            title=f"督办({level}级):{ticket.number} {ticket.title}",
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
        action="key_list_added" if on else "key_list_removed",
        at=at,
        note=note.strip(),
        update_fields=("on_key_list",),
    )
    return ticket


@transaction.atomic
def ticket_escalate(
    *, ticket: Ticket, actor, note: str, whistle_units=(), at: datetime | None = None
) -> Ticket:
    """提级办理 up the ladder grid → community → town → city; or 吹哨报到 calling departments to report.

    Ladder: the lead's parent unit becomes the lead (new deadlines from now), the old lead stays as a co-unit.
    Whistle (`whistle_units` given): those departments join as co-units and must report.
    """
    at = now_or(at)
    ticket = lock_ticket(ticket)
    require_status(ticket, *HANDLING_STATUSES, action="提级或吹哨")
    own_lead = ticket.lead_unit_id in units_of(actor)
    if not (own_lead or has_role(actor, Role.SUPERVISOR, Role.DISPATCHER, Role.LEADER, Role.ADMINISTRATOR)):
        require_role(actor, Role.SUPERVISOR, Role.DISPATCHER, Role.LEADER, action="提级或吹哨")
    if not note.strip():
        raise ValidationError({"note": "请说明提级或吹哨的理由"})
    policy = policy_for(
        request_type=ticket.request_type, urgency=ticket.urgency, dispatch_mode=DispatchMode.ESCALATED, at=at
    )
    deadlines = assignment_deadlines(policy, at)
    current = ticket.assignments.filter(round=ticket.dispatch_round)
    if whistle_units:
        present = set(current.values_list("unit_id", flat=True))
        called = [u for u in whistle_units if u.pk not in present]
        if not called:
            raise TicketError("所选部门已在办理该工单")
        for unit in called:
            new_assignment(ticket, unit, Assignment.Role.CO, policy, deadlines, at, actor)
            notify_unit(
                unit,
                ticket=ticket,
                kind="whistle",
                at=at,
                sms=True,
                title=f"吹哨报到:{ticket.number} {ticket.title}",
                body=note.strip(),
            )
        ticket.escalation_level += 1
        record(
            ticket,
            actor=actor,
            action="whistle",
            at=at,
            note=note.strip(),
            update_fields=("escalation_level",),
            units=[u.pk for u in called],
        )
        return ticket
    lead = (
        current.filter(role=Assignment.Role.LEAD)
        .exclude(state__in=[Assignment.State.RETURNED, Assignment.State.CANCELLED])
        .select_related("unit__parent")
        .first()
    )
    if lead is None or lead.unit.parent is None:
        raise TicketError("已是最高层级,无法继续提级")
    upper = lead.unit.parent
    lead.role = Assignment.Role.CO
    lead.save(update_fields=["role"])
    new_assignment(ticket, upper, Assignment.Role.LEAD, policy, deadlines, at, actor)
    ticket.lead_unit, ticket.dispatch_mode = upper, DispatchMode.ESCALATED
    ticket.escalation_level += 1
    record(
        ticket,
        actor=actor,
        action="escalated",
        at=at,
        to_status=Status.DISPATCHED,
        public=True,
        note=f"提级至{upper.name}办理",  # public: the reason stays internal (payload)
        update_fields=("lead_unit", "dispatch_mode", "escalation_level"),
        from_unit=lead.unit_id,
        to_unit=upper.pk,
        reason=note.strip(),
    )
    notify_unit(
        upper,
        ticket=ticket,
        kind="escalated",
        at=at,
        sms=True,
        title=f"提级办理(主办):{ticket.number} {ticket.title}",
        body=note.strip(),
    )
    return ticket
