"""The caller's own notifications 「消息」: list, mark some or all read, through notify.services."""

from datetime import datetime
from typing import Annotated

from ninja import Field, Query, Router, Schema

from civicgrid.api.paging import Page, PageIn, paged
from civicgrid.api.roles import require_staff
from civicgrid.core.inputs import MAX_ID
from civicgrid.notify.models import Notification, kind_label
from civicgrid.notify.services import mark_all_read, mark_read

router = Router(tags=["消息"])


class NotificationsIn(Schema):
    kind: str = Field("", max_length=40, description="消息类别")
    show: str = Field("unread", pattern="^(unread|all)$", description="unread 只看未读（默认），all 全部")


class NotificationOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None
    ticket_id: int | None
    ticket_number: str | None


class MarkIn(Schema):
    ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        default_factory=list, max_length=1000, description="要标为已读的消息编号"
    )
    all: bool = Field(False, description="全部标为已读（可与 kind 同用）")
    kind: str = Field("", max_length=40)


class MarkOut(Schema):
    marked: int
    unread: int


def _out(row: Notification) -> dict:
    return {
        "id": row.pk,
        "kind": row.kind,
        "kind_label": str(kind_label(row.kind)),
        "title": row.title,
        "body": row.body,
        "created_at": row.created_at,
        "read_at": row.read_at,
        "ticket_id": row.ticket_id,
        "ticket_number": row.ticket.number if row.ticket_id else None,
    }


@router.get("", response=Page[NotificationOut], summary="我的消息（最新在前）")
def notification_list(request, filters: Query[NotificationsIn], paging: Query[PageIn]):
    require_staff(request.user)
    rows = Notification.objects.filter(recipient=request.user).select_related("ticket")
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.show != "all":
        rows = rows.filter(read_at__isnull=True)
    rows = rows.order_by("-created_at", "-pk")
    return paged(rows, paging, lambda page: [_out(row) for row in page])


@router.post("/read", response=MarkOut, summary="标为已读")
def notification_read(request, payload: MarkIn):
    user = request.user
    require_staff(user)
    if payload.all:
        done = mark_all_read(user=user, kind=payload.kind)
    else:
        done = mark_read(user=user, notification_ids=payload.ids)
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    return {"marked": done, "unread": unread}
