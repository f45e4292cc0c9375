"""Attachments: upload to a ticket and download, checked as in the console (type by content, size, who may
add to which ticket: tickets.services.attachments) and stored through Django's storage API; every download
is audited, as on the console."""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from ninja import File, Form, Router, Status, UploadedFile

from civicgrid.api.schemas_tickets import AttachmentOut
from civicgrid.api.ticket_access import UPLOADERS, WRITE, allow, visible_ticket
from civicgrid.api.tickets import attachment_out
from civicgrid.core.audit import record_event
from civicgrid.tickets import services
from civicgrid.tickets.models import Attachment
from civicgrid.tickets.selectors import attachments_for

router = Router(tags=["附件"])


@router.get("/tickets/{int:ticket_id}/attachments", response=list[AttachmentOut], summary="工单附件列表")
def attachment_list(request, ticket_id: int):
    user = allow(request)
    ticket = visible_ticket(user, ticket_id)
    return [attachment_out(f) for f in attachments_for(user, ticket).order_by("id")]


@router.post(
    "/tickets/{int:ticket_id}/attachments", response={201: AttachmentOut}, summary="上传附件（multipart）"
)
def attachment_upload(
    request,
    ticket_id: int,
    file: File[UploadedFile],
    kind: Form[str] = Attachment.Kind.INTAKE,
    is_internal: Form[bool] = False,
):
    """kind：intake（诉求附件）或 evidence（办理佐证）。类型按文件内容检查，大小与工作台相同。"""
    user = allow(request, *UPLOADERS, scope=WRITE)
    ticket = visible_ticket(user, ticket_id)
    attachment = services.attachment_add(
        ticket=ticket, actor=user, upload=file, name=file.name or "", kind=kind, is_internal=is_internal
    )
    return Status(201, attachment_out(attachment))


@router.get("/attachments/{int:attachment_id}", summary="下载附件", url_name="attachment_file")
def attachment_file(request, attachment_id: int):
    """可见该工单且本单位仍在承办（或 12345 中心）时可下载；每次下载留痕。"""
    user = allow(request)
    attachment = Attachment.objects.select_related("ticket").filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    ticket = visible_ticket(user, attachment.ticket_id)  # scope first: another unit learns nothing
    if not attachments_for(user, ticket).filter(pk=attachment.pk).exists():
        raise PermissionDenied("本单位已不再承办此工单，无权查看附件")
    record_event(
        actor=user,
        action="attachment.view",
        target=ticket,
        summary=f"接口下载工单 {ticket.number} 附件 {attachment.original_name}",
    )
    return FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=True,
        filename=attachment.original_name,
    )
