"""Assignments 「承办任务」: the units' inbox and each task's actions, as on the console's work page: sign,
first contact, reply, co-unit report, extension and return requests, escalation."""

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router

from civicgrid.api.schemas_tickets import (
    AssignmentEscalateIn,
    AssignmentOut,
    AssignmentPage,
    ContactIn,
    CoReplyIn,
    ExtensionIn,
    In,
    ReplyIn,
    ReturnIn,
    Versioned,
)
from civicgrid.api.ticket_access import (
    HANDLERS,
    WRITE,
    allow,
    expecting,
    keyset_page,
    my_assignment,
    next_link,
)
from civicgrid.api.tickets import assignment_brief, requester_out, ticket_row
from civicgrid.registry.models import Unit
from civicgrid.tickets import services
from civicgrid.tickets.models import Assignment
from civicgrid.tickets.selectors import assignments_for, attachments_for
from civicgrid.tickets.services.handling import CONTACT_METHODS

router = Router(tags=["承办任务"])

SCREEN = "接口承办任务"


def assignment_row(a: Assignment) -> dict:
    a.ticket.lead_due_at = a.due_at if a.role == Assignment.Role.LEAD else None
    return {
        **assignment_brief(a),
        "ticket": ticket_row(a.ticket),
        "first_contact_method": a.first_contact_method,
        "reply_text": a.reply_text,
        "result_code": a.result_code,
        "extended_days": a.extended_days,
        "deadlines_provisional": a.deadlines_provisional,
    }


def assignment_out(user, a: Assignment) -> dict:
    a = my_assignment(user, a.pk)  # re-read after a change, still within the caller's units
    return {**assignment_row(a), "requester": requester_out(user, a.ticket, screen=SCREEN)}


class AssignmentFilters(In):
    state: str | None = Field(None, description="承办状态，如 pending_sign、in_progress")
    active: bool | None = Field(None, description="true：只看待签收、办理中、退单申请中")
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(25, ge=1, le=100)


@router.get("", response=AssignmentPage, summary="本单位承办任务")
def assignment_list(request, filters: Query[AssignmentFilters]):
    """本人所在单位（含所在网格的工作组）的承办任务，按派单时间倒序，游标分页。列表中诉求人信息不显示。"""
    user = allow(request, *HANDLERS)
    rows = assignments_for(user).select_related(
        "ticket__category", "ticket__grid", "ticket__lead_unit", "ticket__town", "unit"
    )
    if filters.state:
        if filters.state not in Assignment.State.values:
            raise ValidationError({"state": f"承办状态「{filters.state[:20]}」不存在"})
        rows = rows.filter(state=filters.state)
    if filters.active:
        rows = rows.filter(state__in=Assignment.ACTIVE_STATES)
    page, following = keyset_page(rows, field="dispatched_at", cursor=filters.cursor, limit=filters.limit)
    items = [assignment_row(a) for a in page]
    return {
        "items": items,
        "next": next_link(request, following),
        "next_cursor": following,
        "limit": filters.limit,
    }


@router.get("/{int:assignment_id}", response=AssignmentOut, summary="承办任务详情")
def assignment_get(request, assignment_id: int):
    user = allow(request, *HANDLERS)
    return assignment_out(user, my_assignment(user, assignment_id))


def _act(request, assignment_id: int, payload: Versioned, act):
    user = allow(request, *HANDLERS, scope=WRITE)
    assignment = my_assignment(user, assignment_id)
    with expecting(assignment.ticket_id, payload.version):
        act(user, assignment)
    return assignment_out(user, assignment)


@router.post("/{int:assignment_id}/sign", response=AssignmentOut, summary="签收")
def assignment_sign(request, assignment_id: int, payload: Versioned | None = None):
    return _act(
        request,
        assignment_id,
        payload or Versioned(),
        lambda user, a: services.assignment_sign(assignment=a, actor=user),
    )


@router.post("/{int:assignment_id}/contact", response=AssignmentOut, summary="记录首次联系诉求人")
def assignment_contact(request, assignment_id: int, payload: ContactIn):
    def contact(user, a):
        if payload.method not in CONTACT_METHODS:
            methods = "、".join(f"{k}（{v}）" for k, v in CONTACT_METHODS.items())
            raise ValidationError({"method": f"联系方式应为：{methods}"})
        return services.assignment_first_contact(
            assignment=a, actor=user, method=payload.method, note=payload.note
        )

    return _act(request, assignment_id, payload, contact)


def _evidence(user, assignment: Assignment, ids: list[int]):
    if not ids:
        return []
    found = list(attachments_for(user, assignment.ticket).filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({"evidence": "佐证附件须先上传到本工单"})
    return found


@router.post("/{int:assignment_id}/reply", response=AssignmentOut, summary="主办单位答复")
def assignment_reply(request, assignment_id: int, payload: ReplyIn):
    return _act(
        request,
        assignment_id,
        payload,
        lambda user, a: services.lead_reply(
            assignment=a,
            actor=user,
            result_code=payload.result_code,
            text=payload.text,
            evidence=_evidence(user, a, payload.evidence),
        ),
    )


@router.post("/{int:assignment_id}/co-reply", response=AssignmentOut, summary="协办单位反馈")
def assignment_co_reply(request, assignment_id: int, payload: CoReplyIn):
    return _act(
        request,
        assignment_id,
        payload,
        lambda user, a: services.co_reply(
            assignment=a, actor=user, text=payload.text, evidence=_evidence(user, a, payload.evidence)
        ),
    )


@router.post("/{int:assignment_id}/extension", response=AssignmentOut, summary="申请延期")
def assignment_extension(request, assignment_id: int, payload: ExtensionIn):
    return _act(
        request,
        assignment_id,
        payload,
        lambda user, a: services.extension_request(
            assignment=a,
            actor=user,
            days=payload.days,
            reason=payload.reason,
            legal_basis=payload.legal_basis,
        ),
    )


def _suggested(pk: int | None, assignment: Assignment) -> Unit | None:
    if pk is None:
        return None
    unit = Unit.objects.filter(pk=pk, is_active=True).exclude(pk=assignment.unit_id).first()
    if unit is None:
        raise ValidationError({"suggested_unit": "建议承办单位不存在、已停用或是本单位"})
    return unit


@router.post("/{int:assignment_id}/return", response=AssignmentOut, summary="申请退单")
def assignment_return(request, assignment_id: int, payload: ReturnIn):
    return _act(
        request,
        assignment_id,
        payload,
        lambda user, a: services.return_request(
            assignment=a,
            actor=user,
            reason=payload.reason,
            legal_basis=payload.legal_basis,
            suggested_unit=_suggested(payload.suggested_unit, a),
        ),
    )


@router.post("/{int:assignment_id}/escalate", response=AssignmentOut, summary="申请提级")
def assignment_escalate(request, assignment_id: int, payload: AssignmentEscalateIn):
    return _act(
        request,
        assignment_id,
        payload,
        lambda user, a: services.ticket_escalate(ticket=a.ticket, actor=user, note=payload.note),
    )
