"""Work queues of the handling screens: the unit inbox, the callback queue, the supervision board.

Every queue starts from a scoped selector (`assignments_for`, `tickets_for`), so scope cannot be forgotten.
"""

from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from civicgrid.registry.staffing import staffed_unit_ids
from civicgrid.tickets.models import (
    HANDLING_STATUSES,
    WARNED_LEVELS,
    Assignment,
    Solved,
    Status,
    Ticket,
    WarningLevel,
)
from civicgrid.tickets.selectors import assignments_for, tickets_for
from civicgrid.tickets.services.closure import UNSATISFIED, closed_masters_owing_callbacks

# tab → (label, filter); the warned/overdue filters match the counts on the home page (work_queues).
INBOX_TABS = {
    "sign": ("待签收", Q(state=Assignment.State.PENDING_SIGN)),
    "doing": ("办理中", Q(state=Assignment.State.IN_PROGRESS)),
    "warned": (
        "已预警",
        Q(state__in=Assignment.ACTIVE_STATES) & Assignment.at_warning_level(*WARNED_LEVELS),
    ),
    "overdue": (
        WarningLevel.OVERDUE.label,
        Q(state__in=Assignment.ACTIVE_STATES) & Assignment.at_warning_level(WarningLevel.OVERDUE),
    ),
    "returned": (
        "退单",
        Q(state__in=[Assignment.State.RETURN_REQUESTED, Assignment.State.RETURNED]),
    ),
}

# Every state a tab's rule admits.
TAB_STATES = [*Assignment.ACTIVE_STATES, Assignment.State.RETURNED]


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    count: int


def not_historical() -> Q:
    """Assignments of tickets not imported as history, tested against the few historical tickets (their partial
    index) rather than by a join to every ticket, so the inbox's counts read the assignment index alone."""
    return ~Q(ticket__in=Ticket.objects.filter(is_historical=True).values("pk"))


def inbox_tabs(user) -> list[Tab]:
    # Only the states some tab counts: a busy unit's finished assignments (hundreds of thousands in a
    # province) are never read (bench/bench_province.py).
    mine = assignments_for(user).filter(not_historical(), state__in=TAB_STATES)
    counts = mine.aggregate(**{key: Count("id", filter=rule) for key, (_, rule) in INBOX_TABS.items()})
    return [Tab(key, label, counts[key]) for key, (label, _) in INBOX_TABS.items()]


def inbox(user, tab: str, q: str = "") -> QuerySet[Assignment]:
    """One tab of the unit inbox; most urgent deadline first."""
    _, rule = INBOX_TABS[tab]
    rows = assignments_for(user).filter(rule, not_historical()).select_related("ticket", "unit")
    if q:
        rows = rows.filter(Q(ticket__number__icontains=q) | Q(ticket__title__icontains=q))
    return rows.order_by("due_at", "id")


def assignment_actions(assignment: Assignment) -> set[str]:
    """The forms worth showing for an assignment in its state; the services still decide."""
    state, lead = assignment.state, assignment.role == Assignment.Role.LEAD
    if state == Assignment.State.PENDING_SIGN:
        return {"sign", "return"}
    if state == Assignment.State.IN_PROGRESS:
        actions = {"contact", "extension", "return"}
        actions |= {"reply", "escalate"} if lead else {"co_reply"}
        return actions
    return set()


def co_reports(assignment: Assignment) -> QuerySet[Assignment]:
    """The co-units of the lead's round, with what they reported."""
    return (
        assignment.ticket.assignments.filter(round=assignment.round, role=Assignment.Role.CO)
        .select_related("unit")
        .order_by("unit__name")
    )


# The requester rated online and is unhappy: the desk calls her first (and reads her words).
UNHAPPY_ONLINE = Q(resident_rating__satisfaction__in=UNSATISFIED) | Q(resident_rating__solved=Solved.UNSOLVED)


def callback_queue(user, q: str = "") -> QuerySet[Ticket]:
    """Replies that passed review and wait for a call: unhappy online ratings first, flagged, then the
    earliest callback deadline."""
    # 并单: a closed master stays while a merged requester is still owed her call (CIVICGRID_MERGED_CALLBACK).
    owing = closed_masters_owing_callbacks(now=timezone.now())
    rows = (
        tickets_for(user)
        .filter(Q(status=Status.PENDING_CALLBACK) | Q(pk__in=owing), is_historical=False)
        .select_related("lead_unit", "resident_rating")
        .annotate(
            attempts=Count("callbacks", distinct=True),
            merged_requesters=Count("merged_children", distinct=True),
            unhappy_online=Case(
                When(UNHAPPY_ONLINE, then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
        )
    )
    if q:
        rows = rows.filter(Q(number__icontains=q) | Q(title__icontains=q))
    return rows.order_by("-unhappy_online", "callback_due_at", "id")


def merged_requests(ticket: Ticket) -> QuerySet[Ticket]:
    """The duplicates merged into a ticket: their requesters are owed the callback as well."""
    return (
        Ticket.objects.filter(merged_into=ticket, status=Status.MERGED)
        .select_related("resident_rating")
        .order_by("received_at", "id")
    )


def _current_lead(field: str):
    return Subquery(
        Assignment.objects.filter(
            ticket=OuterRef("pk"),
            round=OuterRef("dispatch_round"),
            role=Assignment.Role.LEAD,
            state__in=Assignment.OPEN_STATES,
        ).values(field)[:1]
    )


def warned_tickets(user) -> QuerySet[Ticket]:
    """Open tickets in handling carrying a warning (the same set the home page counts)."""
    return tickets_for(user).filter(
        status__in=HANDLING_STATUSES, warning_level__in=WarningLevel.values, is_historical=False
    )


def warnings_by_unit(user) -> list[dict]:
    """Counts of yellow, red and overdue tickets per lead unit, worst unit first."""
    rows = (
        warned_tickets(user)
        .values("lead_unit", "lead_unit__name")
        .annotate(
            **{level: Count("id", filter=Q(warning_level=level)) for level in WarningLevel.values},
            total=Count("id"),
        )
        .order_by("-overdue", "-red", "-yellow", "lead_unit__name")
    )
    return list(rows)


def supervision_list(user, *, unit: int | None = None, level: str = "", q: str = "") -> QuerySet[Ticket]:
    rows = warned_tickets(user)
    if unit:
        rows = rows.filter(lead_unit_id=unit)
    if level in WarningLevel.values:
        rows = rows.filter(warning_level=level)
    return _board_rows(rows, q)


def key_list(user, q: str = "") -> QuerySet[Ticket]:
    """重点督办清单 (the same set the home page counts)."""
    return _board_rows(tickets_for(user).filter(on_key_list=True, is_historical=False), q)


def _board_rows(rows, q):
    if q:
        rows = rows.filter(Q(number__icontains=q) | Q(title__icontains=q))
    severity = Case(
        *[When(warning_level=level, then=Value(i + 1)) for i, level in enumerate(WarningLevel.values)],
        default=Value(0),
        output_field=IntegerField(),
    )
    return (
        rows.select_related("lead_unit")
        .annotate(
            lead_due_at=_current_lead("due_at"),
            lead_due_provisional=_current_lead("deadlines_provisional"),
            severity=severity,
        )
        .order_by("-severity", "lead_due_at", "id")
    )


def unstaffed_units_with_work(user) -> list[dict]:
    """Units holding live assignments of tickets in scope with nobody on duty to handle them."""
    rows = list(
        Assignment.objects.filter(
            ticket__in=tickets_for(user).filter(status__in=HANDLING_STATUSES, is_historical=False),
            round=F("ticket__dispatch_round"),
            state__in=Assignment.ACTIVE_STATES,
        )
        .values("unit", "unit__name")
        .annotate(count=Count("id"))
        .order_by("-count", "unit__name")
    )
    staffed = staffed_unit_ids(row["unit"] for row in rows)
    return [row for row in rows if row["unit"] not in staffed]
