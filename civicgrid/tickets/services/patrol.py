"""巡查上报: a grid worker reports what he finds on patrol, from his phone, perhaps long after taking it.

Either he solved it on the spot (就地办结, with a photo after) and it counts in his grid's figures, or it
becomes a ticket on channel 网格员上报 that waits for the centre's acceptance like any web request. The
phone generates the report's id, so a report sent twice (a queue flushed on reconnecting, a retry after a
lost answer) is stored once and the repeat gets the first result.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from civicgrid.core.audit import record_event
from civicgrid.registry import locate
from civicgrid.registry.models import Grid, Role
from civicgrid.routing.models import Category
from civicgrid.routing.vocabulary import RequestType, Urgency
from civicgrid.tickets.errors import TicketError
from civicgrid.tickets.models import Attachment, Channel, PatrolPhoto, PatrolReport
from civicgrid.tickets.permissions import require_role, staff_of
from civicgrid.tickets.services._core import now_or
from civicgrid.tickets.services.attachments import attachment_add, check_upload
from civicgrid.tickets.services.intake import ticket_register

PATROL_ROLES = (Role.GRID_WORKER, Role.GRID_LEADER, Role.ADMINISTRATOR)
PHOTO_TYPES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}
MAX_PHOTOS = 9
TITLE_CHARS = 30


@dataclass(frozen=True)
class PatrolResult:
    report: PatrolReport
    created: bool  # False: this id was already stored, and `report` is what the first upload made


def _client_id(value) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise ValidationError({"client_id": "上报编号无效，请刷新页面后重新上报"}) from None


def _check_photos(photos, field: str) -> None:
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({field: f"照片最多 {MAX_PHOTOS} 张"})
    for photo in photos:
        if PurePath(photo.name).suffix.lower() not in PHOTO_TYPES:
            raise ValidationError(
                {field: f"「{PurePath(photo.name).name}」不是照片（支持 jpg、png、gif、webp）"}
            )
        check_upload(photo.name, photo)


def _grid_for(actor, lat, lon, address: str) -> Grid | None:
    """Where the report is: the phone's position, else a trusted address match, else the worker's own grid."""
    if lat is not None and lon is not None:
        try:
            found = locate.locate_point(lat, lon)
        except ValueError as exc:
            raise ValidationError({"lat": str(exc)}) from exc
        if found.grid is not None:
            return found.grid
    if address:
        trusted = locate.place_address(address).trusted
        if trusted and trusted.grid is not None:
            return trusted.grid
    staff = staff_of(actor)
    if staff is None:
        return None
    return Grid.objects.filter(Q(workers=staff) | Q(leader=staff)).order_by("code").first()


def _existing(client_id: uuid.UUID, actor) -> PatrolResult | None:
    report = PatrolReport.objects.select_related("ticket").filter(client_id=client_id).first()
    if report is None:
        return None
    if report.reporter_id != actor.pk:
        raise TicketError("该上报编号已被他人使用，请刷新页面后重新上报")
    return PatrolResult(report, created=False)


def patrol_report(
    *,
    actor,
    client_id,
    outcome: str,
    text: str,
    category: Category | None,
    lat: float | None = None,
    lon: float | None = None,
    address: str = "",
    photos=(),
    after_photos=(),
    at: datetime | None = None,
) -> PatrolResult:
    """Store one patrol report, at most once per `client_id`: solved on the spot, or a new ticket."""
    require_role(actor, *PATROL_ROLES, action="巡查上报")
    client_id = _client_id(client_id)
    found = _existing(client_id, actor)
    if found is not None:
        return found
    try:
        return _create(
            actor=actor,
            client_id=client_id,
            outcome=outcome,
            text=text,
            category=category,
            lat=lat,
            lon=lon,
            address=address,
            photos=list(photos),
            after_photos=list(after_photos),
            at=now_or(at),
        )
    except IntegrityError:
        # Two uploads of one report raced past the first look-up; the other one stored it.
        found = _existing(client_id, actor)
        if found is None:
            raise
        return found


@transaction.atomic
def _create(*, actor, client_id, outcome, text, category, lat, lon, address, photos, after_photos, at):
    text, address = (text or "").strip(), (address or "").strip()
    errors = {}
    if outcome not in PatrolReport.Outcome.values:
        errors["outcome"] = "请选择处理方式：就地办结或上报派单"
    if not text:
        errors["text"] = "请填写情况说明"
    if category is None:
        errors["category"] = "请选择问题分类"
    if (lat is None or lon is None) and not address:
        errors["address"] = "请获取当前位置，或填写地址"
    if outcome == PatrolReport.Outcome.SOLVED and not after_photos:
        errors["after_photos"] = "就地办结须上传办结后的照片"
    if errors:
        raise ValidationError(errors)
    _check_photos(photos, "photos")
    _check_photos(after_photos, "after_photos")

    report = PatrolReport.objects.create(
        client_id=client_id,
        reporter=actor,
        reported_at=at,
        lat=lat,
        lon=lon,
        address=address[:200],
        grid=_grid_for(actor, lat, lon, address),
        category=category,
        text=text,
        outcome=outcome,
    )
    written = []
    try:
        if outcome == PatrolReport.Outcome.SOLVED:
            for stage, files in ((PatrolPhoto.Stage.BEFORE, photos), (PatrolPhoto.Stage.AFTER, after_photos)):
                for upload in files:
                    written.append(_store_photo(report, stage, upload))
            summary = f"巡查就地办结：{text[:TITLE_CHARS]}"
        else:
            report.ticket = _ticket_from(report, actor=actor, photos=photos + after_photos, at=at)
            written = [a.file for a in report.ticket.attachments.all()]
            report.save(update_fields=["ticket"])
            summary = f"巡查上报，生成工单 {report.ticket.number}"
        record_event(
            actor=actor,
            action="patrol.reported",
            target=report,
            summary=summary,
            outcome=outcome,
            grid=report.grid.code if report.grid else None,
            client_id=str(client_id),
        )
    except BaseException:
        for stored in written:  # the rows roll back; files already written do not
            stored.storage.delete(stored.name)
        raise
    return PatrolResult(report, created=True)


def _store_photo(report: PatrolReport, stage: str, upload):
    content_type = check_upload(upload.name, upload)
    photo = PatrolPhoto(
        report=report,
        stage=stage,
        original_name=PurePath(upload.name).name[:200],
        content_type=content_type,
        size=upload.size,
    )
    photo.file.save(f"{uuid.uuid4().hex}{PurePath(upload.name).suffix.lower()}", upload, save=False)
    try:
        photo.save()
    except BaseException:
        photo.file.storage.delete(photo.file.name)
        raise
    return photo.file


def _ticket_from(report: PatrolReport, *, actor, photos, at):
    staff = staff_of(actor)
    title = report.text.splitlines()[0][:TITLE_CHARS]
    ticket = ticket_register(
        actor=actor,
        channel=Channel.GRID_REPORT,
        request_type=RequestType.HELP,
        urgency=Urgency.NORMAL,
        title=title,
        content=report.text,
        category=report.category,
        # The grid worker reports for the public: there is no resident to call back, only him.
        requester_name=staff.name if staff else actor.get_username(),
        requester_phone=staff.phone if staff else "",
        is_anonymous=not (staff and staff.phone),
        address=report.address,
        lat=report.lat,
        lon=report.lon,
        at=at,
    )
    if report.grid is not None and ticket.grid_id is None:
        ticket.grid, ticket.community = report.grid, report.grid.community
        ticket.save(update_fields=["grid", "community", "updated_at"])
    for upload in photos:
        attachment_add(
            ticket=ticket, actor=actor, upload=upload, name=upload.name, kind=Attachment.Kind.INTAKE, at=at
        )
    return ticket
