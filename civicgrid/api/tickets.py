"""Tickets: the list (filters, cursor pages), one ticket, registration (idempotent by the caller's own number)
and the centre's actions on a ticket. Each call is the console's: the same role, the same scope, the same
service; reads through the selectors, the requester masked as on the console's ticket page."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from ninja import Query, Router, Status

from civicgrid.api.schemas_tickets import (
    AcceptIn,
    CallbackIn,
    DispatchIn,
    EscalateIn,
    MergeIn,
    RegisterIn,
    ReviewIn,
    SuperviseIn,
    TicketFilters,
    TicketOut,
    TicketPage,
)
from civicgrid.api.ticket_access import (
    CALLBACK_DESK,
    DISPATCH,
    INTAKE,
    SUPERVISORS,
    WRITE,
    allow,
    expecting,
    keyset_page,
    next_link,
    unit_or_422,
    units_or_422,
    visible_ticket,
)
from civicgrid.assessment.selectors import period_bounds
from civicgrid.intake import services as intake_services
from civicgrid.routing.models import Category
from civicgrid.tickets import services
from civicgrid.tickets.models import Assignment, Ticket
from civicgrid.tickets.models import Status as TicketStatus
from civicgrid.tickets.permissions import has_role
from civicgrid.tickets.selectors import (
    attachments_for,
    pending_extensions_for,
    pending_returns_for,
    requester_for,
    tickets_for,
)

router = Router(tags=["工单"])

SCREEN = "接口"


# --- shapes ----------------------------------------------------------------------------------------


def _named(obj):
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


def ticket_row(ticket: Ticket) -> dict:
    category = ticket.category
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "title": ticket.title,
        "status": ticket.status,
        "status_label": ticket.get_status_display(),
        "request_type": ticket.request_type,
        "urgency": ticket.urgency,
        "channel": ticket.channel,
        "category": {"id": category.pk, "code": category.code, "name": category.name} if category else None,
        "lead_unit": _named(ticket.lead_unit),
        "grid": _named(ticket.grid),
        "town": _named(ticket.town),
        "address": ticket.address,
        "received_at": ticket.received_at,
        "lead_due_at": getattr(ticket, "lead_due_at", None),
        "warning_level": ticket.warning_level,
        "is_supervised": ticket.is_supervised,
        "external_source": ticket.external_source,
        "external_id": ticket.external_id,
        "version": ticket.version,
    }


def requester_out(user, ticket: Ticket, screen: str = SCREEN) -> dict:
    view = requester_for(user, ticket, screen=screen)  # an unmasked display is audited there
    return {
        "name": view.name,
        "phone": view.phone,
        "org": view.org,
        "masked": view.masked,
        "hidden": view.hidden,
    }


def assignment_brief(a) -> dict:
    return {
        "id": a.pk,
        "round": a.round,
        "unit": _named(a.unit),
        "role": a.role,
        "role_label": a.get_role_display(),
        "state": a.state,
        "state_label": a.get_state_display(),
        "sign_due_at": a.sign_due_at,
        "due_at": a.due_at,
        "signed_at": a.signed_at,
        "first_contacted_at": a.first_contacted_at,
        "replied_at": a.replied_at,
    }


def attachment_out(f) -> dict:
    return {
        "id": f.pk,
        "kind": f.kind,
        "name": f.original_name,
        "content_type": f.content_type,
        "size": f.size,
        "is_internal": f.is_internal,
        "uploaded_at": f.uploaded_at,
        "url": reverse("api:attachment_file", args=[f.pk]),
    }


def _actor(event) -> str:
    if not event.actor_id:
        return ""
    staff = getattr(event.actor, "staff", None)
    return (staff.name if staff else "") or event.actor.username


def _pending(user, ticket: Ticket) -> list[dict]:
    """The extension and return requests awaiting a decision, for those who decide them (the dispatch page)."""
    if not has_role(user, *DISPATCH):
        return []
    rows = []
    for r in pending_extensions_for(user).filter(assignment__ticket=ticket).order_by("requested_at"):
        rows.append(
            {
                "id": r.pk,
                "kind": "extension",
                "assignment": r.assignment_id,
                "unit": _named(r.assignment.unit),
                "requested_at": r.requested_at,
                "reason": r.reason,
                "legal_basis": r.legal_basis,
                "days": r.days,
            }
        )
    for r in pending_returns_for(user).filter(assignment__ticket=ticket).order_by("requested_at"):
        rows.append(
            {
                "id": r.pk,
                "kind": "return",
                "assignment": r.assignment_id,
                "unit": _named(r.assignment.unit),
                "requested_at": r.requested_at,
                "reason": r.reason,
                "legal_basis": r.legal_basis,
                "suggested_unit": _named(r.suggested_unit),
            }
        )
    return rows


def ticket_detail(user, ticket: Ticket) -> dict:
    ticket = Ticket.objects.select_related("category", "lead_unit", "grid", "town", "merged_into").get(
        pk=ticket.pk
    )
    lead = (
        ticket.assignments.filter(round=ticket.dispatch_round, role=Assignment.Role.LEAD)
        .order_by("-id")
        .first()
    )
    ticket.lead_due_at = lead.due_at if lead else None
    return {
        **ticket_row(ticket),
        "content": ticket.content,
        "demand": ticket.demand,
        "involved_parties": ticket.involved_parties,
        "occurred_at": ticket.occurred_at,
        "lat": ticket.lat,
        "lon": ticket.lon,
        "is_anonymous": ticket.is_anonymous,
        "is_confidential": ticket.is_confidential,
        "requester": requester_out(user, ticket),
        "merged_into": ticket.merged_into.number if ticket.merged_into_id else None,
        "result_code": ticket.result_code,
        "reply_text": ticket.reply_text,
        "replied_at": ticket.replied_at,
        "callback_due_at": ticket.callback_due_at,
        "closed_at": ticket.closed_at,
        "assignments": [
            assignment_brief(a)
            for a in ticket.assignments.select_related("unit").order_by("-round", "role", "id")
        ],
        "pending_requests": _pending(user, ticket),
        "events": [
            {
                "at": e.at,
                "action": e.action,
                "label": str(e.label),
                "note": e.note,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": _actor(e),
            }
            for e in ticket.events.select_related("actor__staff").order_by("id")
        ],
        "attachments": [attachment_out(f) for f in attachments_for(user, ticket).order_by("id")],
    }


# --- reads -----------------------------------------------------------------------------------------


def _lead_due():
    lead = Assignment.objects.filter(
        ticket=OuterRef("pk"), round=OuterRef("dispatch_round"), role=Assignment.Role.LEAD
    ).order_by("-id")
    return Subquery(lead.values("due_at")[:1])


def _filtered(user, f: TicketFilters):
    rows = tickets_for(user).select_related("category", "lead_unit", "grid", "town")
    if f.status:
        status = f.status.strip().upper()
        if status not in TicketStatus.values:
            raise ValidationError({"status": f"状态「{f.status[:20]}」不存在"})
        rows = rows.filter(status=status)
    if f.unit is not None:
        rows = rows.filter(lead_unit_id=f.unit)
    if f.grid is not None:
        rows = rows.filter(grid_id=f.grid)
    if f.town is not None:
        rows = rows.filter(town_id=f.town)
    if f.category:
        if not f.category.isalnum() or len(f.category) > 10:
            raise ValidationError({"category": "分类编码不正确"})
        rows = rows.filter(category_code__startswith=f.category)
    if f.received_from and f.received_to and f.received_from > f.received_to:
        raise ValidationError({"received_from": "起始日期晚于截止日期"})
    if f.received_from:
        rows = rows.filter(received_at__gte=period_bounds(f.received_from, f.received_from)[0])
    if f.received_to:
        rows = rows.filter(received_at__lt=period_bounds(f.received_to, f.received_to)[1])
    if f.number:
        rows = rows.filter(number=f.number.strip())
    if f.external_id:
        # The partial index's own condition, spelled out: SQLite does not infer it from the equality.
        rows = rows.filter(external_id=f.external_id.strip()).exclude(external_id="")
    if f.external_source:
        rows = rows.filter(external_source=f.external_source.strip())
    if f.q and f.q.strip():
        q = f.q.strip()
        rows = rows.filter(
            Q(number__icontains=q) | Q(title__icontains=q) | Q(address__icontains=q) | Q(external_id=q)
        )
    return rows


@router.get("", response=TicketPage, summary="工单列表", url_name="tickets")
def ticket_list(request, filters: Query[TicketFilters]):
    """范围与工作台相同：12345 中心看全部，承办单位看本单位承办过的工单。按受理时间倒序，游标分页。"""
    user = allow(request)
    page, following = keyset_page(
        _filtered(user, filters).annotate(lead_due_at=_lead_due()),
        field="received_at",
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {
        "items": [ticket_row(t) for t in page],
        "next": next_link(request, following),
        "next_cursor": following,
        "limit": filters.limit,
    }


@router.get("/{int:ticket_id}", response=TicketOut, summary="工单详情", url_name="ticket")
def ticket_get(request, ticket_id: int):
    """诉求人信息按工作台规则显示或脱敏；显示完整联系方式时留痕。"""
    user = allow(request)
    return ticket_detail(user, visible_ticket(user, ticket_id))


# --- registration ----------------------------------------------------------------------------------


def category_or_422(pk: int | None) -> Category | None:
    """A leaf category of the version in use, as the console's intake form offers."""
    if pk is None:
        return None
    category = Category.objects.filter(
        pk=pk, version=settings.CIVICGRID_CATEGORY_VERSION, is_active=True
    ).first()
    if (
        category is None
        or Category.objects.filter(version=category.version, is_active=True, code__startswith=category.code)
        .exclude(pk=category.pk)
        .exists()
    ):
        raise ValidationError({"category": f"业务分类 {pk} 不存在、已停用或不是末级分类"})
    return category


def _existing(user, source: str, external_id: str) -> Ticket | None:
    return tickets_for(user).filter(external_source=source, external_id=external_id).first()


@router.post("", response={200: TicketOut, 201: TicketOut}, summary="登记工单")
def ticket_register(request, payload: RegisterIn):
    """与工作台受理登记同一服务。对接系统提交 external_id 时，外部来源为该系统代码；同一外部编号再次提交返回
    已登记的工单（200），不重复登记。"""
    user = allow(request, *INTAKE, scope=WRITE)
    external_id = payload.external_id.strip()
    source = ""
    if external_id:
        client = getattr(user, "integration_client", None)
        if client is None:
            raise ValidationError({"external_id": "只有对接系统可以提交外部编号"})
        source = client.code
        found = _existing(user, source, external_id)
        if found is not None:
            return Status(200, ticket_detail(user, found))
    fields = payload.dict(exclude={"external_id", "category"})
    fields["category"] = category_or_422(payload.category)
    try:
        ticket = intake_services.ticket_intake(
            actor=user, external_source=source, external_id=external_id, **fields
        )
    except IntegrityError:
        # The same number sent twice at once: the other call registered it first.
        found = _existing(user, source, external_id) if external_id else None
        if found is None:
            raise
        return Status(200, ticket_detail(user, found))
    return Status(201, ticket_detail(user, ticket))


# --- the centre's actions --------------------------------------------------------------------------


@router.post("/{int:ticket_id}/accept", response=TicketOut, summary="受理（转待派单）")
def ticket_accept(request, ticket_id: int, payload: AcceptIn):
    user = allow(request, *INTAKE, scope=WRITE)
    ticket = visible_ticket(user, ticket_id)
    with expecting(ticket.pk, payload.version):
        intake_services.ticket_accept(ticket=ticket, actor=user, category=category_or_422(payload.category))
    return ticket_detail(user, ticket)


@router.post("/{int:ticket_id}/dispatch", response=TicketOut, summary="派单")
def ticket_dispatch(request, ticket_id: int, payload: DispatchIn):
    """不指定主办单位时按派单规则自动派单；指定时为人工派单，须填写理由。"""
    user = allow(request, *DISPATCH, scope=WRITE)
    ticket = visible_ticket(user, ticket_id)
    lead = unit_or_422(payload.lead, "lead")
    if lead is None and payload.co_units:
        raise ValidationError({"co_units": "指定协办单位时须同时指定主办单位"})
    co_units = units_or_422(payload.co_units, "co_units")
    with expecting(ticket.pk, payload.version):
        intake_services.ticket_dispatch(
            ticket=ticket, actor=user, lead=lead, co_units=co_units, reason=payload.reason
        )
    return ticket_detail(user, ticket)


@router.post("/{int:ticket_id}/merge", response=TicketOut, summary="并单")
def ticket_merge(request, ticket_id: int, payload: MergeIn):
    user = allow(request, *INTAKE, scope=WRITE)
    ticket = visible_ticket(user, ticket_id)
    number = payload.master.strip()
    master = tickets_for(user).filter(number=number).first()
    if master is None:
        raise ValidationError({"master": f"未找到工单 {number}，请核对编号"})
    with expecting(ticket.pk, payload.version):
        services.ticket_merge(ticket=ticket, master=master, actor=user, reason=payload.reason)
    return ticket_detail(user, ticket)


@router.post("/{int:ticket_id}/review", response=TicketOut, summary="答复审核")
def ticket_review(request, ticket_id: int, payload: ReviewIn):
    user = allow(request, *DISPATCH, scope=WRITE)
    ticket = visible_ticket(user, ticket_id)
    with expecting(ticket.pk, payload.version):
        services.reply_review(ticket=ticket, actor=user, passed=payload.passed, note=payload.note)
    return ticket_detail(user, ticket)


@router.post("/{int:ticket_id}/callback", response=TicketOut, summary="回访")
def ticket_callback(request, ticket_id: int, payload: CallbackIn):
    user = allow(request, *CALLBACK_DESK, scope=WRITE)
    ticket = visible_ticket(user, ticket_id)
    with expecting(ticket.pk, payload.version):
        services.callback_record(
            ticket=ticket,
            actor=user,
            reached=payload.reached,
            contacted=payload.contacted,
            solved=payload.solved or "",
            satisfaction=payload.satisfaction or "",
            valid=payload.valid,
            attributable=payload.attributable,
            invalid_reason=payload.invalid_reason,
            notes=payload.notes,
        )
    return ticket_detail(user, ticket)


@router.post("/{int:ticket_id}/supervise", response=TicketOut, summary="督办")
def ticket_supervise(request, ticket_id: int, payload: SuperviseIn):
    user = allow(request, *SUPERVISORS, scope=WRITE)
    ticket = visible_ticket(user, ticket_id)
    unit = None
    if payload.unit is not None:
        # As the console's form offers: a unit of the current round.
        unit = ticket.assignments.filter(round=ticket.dispatch_round, unit_id=payload.unit).first()
        if unit is None:
            raise ValidationError({"unit": "被督办单位须为本轮承办单位"})
        unit = unit.unit
    with expecting(ticket.pk, payload.version):
        services.ticket_supervise(
            ticket=ticket,
            actor=user,
            note=payload.note,
            level=payload.level,
            unit=unit,
            deadline=payload.deadline,
        )
    return ticket_detail(user, ticket)


@router.post("/{int:ticket_id}/escalate", response=TicketOut, summary="提级或吹哨")
def ticket_escalate(request, ticket_id: int, payload: EscalateIn):
    """不指定部门时逐级提级；指定职能部门时吹哨，部门作为协办报到。"""
    user = allow(request, *SUPERVISORS, scope=WRITE)
    ticket = visible_ticket(user, ticket_id)
    units = units_or_422(payload.whistle_units, "whistle_units")
    if any(not u.is_functional_department for u in units):
        raise ValidationError({"whistle_units": "吹哨部门须为职能部门"})
    with expecting(ticket.pk, payload.version):
        services.ticket_escalate(ticket=ticket, actor=user, note=payload.note, whistle_units=units)
    return ticket_detail(user, ticket)
