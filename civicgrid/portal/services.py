"""What residents change through the portal: submitting a request with photos, rating the outcome."""

import secrets
from datetime import datetime, timedelta
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from civicgrid.intake.services import ticket_intake
from civicgrid.notify.models import SmsOptOut
from civicgrid.notify.sms import sms_opt_out
from civicgrid.portal.models import RATEABLE_STATUSES, PendingUpload, ResidentRating, rateable_status
from civicgrid.routing.models import Category
from civicgrid.tickets.errors import TicketError
from civicgrid.tickets.models import Channel, EventAction, Satisfaction, Solved, Status, Ticket
from civicgrid.tickets.services import callback_from_online_rating
from civicgrid.tickets.services._core import lock_ticket, now_or, record
from civicgrid.tickets.services.attachments import check_upload

MAX_PHOTOS = 3
TITLE_LENGTH = 30
PENDING_KEPT = timedelta(days=1)


def title_from(content: str) -> str:
    """事件概述 for a web request: the first line of what the resident wrote, shortened."""
    first = next((line.strip() for line in content.strip().splitlines() if line.strip()), "")
    return first if len(first) <= TITLE_LENGTH else first[: TITLE_LENGTH - 1] + "…"


@transaction.atomic
def resident_submit(
    *,
    request_type: str,
    content: str,
    requester_phone: str,
    category: Category | None = None,
    address: str = "",
    lat: float | None = None,
    lon: float | None = None,
    requester_name: str = "",
    is_anonymous: bool = False,
    is_confidential: bool = False,
    photos: list[UploadedFile] = (),
    opt_out_of_sms: bool = False,
    at: datetime | None = None,
) -> Ticket:
    """A resident's own request from the web: the ticket and its photos, all or nothing. With
    `opt_out_of_sms` the phone is opted out of progress SMS first, so not even the receipt is sent."""
    photos = list(photos)
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"file": f"最多上传 {MAX_PHOTOS} 张照片"})
    if opt_out_of_sms:
        sms_opt_out(phone=requester_phone, source=SmsOptOut.Source.SUBMIT_FORM, at=at)
    return ticket_intake(
        actor=None,
        uploads=photos,
        channel=Channel.WEB,
        request_type=request_type,
        title=title_from(content),
        content=content,
        category=category,
        address=address,
        lat=lat,
        lon=lon,
        requester_name="" if is_anonymous else requester_name,
        requester_phone=requester_phone,
        is_anonymous=is_anonymous,
        is_confidential=is_confidential,
        at=at,
    )


def resident_sms_opt_out(*, ticket: Ticket, at: datetime | None = None) -> None:
    """退订 from the receipt page: no more progress SMS to this ticket's phone."""
    if ticket.requester_phone:
        sms_opt_out(phone=ticket.requester_phone, source=SmsOptOut.Source.RECEIPT, at=at)


@transaction.atomic
def resident_rate(
    *, ticket: Ticket, solved: str, satisfaction: str, comment: str = "", at: datetime | None = None
) -> ResidentRating:
    """群众评价: once per ticket, after the reply. Within the callback window a satisfied rating is
    recorded as the callback (callback_from_online_rating); an unhappy one heads the callback queue.
    The requester of a merged duplicate rates the outcome of the ticket it was merged into."""
    errors = {}
    if solved not in Solved.values:
        errors["solved"] = "请选择问题是否已解决"
    if satisfaction not in Satisfaction.values:
        errors["satisfaction"] = "请选择满意程度"
    if len(comment.strip()) > 500:
        errors["comment"] = "评价意见最多 500 字"
    if errors:
        raise ValidationError(errors)
    at = now_or(at)
    ticket = lock_ticket(ticket)
    if rateable_status(ticket) not in RATEABLE_STATUSES:
        raise TicketError("该工单尚未答复，答复后才能评价")
    if ResidentRating.objects.filter(ticket=ticket).exists():
        raise TicketError("该工单已经评价过，每件工单只能评价一次")
    rating = ResidentRating.objects.create(
        ticket=ticket, at=at, solved=solved, satisfaction=satisfaction, comment=comment.strip()
    )
    record(
        ticket,
        actor=None,
        action=EventAction.RESIDENT_RATED,
        at=at,
        public=True,
        note=f"诉求人已在线评价：{Satisfaction(satisfaction).label},{Solved(solved).label}",
        rating=rating.pk,
        solved=solved,
        satisfaction=satisfaction,
    )
    if ticket.status != Status.MERGED:
        callback_from_online_rating(
            ticket=ticket, solved=solved, satisfaction=satisfaction, comment=comment, at=at
        )
    return rating


def pending_keep(uploads: list[UploadedFile], *, at: datetime | None = None) -> list[PendingUpload]:
    """Keep the acceptable photos of a submission sent back for correction; a bad one is not kept.
    Photos older than PENDING_KEPT are forgotten on the way."""
    at = now_or(at)
    for stale in PendingUpload.objects.filter(created_at__lt=at - PENDING_KEPT):
        stale.file.delete(save=False)
        stale.delete()
    kept = []
    for upload in uploads:
        try:
            check_upload(upload.name, upload)
        except ValidationError:
            continue
        pending = PendingUpload(
            token=secrets.token_urlsafe(24), created_at=at, original_name=PurePath(upload.name).name[:200]
        )
        pending.file.save(
            f"{secrets.token_hex(16)}{PurePath(upload.name).suffix.lower()}", upload, save=False
        )
        pending.save()
        kept.append(pending)
    return kept


def pending_find(tokens: list[str], *, at: datetime | None = None) -> list[PendingUpload]:
    """The kept photos these tokens name, still fresh, in the order given."""
    at = now_or(at)
    tokens = [t for t in dict.fromkeys(tokens) if t][:MAX_PHOTOS]
    rows = {
        p.token: p for p in PendingUpload.objects.filter(token__in=tokens, created_at__gte=at - PENDING_KEPT)
    }
    return [rows[t] for t in tokens if t in rows]


def pending_files(pending: list[PendingUpload]) -> list[File]:
    """The kept photos as uploads for resident_submit, under the names the resident chose."""
    return [File(p.file.open("rb"), name=p.original_name) for p in pending]


def pending_discard(pending: list[PendingUpload]) -> None:
    """Once the ticket holds its own copies."""
    for p in pending:
        p.file.close()
        p.file.delete(save=False)
        p.delete()
