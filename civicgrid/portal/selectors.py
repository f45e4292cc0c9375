"""What a resident may read about their own ticket: status in plain words, public timeline, the reply.

Nothing here names staff, shows internal notes or returns the requester's personal data: the
resident proves ownership only with the number and the last four digits of the phone.
"""

import hmac
import re
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core import signing

from civicgrid.assessment.dashboard import grid_shapes
from civicgrid.portal.models import RATEABLE_STATUSES, ResidentRating, rateable_status
from civicgrid.registry.models import Place
from civicgrid.routing.models import Category
from civicgrid.tickets.models import HANDLING_STATUSES, Assignment, Attachment, Status, Ticket
from civicgrid.tickets.selectors import public_timeline, shared_timeline

OTHER_CODE = "16"  # 其他: its second level already has 其他诉求

PLAIN_STATUS = {
    Status.RECEIVED: "已收到您的诉求,正在审核受理",
    Status.PENDING_DISPATCH: "已受理,正在分派给承办单位",
    Status.DISPATCHED: "已派给承办单位,等待签收",
    Status.IN_PROGRESS: "承办单位正在办理",
    Status.RETURN_REQUESTED: "正在重新确认承办单位,请耐心等待",
    Status.REPLIED: "承办单位已答复,正在审核答复内容",
    Status.PENDING_CALLBACK: "已答复,等待工作人员回访",
    Status.REOPENED: "回访后正在重新办理",
    Status.CLOSED: "已办结",
    Status.ARCHIVED: "已办结",
    Status.DIRECT_ANSWERED: "已直接答复",
    Status.TRANSFERRED: "已转相应紧急热线处理",
    Status.NOT_ACCEPTED: "不予受理,原因见办理过程",
    Status.MERGED: "与相同诉求合并办理",
}
REPLY_SHOWN = (Status.REPLIED, Status.PENDING_CALLBACK, Status.CLOSED, Status.ARCHIVED)
_NUMBER = re.compile(r"^(\d{8})-?(\d{6})$")


def normalise_number(raw: str) -> str | None:
    """Ticket numbers read YYYYMMDD-NNNNNN; residents may leave out the dash or add spaces."""
    match = _NUMBER.match("".join(raw.split()))
    return f"{match.group(1)}-{match.group(2)}" if match else None


def find_for_resident(number: str, last4: str) -> Ticket | None:
    """The ticket with this number whose phone ends in these four digits, else None (either wrong)."""
    normalised = normalise_number(number)
    if normalised is None or not (len(last4) == 4 and last4.isdigit()):
        return None
    ticket = Ticket.objects.filter(number=normalised).first()
    digits = "".join(ch for ch in ticket.requester_phone if ch.isdigit()) if ticket else ""
    if len(digits) < 4 or not hmac.compare_digest(digits[-4:], last4):
        return None
    return ticket


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
