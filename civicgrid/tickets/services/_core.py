"""Shared plumbing of the ticket services: locking, the event row, numbering, notifications."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import connections, router
from django.utils import timezone

from civicgrid.notify.services import clear_done, notify
from civicgrid.registry.selectors import users_acting_for
from civicgrid.tickets.errors import TicketError
from civicgrid.tickets.models import Assignment, Decision, Event, EventAction, Status, Ticket, TicketSequence
from civicgrid.tickets.restating import remember, restates


def now_or(at: datetime | None) -> datetime:
    return at or timezone.now()


def lock_ticket(ticket: Ticket, *related: str) -> Ticket:
    """Re-read the ticket under a row lock: guards see the committed state, concurrent actors queue.

    `related` rows (select_related) come in the same query, unlocked.
    """
    if related:
        return Ticket.objects.select_for_update(of=("self",)).select_related(*related).get(pk=ticket.pk)
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def lock_assignment(assignment: Assignment) -> tuple[Ticket, Assignment]:
    # Always ticket first, then assignment: one lock order everywhere, so no deadlocks.
    ticket = Ticket.objects.select_for_update().get(pk=assignment.ticket_id)
    return ticket, Assignment.objects.select_for_update(of=("self",)).select_related("unit", "policy").get(
        pk=assignment.pk
    )


def decide_request(model, request, *, actor, approve: bool, note: str, at: datetime, what: str):
    """Lock a pending extension or return request (ticket first, like every service), check it is still
    undecided and that a refusal gives a reason, and stamp the decision. The caller saves it."""
    ticket, assignment = lock_assignment(request.assignment)
    request = model.objects.select_for_update().get(pk=request.pk)
    if request.decision != Decision.PENDING:
        raise TicketError(f"该{what}申请已审核过")
    if not approve and not note.strip():
        raise ValidationError({"note": f"不同意{what}时请说明理由"})
    request.decision = Decision.APPROVED if approve else Decision.REJECTED
    request.decided_at, request.decided_by, request.decision_note = at, actor, note.strip()
    return ticket, assignment, request


def require_status(ticket: Ticket, *allowed: str, action: str) -> None:
    if ticket.is_historical:
        raise TicketError(f"工单 {ticket.number} 是历史导入的工单，只供查询和统计，不能{action}")
    if ticket.status not in allowed:
        names = "、".join(str(Status(s).label) for s in allowed)
        raise TicketError(
            f"工单 {ticket.number} 当前为「{ticket.get_status_display()}」，不能{action}（需为：{names}）"
        )


def require_state(assignment: Assignment, *allowed: str, action: str) -> None:
    if assignment.state not in allowed:
        raise TicketError(
            f"{assignment.unit.name}的承办任务当前为「{assignment.get_state_display()}」，不能{action}"
        )


def record(
    ticket: Ticket,
    *,
    actor,
    action: str,
    at: datetime,
    to_status: str | None = None,
    assignment: Assignment | None = None,
    note: str = "",
    public: bool = False,
    update_fields: tuple[str, ...] = (),
    created: bool = False,
    **payload,
) -> Event:
    """Apply a status change (if any) and the given field updates, and write the event row.

    `created`: the caller has just inserted the ticket as it now stands (its first version), so only the
    event is written."""
    from_status = ticket.status
    restating = restates(ticket, action, created=created)
    if not created:
        if to_status is not None:
            ticket.status = to_status
        ticket.version += 1  # the row is locked by the caller, so no update is lost
        ticket.save(update_fields=["status", "version", "updated_at", *update_fields])
    remember(ticket)
    _clear_done_todos(ticket, action, assignment, at)
    return Event.objects.create(
        restates=restating,
        ticket=ticket,
        at=at,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_status=from_status,
        to_status=ticket.status,
        assignment=assignment,
        note=note[:500],
        payload=payload,
        is_public=public,
    )


# To-dos a step completes, so a notification centre holds only what still waits for someone (browser walk: a
# dispatcher had 2,708 unread). The centre's: cleared for everyone once one person did the work.
_CENTRE_DONE_BY = {
    EventAction.DISPATCHED: {"unsigned_returned", "return_requested"},
    EventAction.RETURN_APPROVED: {"return_requested"},
    EventAction.RETURN_REJECTED: {"return_requested"},
    EventAction.EXTENSION_APPROVED: {"extension_requested"},
    EventAction.EXTENSION_REJECTED: {"extension_requested"},
    EventAction.REVIEW_PASSED: {"replied"},
    EventAction.REVIEW_FAILED: {"replied"},
}
# A unit's: signing clears "new ticket to sign"; once it has replied or left the ticket, nothing of it waits.
_UNIT_DONE_BY = {
    EventAction.SIGNED: {"dispatched", "auto_escalated", "escalated", "whistle"},
    EventAction.REPLIED: None,
    EventAction.CO_REPLIED: None,
    EventAction.RETURN_APPROVED: None,
}
# Once a ticket is finished, no notification about it asks anyone for anything.
_FINISHED = {Status.CLOSED, Status.ARCHIVED, Status.MERGED, Status.NOT_ACCEPTED, Status.TRANSFERRED}


def _clear_done_todos(ticket: Ticket, action: str, assignment: Assignment | None, at: datetime) -> None:
    if ticket.status in _FINISHED or ticket.status == Status.DIRECT_ANSWERED:
        clear_done(ticket_id=ticket.pk, at=at)
        return
    if action == EventAction.DISPATCHED and ticket.dispatch_round <= 1:
        pass  # what a dispatch clears is raised about an earlier round's assignment: on the first, nothing
    elif action in _CENTRE_DONE_BY:
        clear_done(ticket_id=ticket.pk, at=at, kinds=_CENTRE_DONE_BY[action])
    if action in _UNIT_DONE_BY and assignment is not None:
        clear_done(
            ticket_id=ticket.pk,
            at=at,
            kinds=_UNIT_DONE_BY[action],
            recipients=users_acting_for([assignment.unit]).get(assignment.unit.pk, []),
        )


def next_number(at: datetime) -> str:
    return reserve_numbers(timezone.localdate(at), 1)[0]


def reserve_numbers(day, count: int) -> list[str]:
    """`count` consecutive numbers of `day` (YYYYMMDD-NNNNNN), taken in one statement: registration takes
    one, an import of historical tickets a day's worth at a time."""
    # One statement: the day's row is created or incremented under its lock, and the new value returned.
    connection = connections[router.db_for_write(TicketSequence)]
    quote = connection.ops.quote_name
    table, last = quote(TicketSequence._meta.db_table), quote("last")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({quote('day')}, {last}) VALUES (%s, %s) "
            f"ON CONFLICT ({quote('day')}) DO UPDATE SET {last} = {table}.{last} + %s RETURNING {last}",
            [connection.ops.adapt_datefield_value(day), count, count],
        )
        (top,) = cursor.fetchone()
    return [f"{day:%Y%m%d}-{number:06d}" for number in range(top - count + 1, top + 1)]


def notify_unit(unit, *, ticket: Ticket, kind: str, title: str, body: str = "", at: datetime, sms=False):
    notify(
        recipients=users_acting_for([unit]).get(unit.pk, []),  # the ids recipients_for_unit would load
        kind=kind,
        title=title,
        body=body,
        ticket=ticket,
        channels=["sms"] if sms else [],
        at=at,
    )


def notify_role(role: str, *, ticket: Ticket, kind: str, title: str, body: str = "", at: datetime):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True, staff__roles__code=role).distinct()
    notify(recipients=list(users), kind=kind, title=title, body=body, ticket=ticket, at=at)
