"""Provisional deadlines （暂定时限） re-timed once the year they counted provisionally is confirmed."""

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from civicgrid.sla.deadlines import WORKING_UNITS, reaches_unconfirmed_year, warning_times
from civicgrid.tickets.models import OPEN_STATUSES, Assignment, EventAction, Ticket
from civicgrid.tickets.services._core import now_or, record
from civicgrid.workcal.calendar import reposition

# The deadlines people see, named in the event; the warning points and the original due time move too.
SHOWN = {"sign_due_at": "签收时限", "first_contact_due_at": "首次联系时限", "due_at": "办理时限"}
FIELDS = ("sign_due_at", "first_contact_due_at", "original_due_at", "due_at", "yellow_at", "red_at")


def _counted_in_working_time(assignment: Assignment) -> list[str]:
    """The deadline fields of `assignment` that were counted on the calendar (natural ones were not)."""
    policy = assignment.policy
    if policy is None:
        return list(FIELDS)
    fields = []
    if policy.sign_unit in WORKING_UNITS:
        fields.append("sign_due_at")
    if policy.first_contact_unit in WORKING_UNITS:
        fields.append("first_contact_due_at")
    if policy.handle_unit in WORKING_UNITS:
        fields += ["original_due_at", "due_at", "yellow_at", "red_at"]
    elif assignment.extended_days:  # extensions are granted in working days
        fields.append("due_at")
    return fields


def _when(value: datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def _note(year: int, changes: dict[str, tuple[datetime, datetime]], names: dict[str, str]) -> str:
    parts = [
        f"{names[f]}由 {_when(old)} 改为 {_when(new)}" for f, (old, new) in changes.items() if f in names
    ]
    return f"{year} 年节假日安排已确认，按正式日历重算：" + (";".join(parts) or "预警时间已调整")


def _recompute_assignment(assignment: Assignment, ticket: Ticket, year: int, actor, at: datetime) -> None:
    fields = _counted_in_working_time(assignment)
    before = {f: getattr(assignment, f) for f in FIELDS}
    for f in fields:
        setattr(assignment, f, reposition(getattr(assignment, f), year))
    policy = assignment.policy
    if "yellow_at" not in fields and policy is not None and assignment.due_at != before["due_at"]:
        assignment.yellow_at, assignment.red_at = warning_times(
            policy, assignment.dispatched_at, assignment.due_at, provisional=True
        ).value
    assignment.deadlines_provisional = bool(fields) and reaches_unconfirmed_year(
        assignment.dispatched_at, *(getattr(assignment, f) for f in fields)
    )
    changes = {f: (before[f], getattr(assignment, f)) for f in FIELDS if getattr(assignment, f) != before[f]}
    # The *_issued_at stamps stay: a warning already given is not given again, and the scan judges the
    # rest against the new times.
    assignment.save(update_fields=[*changes, "deadlines_provisional"])
    if changes:
        record(
            ticket,
            actor=actor,
            action=EventAction.DEADLINES_RECOMPUTED,
            at=at,
            assignment=assignment,
            note=_note(year, changes, SHOWN),
            year=year,
            before={f: old.isoformat() for f, (old, _) in changes.items()},
            after={f: new.isoformat() for f, (_, new) in changes.items()},
        )


def _recompute_callback(ticket: Ticket, year: int, actor, at: datetime) -> None:
    lead = (
        ticket.assignments.filter(round=ticket.dispatch_round, role=Assignment.Role.LEAD)
        .exclude(state__in=[Assignment.State.RETURNED, Assignment.State.CANCELLED])
        .select_related("policy")
        .first()
    )
    policy = lead.policy if lead else None
    old = ticket.callback_due_at
    if policy is None or policy.callback_unit in WORKING_UNITS:
        ticket.callback_due_at = reposition(old, year)
    ticket.callback_due_provisional = reaches_unconfirmed_year(
        ticket.replied_at or old, ticket.callback_due_at
    )
    if ticket.callback_due_at == old:
        ticket.save(update_fields=["callback_due_provisional"])
        return
    record(
        ticket,
        actor=actor,
        action=EventAction.DEADLINES_RECOMPUTED,
        at=at,
        note=_note(year, {"callback_due_at": (old, ticket.callback_due_at)}, {"callback_due_at": "回访时限"}),
        update_fields=("callback_due_at", "callback_due_provisional"),
        year=year,
        before={"callback_due_at": old.isoformat()},
        after={"callback_due_at": ticket.callback_due_at.isoformat()},
    )


@transaction.atomic
def provisional_deadlines_recompute(*, year: int, actor=None, at: datetime | None = None) -> int:
    """Re-time every open provisional deadline reaching `year`, now that its calendar is confirmed.

    Each deadline keeps its place in working time (workcal.calendar.reposition) and stays provisional
    only while it still reaches an unconfirmed year. One event per assignment (or callback) whose
    deadlines moved, by `actor` (who confirmed the year; None for the command line). Returns how many
    provisional deadlines (assignments and callbacks) were recomputed.
    """
    at = now_or(at)
    start = datetime(year, 1, 1, tzinfo=timezone.get_default_timezone())
    assignments = Assignment.objects.filter(
        Q(sign_due_at__gte=start) | Q(first_contact_due_at__gte=start) | Q(due_at__gte=start),
        deadlines_provisional=True,
        state__in=Assignment.OPEN_STATES,
        ticket__status__in=OPEN_STATUSES,
        ticket__is_historical=False,
    )
    callbacks = Ticket.objects.filter(
        callback_due_provisional=True,
        callback_due_at__gte=start,
        status__in=OPEN_STATUSES,
        is_historical=False,
    )
    ticket_ids = set(assignments.values_list("ticket_id", flat=True)) | set(
        callbacks.values_list("pk", flat=True)
    )
    # Tickets first, in key order, as every ticket service locks them; then re-read under the locks.
    tickets = Ticket.objects.select_for_update().filter(pk__in=ticket_ids).order_by("pk").in_bulk()
    count = 0
    for assignment in assignments.filter(ticket_id__in=tickets).select_related("policy").order_by("pk"):
        _recompute_assignment(assignment, tickets[assignment.ticket_id], year, actor, at)
        count += 1
    for ticket_id in callbacks.filter(pk__in=tickets).order_by("pk").values_list("pk", flat=True):
        _recompute_callback(tickets[ticket_id], year, actor, at)
        count += 1
    return count
