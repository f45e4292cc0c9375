"""SMS to the requester at the steps she cares about: receipt, dispatch, reply, closure and reopening.

Called by the ticket services, inside their transaction, with one line each (`tell(ticket, "closed",
at=at)`); the message goes through the SMS outbox (notify.sms), so it is sent once, after commit, and
never during historical replay. Privacy: the SMS goes only to the requester's own phone (anonymous and
confidential tickets too: it is her number), and the templates name the ticket, the unit and dates,
never a person. The message row (with its ticket) and the audit row written when it is sent are the
record; the ticket's timeline is left to the people who act on it. A requester of a ticket merged into this one hears about the shared progress on her own
ticket number, never this ticket's reply.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from civicgrid.core.refusal import Refusal
from civicgrid.notify.sms import can_receive, enqueue
from civicgrid.tickets.models import Channel, Ticket

logger = logging.getLogger("civicgrid.tickets")

STEPS = ("receipt", "dispatched", "replied", "closed", "reopened")
# Tickets whose "requester" is a member of staff (a grid worker's patrol report, a leader's instruction):
# they follow the ticket in the console, not by SMS.
STAFF_CHANNELS = frozenset({Channel.GRID_REPORT, Channel.LEADER_BATCH})


def public_link(path: str) -> str:
    """An absolute link for residents, on the public address (CIVICGRID_PUBLIC_BASE_URL)."""
    return getattr(settings, "CIVICGRID_PUBLIC_BASE_URL", "").rstrip("/") + path


def _deadline(when: datetime | None) -> str:
    if when is None:
        return ""
    local = timezone.localtime(when)
    return f"{local.month}月{local.day}日{local.hour}时"


# The template closes the summary with its own 「。」: a reply's own closing mark would double it.
_CLOSING_MARKS = ".,;:!? " + "。．，；、：！？"


def _summary(text: str) -> str:
    return " ".join(text.split()).rstrip(_CLOSING_MARKS)


def _params(step: str, ticket: Ticket, own: Ticket, lead=None) -> tuple[str, dict[str, str]]:
    """The template and its parameters for the requester of `own` (the ticket or one merged into it);
    `lead`, the lead assignment of the round just dispatched when the caller has it."""
    number = own.number
    track = public_link(f"/track/?number={number}")
    if step == "receipt":
        code = getattr(own, "query_code", "") or ""
        if code:
            return "receipt", {"number": number, "code": code, "link": track}
        return "receipt_plain", {"number": number, "link": track}
    if step == "dispatched":
        if lead is None:
            lead = ticket.assignments.filter(round=ticket.dispatch_round, role="lead").order_by("pk").first()
        return "dispatched", {
            "number": number,
            "unit": ticket.lead_unit.name if ticket.lead_unit_id else gettext("承办单位"),
            "deadline": _deadline(lead.due_at if lead else None),
            "link": track,
        }
    if step == "replied":
        # Another resident's reply is not hers to read: a merged requester is sent to her own page.
        summary = _summary(ticket.reply_text) if own.pk == ticket.pk else gettext("请点击链接查看办理结果")
        return "replied", {
            "number": number,
            "summary": summary,
            "link": public_link(f"/rate/?number={number}"),
        }
    return step, {"number": number, "link": track}


def tell(ticket: Ticket, step: str, *, at: datetime | None = None, lead=None) -> int:
    """Queue the SMS for `step` to the ticket's requester and to those of tickets merged into it
    (`lead`: the round's lead assignment, when the dispatching caller holds it).

    Returns how many were queued. A number that cannot take an SMS (a landline, none), an opt-out or a
    missing template is skipped, never a reason to refuse the change that caused the message.
    """
    if ticket.is_historical:
        return 0  # an imported ticket's requester was answered long ago, elsewhere
    at = at or timezone.now()
    owners = [ticket]
    if step != "receipt":
        owners += list(ticket.merged_children.exclude(requester_phone=""))
    queued = 0
    for own in owners:
        if own.channel in STAFF_CHANNELS or not can_receive(own.requester_phone):
            continue
        template, params = _params(step, ticket, own, lead)
        key = f"ticket-{own.pk}-{step}-{ticket.pk}-{ticket.dispatch_round}-{ticket.redo_count}"
        try:
            message = enqueue(
                phone=own.requester_phone, template=template, params=params, key=key, ticket_id=own.pk, at=at
            )
        except Refusal as refusal:
            logger.warning("no SMS for ticket %s (%s): %s", own.number, step, refusal)
            continue
        if message is not None:
            queued += 1
    return queued
