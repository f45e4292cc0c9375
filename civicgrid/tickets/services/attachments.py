"""Attachments: photos and documents on a ticket, checked for type (by content, not by name) and size."""

import uuid
from datetime import datetime
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction

from civicgrid.registry.models import Role
from civicgrid.tickets.errors import TicketError
from civicgrid.tickets.models import Assignment, Attachment, EventAction, Ticket
from civicgrid.tickets.permissions import has_role, units_of
from civicgrid.tickets.services._core import lock_ticket, now_or, record

# extension → (content type, magic bytes the file must start with)
ALLOWED = {
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".mp3": ("audio/mpeg", (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
}


def max_upload_bytes() -> int:
    return getattr(settings, "CIVICGRID_MAX_UPLOAD_MB", 10) * 1024 * 1024


def check_upload(name: str, data: File) -> str:
    """The content type of an acceptable upload; a Chinese ValidationError otherwise."""
    extension = PurePath(name).suffix.lower()
    if extension not in ALLOWED:
        allowed = "、".join(sorted({e.lstrip(".") for e in ALLOWED}))
        raise ValidationError({"file": f"不支持的文件类型「{extension or '无扩展名'}」，仅支持：{allowed}"})
    size = data.size
    if size == 0:
        raise ValidationError({"file": "文件是空的"})
    if size > max_upload_bytes():
        raise ValidationError(
            {
                "file": f"文件过大（{size / 1024 / 1024:.1f} MB），单个文件不能超过 "
                f"{max_upload_bytes() // 1024 // 1024} MB"
            }
        )
    data.seek(0)
    head = data.read(16)
    data.seek(0)
    content_type, signatures = ALLOWED[extension]
    if not any(head.startswith(sig) for sig in signatures):
        raise ValidationError({"file": f"文件内容与扩展名「{extension}」不符，已拒绝"})
    return content_type


@transaction.atomic
def attachment_add(
    *,
    ticket: Ticket,
    actor,
    upload: File,
    name: str,
    kind: str = Attachment.Kind.INTAKE,
    is_internal: bool = False,
    at: datetime | None = None,
) -> Attachment:
    """Store an upload under a generated name (never the uploader's), linked to the ticket."""
    at = now_or(at)
    ticket = lock_ticket(ticket)
    handles = ticket.assignments.filter(unit_id__in=units_of(actor)).exists() if actor else False
    registered = actor is not None and ticket.registered_by_id == actor.pk  # a grid worker's own report
    if actor is not None and not (
        handles or registered or has_role(actor, Role.OPERATOR, Role.DISPATCHER, Role.ADMINISTRATOR)
    ):
        raise ValidationError({"file": "无权为该工单上传附件"})
    if kind not in Attachment.Kind.values:
        raise ValidationError({"kind": "附件类别不正确"})
    content_type = check_upload(name, upload)
    stored = f"{uuid.uuid4().hex}{PurePath(name).suffix.lower()}"
    attachment = Attachment(
        ticket=ticket,
        kind=kind,
        original_name=PurePath(name).name[:200],
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
        uploaded_at=at,
        is_internal=is_internal,
    )
    attachment.file.save(stored, upload, save=False)
    try:
        attachment.save()
        record(
            ticket,
            actor=actor,
            action=EventAction.ATTACHMENT_ADDED,
            at=at,
            note=f"上传附件：{attachment.original_name}",
            attachment=attachment.pk,
            kind=kind,
            size=attachment.size,
        )
    except BaseException:
        # The rows roll back; the file just written does not.
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


@transaction.atomic
def attachment_set_internal(
    *, attachment: Attachment, actor, internal: bool, at: datetime | None = None
) -> Attachment:
    """仅内部可见: an evidence file the requester must not see on the portal (a neighbour's face, a
    document naming others), or shown again. The unit that handles the ticket or the centre decides."""
    at = now_or(at)
    ticket = lock_ticket(attachment.ticket)
    attachment = Attachment.objects.select_for_update().get(pk=attachment.pk)
    handles = (
        ticket.assignments.filter(unit_id__in=units_of(actor))
        .exclude(state__in=[Assignment.State.RETURNED, Assignment.State.CANCELLED])
        .exists()
    )
    if not (handles or has_role(actor, Role.DISPATCHER, Role.CALLBACK_AGENT, Role.ADMINISTRATOR)):
        raise TicketError("无权调整该附件的可见范围")
    if attachment.kind != Attachment.Kind.EVIDENCE:
        raise TicketError("只有办理佐证可以调整诉求人是否可见")
    if attachment.is_internal == internal:
        return attachment
    attachment.is_internal = internal
    attachment.save(update_fields=["is_internal"])
    record(
        ticket,
        actor=actor,
        action=EventAction.ATTACHMENT_VISIBILITY,
        at=at,
        note=f"{attachment.original_name}：{'仅内部可见' if internal else '诉求人可见'}",
        attachment=attachment.pk,
        internal=internal,
    )
    return attachment
