"""What a resident may read about their own ticket: status in plain words, public timeline, the reply.

Nothing here names staff, shows internal notes or returns the requester's personal data: the
resident proves ownership with the number and the 查询码 (or her full phone number), or by signing
in to 我的诉求 with a code sent to her phone.
"""

import hmac
import re
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core import signing

from civicgrid.assessment.dashboard import grid_shapes
from civicgrid.notify import sms
from civicgrid.portal.models import RATEABLE_STATUSES, ResidentRating, rateable_status
from civicgrid.registry.models import Place
from civicgrid.routing.models import Category
from civicgrid.tickets.models import HANDLING_STATUSES, Assignment, Attachment, EventAction, Status, Ticket
from civicgrid.tickets.selectors import public_timeline, shared_timeline

OTHER_CODE = "16"  # 其他: its second level already has 其他诉求

PLAIN_STATUS = {
    Status.RECEIVED: "已收到您的诉求，正在审核受理",
    Status.PENDING_DISPATCH: "已受理，正在分派给承办单位",
    Status.DISPATCHED: "已派给承办单位，等待签收",
    Status.IN_PROGRESS: "承办单位正在办理",
    Status.RETURN_REQUESTED: "正在重新确认承办单位，请耐心等待",
    Status.REPLIED: "承办单位已答复，正在审核答复内容",
    Status.PENDING_CALLBACK: "已答复，等待工作人员回访",
    Status.REOPENED: "回访后正在重新办理",
    Status.CLOSED: "已办结",
    Status.ARCHIVED: "已办结",
    Status.DIRECT_ANSWERED: "已直接答复",
    Status.TRANSFERRED: "已转相应紧急热线处理",
    Status.NOT_ACCEPTED: "不予受理，原因见办理过程",
    Status.MERGED: "与相同诉求合并办理",
}
REPLY_SHOWN = (Status.REPLIED, Status.PENDING_CALLBACK, Status.CLOSED, Status.ARCHIVED)
_NUMBER = re.compile(r"^(\d{8})-?(\d{6})$")


def normalise_number(raw: str) -> str | None:
    """Ticket numbers read YYYYMMDD-NNNNNN; residents may leave out the dash or add spaces."""
    match = _NUMBER.match("".join(raw.split()))
    return f"{match.group(1)}-{match.group(2)}" if match else None


def normalise_phone(raw: str) -> str:
    """A phone number as tickets store it: digits only, a leading + kept for international numbers."""
    raw = raw.strip()
    digits = "".join(ch for ch in raw if ch.isdigit())
    return f"+{digits}" if raw.startswith("+") and digits else digits


def normalise_code(raw: str) -> str:
    """A 查询码 as typed: case and spaces do not matter."""
    return "".join(raw.split()).upper()


def ticket_by_number(number: str) -> Ticket | None:
    normalised = normalise_number(number)
    return Ticket.objects.filter(number=normalised).first() if normalised else None


def proves_ownership(ticket: Ticket, secret: str) -> bool:
    """Whether the secret is the ticket's 查询码 or its requester's full phone number.

    The last four digits no longer open a ticket: staff see them in every masked phone.
    """
    code = normalise_code(secret)
    if ticket.query_code and hmac.compare_digest(code.encode(), ticket.query_code.encode()):
        return True
    phone = phone_key(secret)
    return len(phone) >= 7 and hmac.compare_digest(phone.encode(), phone_key(ticket.requester_phone).encode())


PHOTO_SALT = "portal.evidence-photo"
PHOTO_LINK_SECONDS = 3600


@dataclass
class SharedProgress:
    """A merged duplicate's view of its master: the shared work only, nothing of the master's requester."""

    number: str
    status: str
    result: str
    deadline: datetime | None
    timeline: list[dict]


@dataclass
class ResidentView:
    number: str
    received_at: datetime
    request_type: str
    category: str
    status: str
    closed: bool
    content: str
    address: str
    deadline: datetime | None
    timeline: list[dict]
    reply: str
    result: str
    photos: list[dict]
    merged_into: SharedProgress | None
    rated: bool
    can_rate: bool


def reply_deadline(ticket: Ticket) -> datetime | None:
    """By when the lead unit must answer, while the ticket is being handled (the stored 办理时限)."""
    if ticket.status not in HANDLING_STATUSES:
        return None
    lead = (
        ticket.assignments.filter(
            round=ticket.dispatch_round, role=Assignment.Role.LEAD, state__in=Assignment.ACTIVE_STATES
        )
        .order_by("-id")
        .first()
    )
    return lead.due_at if lead else None


def evidence_photos(ticket: Ticket) -> list[dict]:
    """The unit's evidence photos not marked internal, each behind a link that expires."""
    rows = ticket.attachments.filter(
        kind=Attachment.Kind.EVIDENCE, is_internal=False, content_type__startswith="image/"
    ).order_by("id")
    return [
        {"name": a.original_name, "token": signing.dumps([ticket.pk, a.pk], salt=PHOTO_SALT)} for a in rows
    ]


def evidence_photo(token: str) -> Attachment | None:
    """The photo a status-page link names, if the link is genuine and fresh, and the photo still public."""
    try:
        ticket_pk, pk = signing.loads(token, salt=PHOTO_SALT, max_age=PHOTO_LINK_SECONDS)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return Attachment.objects.filter(
        pk=pk, ticket_id=ticket_pk, kind=Attachment.Kind.EVIDENCE, is_internal=False
    ).first()


def _shared_progress(master: Ticket) -> SharedProgress:
    return SharedProgress(
        number=master.number,
        status=PLAIN_STATUS.get(master.status, master.get_status_display()),
        result=master.get_result_code_display() if master.status in REPLY_SHOWN else "",
        deadline=reply_deadline(master),
        timeline=shared_timeline(master),
    )


def resident_view(ticket: Ticket) -> ResidentView:
    """The requester's own ticket: her words, the status, the deadline, the reply and the unit's photos.
    A merged duplicate shows the master's shared progress only (并单), never the master's requester's data."""
    rated = ResidentRating.objects.filter(ticket=ticket).exists()
    reply, result, photos = "", "", []
    if ticket.status in REPLY_SHOWN and ticket.reply_text:
        reply, result = ticket.reply_text, ticket.get_result_code_display()
        photos = evidence_photos(ticket)
    elif ticket.status == Status.DIRECT_ANSWERED:
        reply = ticket.direct_answer
    master = None
    if ticket.status == Status.MERGED and ticket.merged_into_id:
        master = _shared_progress(ticket.merged_into)
    return ResidentView(
        number=ticket.number,
        received_at=ticket.received_at,
        request_type=ticket.get_request_type_display(),
        category=ticket.category.name if ticket.category_id else "",
        status=PLAIN_STATUS.get(ticket.status, ticket.get_status_display()),
        closed=ticket.status in (Status.CLOSED, Status.ARCHIVED),
        content=ticket.content,
        address=ticket.address,
        deadline=reply_deadline(ticket),
        timeline=public_timeline(ticket),
        reply=reply,
        result=result,
        photos=photos,
        merged_into=master,
        rated=rated,
        can_rate=rateable_status(ticket) in RATEABLE_STATUSES and not rated,
    )


def portal_categories() -> list[tuple[str, list[tuple[int, str]]]]:
    """First-level categories with their second-level ones, for the residents' category select."""
    version = settings.CIVICGRID_CATEGORY_VERSION
    rows = Category.objects.filter(version=version, is_active=True, level__lte=2).order_by("code")
    groups: dict[str, tuple[str, list]] = {}
    for category in rows:
        if category.level == 1:
            groups[category.code] = (category.name, [])
        elif category.code[:2] in groups:
            groups[category.code[:2]][1].append((category.pk, category.name))
    top = {c.code: c.pk for c in rows if c.level == 1}
    # The first-level row itself stands for "something else in this area" (其他…问题).
    return [
        (name, children if code == OTHER_CODE else [*children, (top[code], f"其他{name}问题")])
        for code, (name, children) in groups.items()
    ]


def address_example() -> str:
    """The address field's example, in the deployed city's own words (a compound in the registers)."""
    place = (
        Place.objects.filter(kind=Place.Kind.COMPOUND, grid__isnull=False)
        .select_related("grid__community__parent")
        .order_by("id")
        .first()
    )
    if place is None:
        return "如：××镇××路 12 号××小区 3 栋"
    community = place.grid.community
    town = community.parent.name if community.parent_id else ""
    return f"如：{town}{community.name}{place.name} 3 栋"


def grid_outlines() -> dict:
    """Active grids as GeoJSON with code and name only: the base map of the location picker."""
    return grid_shapes()


@dataclass
class OwnTicket:
    """One line of 我的诉求: only what the requester herself gave or may know."""

    number: str
    received_at: datetime
    title: str
    request_type: str
    status: str
    closed: bool
    can_rate: bool


def phone_key(phone: str) -> str:
    """What two spellings of one number share: its digits, without +86 / 0086 before a mainland mobile."""
    return "".join(ch for ch in sms.normalize_phone(phone) if ch.isdigit())


def _tickets_of(phone: str):
    """Tickets whose requester phone is this number however it was typed at intake (spaces, dashes)."""
    key = phone_key(phone)
    if len(key) < 7:
        return Ticket.objects.none()
    candidates = Ticket.objects.filter(requester_phone__endswith=key[-4:]).only("pk", "requester_phone")
    return Ticket.objects.filter(pk__in=[t.pk for t in candidates if phone_key(t.requester_phone) == key])


def tickets_of_phone(phone: str) -> list[OwnTicket]:
    """Every ticket whose requester phone is this one, merged ones included, newest first.

    A merged ticket shows its own status (合并办理); the ticket it joined is another requester's and
    is read only through resident_view, which shows the shared progress.
    """
    rows = list(_tickets_of(phone).order_by("-received_at", "-pk"))
    rated = set(ResidentRating.objects.filter(ticket__in=rows).values_list("ticket_id", flat=True))
    return [
        OwnTicket(
            number=ticket.number,
            received_at=ticket.received_at,
            title=ticket.title,
            request_type=ticket.get_request_type_display(),
            status=PLAIN_STATUS.get(ticket.status, ticket.get_status_display()),
            closed=ticket.status in (Status.CLOSED, Status.ARCHIVED),
            can_rate=ticket.status in RATEABLE_STATUSES and ticket.pk not in rated,
        )
        for ticket in rows
    ]


def ticket_of_phone(phone: str, number: str) -> Ticket | None:
    """The ticket with this number if its requester phone is this one, else None."""
    normalised = normalise_number(number)
    ticket = Ticket.objects.filter(number=normalised).first() if normalised else None
    key = phone_key(phone)
    if ticket is None or len(key) < 7 or phone_key(ticket.requester_phone) != key:
        return None
    return ticket


def own_supplements(ticket: Ticket) -> list[dict]:
    """What the requester added to her ticket, for her own page only."""
    events = ticket.events.filter(action=EventAction.RESIDENT_SUPPLEMENTED).order_by("at", "pk")
    return [
        {"at": event.at, "text": event.payload.get("text", ""), "photos": event.payload.get("photos", 0)}
        for event in events
    ]


# On the ticket another requester's duplicate joined, what belongs to its own requester: her rating,
# her callback and what followed from it. The merged requester sees the step, not the words.
SHARED_WORDS = {
    EventAction.RESIDENT_RATED: None,
    EventAction.CALLBACK_RECORDED: None,
    EventAction.CALLBACK_UNREACHED: None,
    EventAction.CLOSED: "已办结",
    EventAction.REOPENED: "重新交办承办单位办理",
}


def shared_progress(master: Ticket) -> list[dict]:
    """The progress of the ticket hers was merged into, masked of everything of its own requester."""
    shown = []
    for item, action in zip(
        public_timeline(master),
        master.events.filter(is_public=True).order_by("id").values_list("action", flat=True),
        strict=True,
    ):
        if action in SHARED_WORDS:
            if SHARED_WORDS[action] is None:
                continue
            item = {**item, "text": SHARED_WORDS[action]}
        shown.append(item)
    return shown
