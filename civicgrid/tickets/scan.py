"""The deadline scan: yellow and red warnings and overdue flags, each issued exactly once.

One pass reads the stored deadline columns of active assignments on open tickets. Rows are claimed in
batches inside a transaction (FOR UPDATE SKIP LOCKED on PostgreSQL; on SQLite the transaction holds
the write lock from BEGIN), the matching *_issued_at columns are set, and only the claimed rows get
events and notifications, so several scanners at once never issue a warning twice. When a deadline
moves (extension), the ticket services clear *_issued_at and the warnings can be issued again.
"""

from dataclasses import asdict, dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from civicgrid.notify.bulk import insert_rows
from civicgrid.notify.services import insert_notifications
from civicgrid.registry.selectors import users_acting_for
from civicgrid.tickets.models import (
    OPEN_STATUSES,
    WARNING_POINTS,
    WARNING_STAMPS,
    Assignment,
    Event,
    EventAction,
    Ticket,
    WarningLevel,
)

__all__ = ["LEVELS", "ScanResult", "scan_deadlines"]

LEVELS = tuple(WarningLevel.values)  # ascending severity
_THRESHOLD = WARNING_POINTS
_ISSUED = WARNING_STAMPS
EVENT_ACTIONS = {
    WarningLevel.YELLOW: EventAction.WARNING_YELLOW,
    WarningLevel.RED: EventAction.WARNING_RED,
    WarningLevel.OVERDUE: EventAction.OVERDUE,
}
NOTIFICATION_KINDS = {"yellow": "sla_yellow", "red": "sla_red", "overdue": "sla_overdue"}
_CHANNELS = {"yellow": [], "red": ["sms"], "overdue": ["sms"]}
_LOOKUP_BATCH = 5000  # ticket keys per IN list (SQLite limits a statement's parameters)

_COLUMNS = (
    "pk",
    "ticket_id",
    "unit_id",
    "yellow_at",
    "red_at",
    "due_at",
    "yellow_issued_at",
    "red_issued_at",
    "overdue_issued_at",
    "ticket__status",
    "ticket__number",
    "ticket__title",
    "round",
    "ticket__dispatch_round",
    "state",
)


@dataclass(frozen=True)
class ScanResult:
    yellow: int = 0
    red: int = 0
    overdue: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(slots=True)
class _Row:
    pk: int
    ticket_id: int
    unit_id: int
    yellow_at: datetime
    red_at: datetime
    due_at: datetime
    yellow_issued_at: datetime | None
    red_issued_at: datetime | None
    overdue_issued_at: datetime | None
    status: str
    number: str
    title: str
    round: int
    ticket_round: int
    state: str
    crossed: tuple[str, ...] = ()  # the levels this pass issues, ascending

    @classmethod
    def read(cls, values: tuple, now: datetime) -> "_Row":
        row = cls(*values)
        row.crossed = tuple(
            level
            for level in LEVELS
            if getattr(row, _ISSUED[level]) is None and getattr(row, _THRESHOLD[level]) <= now
        )
        return row


def _texts() -> dict[str, dict[str, str]]:
    """Translated templates, looked up once per batch rather than once per row."""
    return {
        "note": {
            "yellow": gettext("黄色预警：办理时限将至（%(due)s 截止）"),
            "red": gettext("红色预警：办理时限临近（%(due)s 截止）"),
            "overdue": gettext("已超过办理时限（%(due)s 截止）"),
        },
        "title": {
            "yellow": gettext("黄色预警：工单 %(number)s 办理时限将至"),
            "red": gettext("红色预警：工单 %(number)s 办理时限临近"),
            "overdue": gettext("超期：工单 %(number)s 已超过办理时限"),
        },
        "body": {"any": gettext("%(title)s；办理时限 %(due)s。")},
    }


def _due_tickets(now: datetime) -> list[int]:
    """Open tickets with an active assignment that has a warning due, ascending; read without locks.

    One query per level, each answered by its partial index (the few rows crossing since the last pass),
    then the tickets by key. Asked in one statement (an OR of the levels joined to the tickets), PostgreSQL
    read every active assignment and every open ticket instead: seconds with a million open assignments
    (bench/bench_province.py).
    """
    candidates = set()
    for level in LEVELS:
        candidates.update(
            Assignment.objects.filter(
                **{f"{_THRESHOLD[level]}__lte": now, f"{_ISSUED[level]}__isnull": True},
                state__in=Assignment.ACTIVE_STATES,
            )
            .order_by()
            .values_list("ticket_id", flat=True)
        )
    ordered = sorted(candidates)
    due = []
    for start in range(0, len(ordered), _LOOKUP_BATCH):
        due += Ticket.objects.filter(
            pk__in=ordered[start : start + _LOOKUP_BATCH],
            status__in=OPEN_STATUSES,
            paused_at=None,
            is_historical=False,
        ).values_list("pk", flat=True)
    return sorted(due)


def _claim(now: datetime, ticket_ids: list[int]) -> list[_Row]:
    """Inside the caller's transaction: lock those of `ticket_ids` still open and not held by anyone
    else, then mark their assignments' due warnings as issued. Returns the claimed rows.

    Tickets are the unit of claiming, locked before their assignments as tickets.services does: a
    scanner skips a ticket someone holds and never waits, so it cannot deadlock, and holding the
    ticket makes its assignments' stamps and overlay this scanner's alone. The due test is repeated
    under the lock, so a ticket another scanner finished in the meantime yields nothing.
    """
    tickets = Ticket.objects.filter(
        pk__in=ticket_ids, status__in=OPEN_STATUSES, paused_at=None, is_historical=False
    ).order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        tickets = tickets.select_for_update(skip_locked=True)
    locked = list(tickets.values_list("pk", flat=True))
    # Only the ticket key in SQL, so the ticket index is used; the rest is tested in Python.
    rows = [
        row
        for row in (
            _Row.read(values, now)
            for values in Assignment.objects.filter(ticket_id__in=locked)
            .order_by("ticket_id", "pk")
            .values_list(*_COLUMNS)
        )
        if row.crossed and row.state in Assignment.ACTIVE_STATES
    ]
    for level in LEVELS:
        pks = [row.pk for row in rows if level in row.crossed]
        if pks:
            Assignment.objects.filter(pk__in=pks, **{f"{_ISSUED[level]}__isnull": True}).update(
                **{_ISSUED[level]: now}
            )
    return rows


def _raise_warning_levels(rows: list[_Row]) -> None:
    """Raise each ticket's overlay to the worst warning now issued on its live (current-round) rows.

    Only ever raised here, and only from a lower level, so concurrent scanners cannot lower it;
    tickets.services recomputes it when assignments change.
    """
    worst: dict[int, int] = {}
    for row in rows:
        if row.round != row.ticket_round:
            continue
        issued = [level for level in LEVELS if getattr(row, _ISSUED[level]) is not None]
        rank = max(LEVELS.index(level) for level in (*row.crossed, *issued))
        worst[row.ticket_id] = max(rank, worst.get(row.ticket_id, -1))
    for rank, level in enumerate(LEVELS):
        ids = [ticket_id for ticket_id, r in worst.items() if r == rank]
        if ids:
            Ticket.objects.filter(pk__in=ids, warning_level__in=WarningLevel.below(level)).update(
                warning_level=level
            )


_EVENT_COLUMNS = (
    "ticket_id",
    "at",
    "action",
    "from_status",
    "to_status",
    "assignment_id",
    "note",
    "payload",
    "is_public",
    "restates",
)


def _issue(rows: list[_Row], now: datetime) -> dict[str, int]:
    counts = dict.fromkeys(LEVELS, 0)
    events, notifications = [], []
    texts = _texts()
    tz = timezone.get_current_timezone()
    recipients = users_acting_for({row.unit_id for row in rows})
    for row in rows:
        crossed = row.crossed
        due = row.due_at.astimezone(tz)
        due_text = due.strftime("%Y-%m-%d %H:%M")
        for level in crossed:
            counts[level] += 1
            payload = {
                "level": level,
                "threshold_at": getattr(row, _THRESHOLD[level]).astimezone(tz).isoformat(),
                "due_at": due.isoformat(),
                "unit_id": row.unit_id,
            }
            note = texts["note"][level] % {"due": due_text}
            events.append(
                (
                    row.ticket_id,
                    now,
                    EVENT_ACTIONS[level],
                    row.status,
                    row.status,
                    row.pk,
                    note,
                    payload,
                    False,
                    False,  # a notice dated now, on an assignment's stamp that had none (`tickets.restating`)
                )
            )
        # Thresholds crossed together (after downtime, or back-dated data) notify once, at the worst.
        level = crossed[-1]
        title = texts["title"][level] % {"number": row.number}
        body = texts["body"]["any"] % {"title": row.title, "due": due_text}
        kind, channels = NOTIFICATION_KINDS[level], _CHANNELS[level]
        notifications.extend(
            (user_id, row.ticket_id, kind, title, body, channels)
            for user_id in recipients.get(row.unit_id, ())
        )
    insert_rows(Event, _EVENT_COLUMNS, events)
    _raise_warning_levels(rows)
    # The worker sends right after the scan; sending inside it would make it as slow as the SMS gateway.
    insert_notifications(notifications, at=now)
    return counts


def scan_deadlines(*, now: datetime | None = None, batch_size: int = 2000) -> ScanResult:
    """One pass over every active assignment of every open ticket; returns what was newly issued.

    `batch_size` tickets are claimed per transaction.
    """
    now = now or timezone.now()
    if timezone.is_naive(now):
        now = timezone.make_aware(now)
    totals = dict.fromkeys(LEVELS, 0)
    # Tickets skipped as locked belong to another scanner, or wait for the next pass (a service
    # busy with the ticket).
    due_tickets = _due_tickets(now)
    for start in range(0, len(due_tickets), batch_size):
        with transaction.atomic():
            rows = _claim(now, due_tickets[start : start + batch_size])
            if rows:
                for level, count in _issue(rows, now).items():
                    totals[level] += count
    return ScanResult(**totals)
