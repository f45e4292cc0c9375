"""Whether a change to a ticket can alter figures already counted for an earlier month 「改变往月考评数」.

The league tables' stored monthly counts (`assessment.aggregates`) stay exact until an event（工单日志） that may
restate a finished month; this module is the one rule for marking events (`Event.restates`), read by
`assessment.selectors.fresh_months`.

Rule. The monthly counts group tickets by their keys (`COUNTED_KEYS`) and count facts by the time they happened
(received, closed, rated, a return requested, an overdue notice, a supervision). A change dated at its own time
that sets a fact the ticket did not have yet only adds to the month it happens in; it restates nothing. So an
event restates when its action is not one known to work that way (`ADDING_ACTIONS`: anything else, such as
resuming the clock, deciding a return or an extension, a merge or a reopening, may move or remove facts already
counted), when it changes a key, or when it changes a closed or rated fact the ticket already had (a second
rating, a rating excluded afterwards). An event whose own time falls in a finished month is judged by
`fresh_months` from its time. Events written by anything but `tickets.services.record` (imports, the scan's
bulk rows say so themselves) restate unless they say otherwise: the database default is True.
"""

from civicgrid.tickets.models import EventAction as A

# Ticket columns (attnames) the counts group by, or select a ticket's month by its receipt.
COUNTED_KEYS = ("received_at", "lead_unit_id", "grid_id", "town_id", "community_id", "category_code")
# Counted in the month the ticket was closed / rated: changed after that, the month's figures change.
CLOSED_FACTS = ("closed_at", "closed_on_time", "redo_count")
RATED_FACTS = (
    "rated_at",
    "rated_unit_id",
    "rated_contacted_in_time",
    "rated_solved",
    "rated_satisfaction",
    "excluded_from_rating",
)
WATCHED = COUNTED_KEYS + CLOSED_FACTS + RATED_FACTS

# Actions whose services change no assignment's or return request's counted facts but by adding new ones dated at
# the event's time (a new assignment, return request, overdue notice or supervision); their ticket changes are
# judged field by field below.
ADDING_ACTIONS = frozenset(
    {
        A.REGISTERED,
        A.ACCEPTED,
        A.ANSWERED_DIRECTLY,
        A.DISPATCHED,
        A.SIGNED,
        A.CONTACTED,
        A.EXTENSION_REQUESTED,
        A.EXTENSION_REJECTED,
        A.RETURN_REQUESTED,
        A.CO_REPLIED,
        A.REPLIED,
        A.REVIEW_PASSED,
        A.REVIEW_FAILED,
        A.CALLBACK_UNREACHED,
        A.CALLBACK_RECORDED,
        A.RESIDENT_RATED,
        A.CLOSED,
        A.ARCHIVED,
        A.SUPERVISED,
        A.KEY_LIST_ADDED,
        A.KEY_LIST_REMOVED,
        A.WARNING_YELLOW,
        A.WARNING_RED,
        A.OVERDUE,
        A.ATTACHMENT_ADDED,
        A.ATTACHMENT_VISIBILITY,
        A.LOCATION_CORRECTED,
        A.ADDRESS_CORRECTED,
        A.OCCURRED_AT_CORRECTED,
        A.CATEGORY_CORRECTED,
        A.REQUEST_TYPE_CORRECTED,
        A.RESIDENT_SUPPLEMENTED,
    }
)


def as_loaded(ticket) -> dict | None:
    """The watched values the ticket was read with (kept by `Ticket.from_db` and after each `record`), or None
    if it was not read whole."""
    return getattr(ticket, "_watched_as_loaded", None)


def remember(ticket) -> None:
    """Keep the ticket's watched values as they now stand in the database (after a read or a save)."""
    values = ticket.__dict__
    if all(name in values for name in WATCHED):
        ticket._watched_as_loaded = {name: values[name] for name in WATCHED}
    else:  # a deferred column: what it was is unknown
        ticket._watched_as_loaded = None


def restates(ticket, action: str, *, created: bool = False) -> bool:
    """Whether writing `action` with the ticket's present values may change a finished month's counts."""
    if created:
        return False  # a new ticket: its facts are dated from its receipt, which the event's time gives
    if action not in ADDING_ACTIONS:
        return True
    before = as_loaded(ticket)
    if before is None:
        return True
    now = ticket.__dict__
    if any(now.get(name) != before[name] for name in COUNTED_KEYS):
        return True
    if before["closed_at"] is not None and any(now.get(name) != before[name] for name in CLOSED_FACTS):
        return True
    if before["rated_at"] is not None and any(now.get(name) != before[name] for name in RATED_FACTS):
        return True
    return False
