"""Clock pauses （暂停计时）： a ticket waiting on the requester or on mediation stops its clocks.

The paused working time is excluded from every deadline: on resume, each open deadline of the live
assignments (sign-off, first contact, handling, yellow, red) moves forward by the working time the
clocks stood still, and warnings not yet due again may be issued again.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from civicgrid.core.actors import SYSTEM
from civicgrid.registry.models import Role
from civicgrid.sla.clocks import paused_working_time, pushed
from civicgrid.sla.deadlines import reaches_unconfirmed_year
from civicgrid.sla.models import PauseReason
from civicgrid.tickets.errors import NotAllowed, TicketError
from civicgrid.tickets.models import HANDLING_STATUSES, Assignment, EventAction, Ticket
from civicgrid.tickets.permissions import has_role, units_of
from civicgrid.tickets.services._core import lock_ticket, notify_role, notify_unit, now_or, record
from civicgrid.tickets.services.handling import refresh_warning_level

__all__ = ["may_pause", "ticket_pause", "ticket_resume"]

CENTRE = (Role.DISPATCHER, Role.ADMINISTRATOR)
HANDLERS = (Role.UNIT_HANDLER, Role.GRID_WORKER, Role.GRID_LEADER)
_STAMPS = (("yellow_issued_at", "yellow_at"), ("red_issued_at", "red_at"), ("overdue_issued_at", "due_at"))


def may_pause(actor, ticket: Ticket) -> bool:
    """The centre's dispatchers, the handlers of the unit leading the ticket, and the system (a mediation case
    that referred the ticket resumes it when it has an outcome)."""
    if actor is SYSTEM or has_role(actor, *CENTRE):
        return True
    return has_role(actor, *HANDLERS) and ticket.lead_unit_id in units_of(actor)


def _require(actor, ticket: Ticket, action: str) -> None:
    if not may_pause(actor, ticket):
        raise NotAllowed(f"无权{action}：仅限主办单位的办理人员和 12345 派单员")


@transaction.atomic
def ticket_pause(
    *, ticket: Ticket, actor, reason: PauseReason | None, note: str, at: datetime | None = None
) -> Ticket:
    """暂停计时 for one of the configured reasons; the clocks stand still until resumed."""
    at = now_or(at)
    ticket = lock_ticket(ticket)
    _require(actor, ticket, "暂停计时")
    if ticket.status not in HANDLING_STATUSES:
        raise TicketError(
            f"工单 {ticket.number} 当前为「{ticket.get_status_display()}」，不在办理中，不能暂停计时"
        )
    if ticket.paused_at is not None:
        raise TicketError(f"工单 {ticket.number} 已暂停计时")
    errors = {}
    if reason is None or not reason.is_active:
        errors["reason"] = "请选择暂停计时的原因"
    if not note.strip():
        errors["note"] = "请说明暂停计时的情况（如与诉求人的约定、调解受理情况）"
    if errors:
        raise ValidationError(errors)
    ticket.paused_at, ticket.pause_reason = at, reason
    record(
        ticket,
        actor=actor,
        action=EventAction.CLOCK_PAUSED,
        at=at,
        public=True,
        note=f"暂停计时：{reason.name}",  # public: the details stay internal (payload)
        update_fields=("paused_at", "pause_reason"),
        reason=reason.code,
        detail=note.strip(),
    )
    if has_role(actor, *CENTRE):
        if ticket.lead_unit is not None:
            notify_unit(
                ticket.lead_unit,
                ticket=ticket,
                kind="clock_paused",
                at=at,
                title=f"工单暂停计时：{ticket.number}（{reason.name}）",
                body=note.strip(),
            )
    else:
        notify_role(
            Role.DISPATCHER,
            ticket=ticket,
            kind="clock_paused",
            at=at,
            title=f"承办单位暂停计时：{ticket.number}（{reason.name}）",
            body=note.strip(),
        )
    return ticket


@transaction.atomic
def ticket_resume(*, ticket: Ticket, actor, note: str = "", at: datetime | None = None) -> Ticket:
    """恢复计时： every open deadline moves forward by the paused working time."""
    at = now_or(at)
    ticket = lock_ticket(ticket)
    _require(actor, ticket, "恢复计时")
    if ticket.paused_at is None:
        raise TicketError(f"工单 {ticket.number} 未暂停计时")
    paused_from = ticket.paused_at
    paused = paused_working_time(paused_from, at)
    live = ticket.assignments.select_for_update().filter(
        round=ticket.dispatch_round, state__in=Assignment.ACTIVE_STATES
    )
    for assignment in live:
        if assignment.signed_at is None:
            assignment.sign_due_at = pushed(assignment.sign_due_at, paused)
        if assignment.first_contacted_at is None:
            assignment.first_contact_due_at = pushed(assignment.first_contact_due_at, paused)
        for name in ("due_at", "yellow_at", "red_at"):
            setattr(assignment, name, pushed(getattr(assignment, name), paused))
        assignment.deadlines_provisional |= reaches_unconfirmed_year(
            assignment.dispatched_at,
            assignment.sign_due_at,
            assignment.first_contact_due_at,
            assignment.due_at,
        )
        for stamp, point in _STAMPS:
            if getattr(assignment, point) > at:
                setattr(assignment, stamp, None)
        assignment.save(
            update_fields=[
                "sign_due_at",
                "first_contact_due_at",
                "due_at",
                "yellow_at",
                "red_at",
                "deadlines_provisional",
                *(stamp for stamp, _ in _STAMPS),
            ]
        )
    refresh_warning_level(ticket)
    ticket.paused_at, ticket.pause_reason = None, None
    hours = paused.total_seconds() / 3600
    record(
        ticket,
        actor=actor,
        action=EventAction.CLOCK_RESUMED,
        at=at,
        public=True,
        note=f"恢复计时，各项时限顺延 {hours:.1f} 个工作小时",
        update_fields=("paused_at", "pause_reason", "warning_level"),
        paused_from=paused_from.isoformat(),
        paused_working_seconds=int(paused.total_seconds()),
        detail=note.strip(),
    )
    return ticket
