"""来电历史 (caller history): a caller's earlier tickets by phone number, for the operator at intake.

A selector: it reads only the tickets the user may see (`tickets_for`) and shows the requester's name as
`requester_for` lets this user see it. Anonymous tickets are never linked to a number. A caller with
REPEAT_MIN tickets or more received in the last REPEAT_DAYS days is flagged as a repeat caller (重复来电):
the same matter again usually means the first answer did not settle it.

Settings, defaulting to the constants below:
    CIVICGRID_REPEAT_CALLER_DAYS  30
    CIVICGRID_REPEAT_CALLER_MIN   3
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from civicgrid.core.masking import mask_phone
from civicgrid.tickets.selectors import requester_for, tickets_for

REPEAT_DAYS = 30
REPEAT_MIN = 3
SHOWN = 5
# A mainland landline without its area code has 7 digits: fewer say too little to match on.
MIN_DIGITS = 7
MAX_SCANNED = 500


def phone_digits(phone: str) -> str:
    return "".join(ch for ch in phone or "" if ch.isdigit())


@dataclass
class CallerHistory:
    phone: str  # masked
    tickets: list = field(default_factory=list)  # (ticket, requester view), newest first
    total: int = 0
    recent: int = 0
    days: int = REPEAT_DAYS
    repeat: bool = False


def caller_history(user, phone: str, *, now: datetime | None = None) -> CallerHistory | None:
    """Earlier tickets of this phone number, how many in the window, and the repeat-caller flag; None when
    the number is too short to look up."""
    digits = phone_digits(phone)
    if len(digits) < MIN_DIGITS:
        return None
    now = now or timezone.now()
    days = getattr(settings, "CIVICGRID_REPEAT_CALLER_DAYS", REPEAT_DAYS)
    at_least = getattr(settings, "CIVICGRID_REPEAT_CALLER_MIN", REPEAT_MIN)
    # Stored as typed ("0898-1234567", "138 1234 5678"): narrow by the last digits, compare all of them.
    rows = (
        tickets_for(user)
        .filter(requester_phone__contains=digits[-4:], is_anonymous=False, received_at__lte=now)
        .select_related("category")
        .order_by("-received_at")[:MAX_SCANNED]
    )
    mine = [t for t in rows if phone_digits(t.requester_phone) == digits]
    since = now - timedelta(days=days)
    recent = sum(1 for t in mine if t.received_at >= since)
    return CallerHistory(
        phone=mask_phone(digits),
        tickets=[(t, requester_for(user, t)) for t in mine[:SHOWN]],
        total=len(mine),
        recent=recent,
        days=days,
        repeat=recent >= at_least,
    )


__all__ = ["CallerHistory", "caller_history", "phone_digits"]
