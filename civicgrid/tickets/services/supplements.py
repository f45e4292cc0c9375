"""补充说明: the requester adds words and photos to her own open ticket (from the portal's 我的诉求)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from civicgrid.tickets.errors import TicketError
from civicgrid.tickets.models import Assignment, Attachment, Event, EventAction, Status, Ticket
from civicgrid.tickets.services._core import lock_ticket, notify_unit, now_or, record
from civicgrid.tickets.services.attachments import attachment_add, check_upload

# A ticket someone is still working on; after these the resident files a new request instead.
SUPPLEMENTABLE = (
    Status.RECEIVED,
    Status.PENDING_DISPATCH,
    Status.DISPATCHED,
    Status.IN_PROGRESS,
    Status.RETURN_REQUESTED,
    Status.REPLIED,
    Status.PENDING_CALLBACK,
    Status.REOPENED,
)
MAX_TEXT = 400
MAX_PHOTOS = 3


@transaction.atomic
def resident_supplement(
    *, ticket: Ticket, text: str, uploads: list[UploadedFile] = (), at: datetime | None = None
) -> Event:
    """Record the requester's supplement as an internal event (her words stay off the public timeline,
    which the requesters of tickets merged into this one also read), attach her photos after the same
    checks as every upload, and tell the units handling the ticket."""
    text, uploads = text.strip(), list(uploads)
    errors = {}
    if not text and not uploads:
        errors["text"] = "请填写补充说明或上传照片"
    elif len(text) > MAX_TEXT:
        errors["text"] = f"补充说明最多 {MAX_TEXT} 字"
    if len(uploads) > MAX_PHOTOS:
        errors["file"] = f"每次最多上传 {MAX_PHOTOS} 张照片"
    if errors:
        raise ValidationError(errors)
    for upload in uploads:  # every file checked before anything is written
        check_upload(upload.name, upload)
    at = now_or(at)
    ticket = lock_ticket(ticket)
    if ticket.status == Status.MERGED:
        raise TicketError("该诉求已与相同诉求合并办理，不能再补充说明；如有新情况，请拨打 12345 热线告知")
    if ticket.status not in SUPPLEMENTABLE:
        raise TicketError(
            f"该诉求当前为「{ticket.get_status_display()}」，不能再补充说明；如有新的问题，请重新反映"
        )
    note = f"诉求人补充说明：{text}" if text else "诉求人补充了照片"
    event = record(
        ticket,
        actor=None,
        action=EventAction.RESIDENT_SUPPLEMENTED,
        at=at,
        note=note[:500],
        text=text,
        photos=len(uploads),
    )
    for upload in uploads:
        attachment_add(
            ticket=ticket, actor=None, upload=upload, name=upload.name, kind=Attachment.Kind.INTAKE, at=at
        )
    handling = Assignment.objects.filter(ticket=ticket, state__in=Assignment.OPEN_STATES)
    for assignment in handling.select_related("unit"):
        notify_unit(
            assignment.unit,
            ticket=ticket,
            kind="resident_supplemented",
            title=f"工单 {ticket.number} 诉求人补充了说明",
            body=note[:200],
            at=at,
        )
    return event
