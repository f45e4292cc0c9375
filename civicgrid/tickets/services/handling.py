"""Handling by the units: sign off, first contact, extension, co-unit report, lead reply."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from civicgrid.registry.models import Role
from civicgrid.sla.deadlines import extend_due, warning_times
from civicgrid.tickets.errors import TicketError
from civicgrid.tickets.models import (
    Assignment,
    Attachment,
    Decision,
    EventAction,
    ExtensionRequest,
    ResultCode,
    Status,
    Ticket,
    WarningLevel,
)
from civicgrid.tickets.permissions import require_role, require_unit
from civicgrid.tickets.services._core import (
    decide_request,
    lock_assignment,
    notify_role,
    notify_unit,
    now_or,
    record,
    require_state,
)

CONTACT_METHODS = {
    "phone": "电话",
    "sms": "短信",
    "visit": "上门",
    "three_way": "12345三方通话",
    "other": "其他",
}


def refresh_warning_level(ticket: Ticket) -> None:
    """The ticket's overlay is the worst warning among its live assignments."""
    live = ticket.assignments.filter(round=ticket.dispatch_round, state__in=Assignment.ACTIVE_STATES)
    ticket.warning_level = WarningLevel.worst(*(a.warning_level for a in live))


@transaction.atomic
def assignment_sign(*, assignment: Assignment, actor, at: datetime | None = None) -> Assignment:
    """签收. The lead's sign-off moves the ticket into handling; the clocks have run since dispatch."""
    at = now_or(at)
    ticket, assignment = lock_assignment(assignment)
    require_unit(actor, assignment.unit, action="签收")
    require_state(assignment, Assignment.State.PENDING_SIGN, action="签收")
    assignment.state, assignment.signed_at, assignment.signed_by = Assignment.State.IN_PROGRESS, at, actor
    assignment.save(update_fields=["state", "signed_at", "signed_by"])
    moves = assignment.role == Assignment.Role.LEAD and ticket.status in (Status.DISPATCHED, Status.REOPENED)
    record(
        ticket,
        actor=actor,
        action=EventAction.SIGNED,
        at=at,
        assignment=assignment,
        to_status=Status.IN_PROGRESS if moves else None,
        public=assignment.role == Assignment.Role.LEAD,
        note=f"{assignment.unit.name}已签收",
        late=at > assignment.sign_due_at,
    )
    return assignment


@transaction.atomic
def assignment_first_contact(
    *, assignment: Assignment, actor, method: str, note: str = "", at: datetime | None = None
) -> Assignment:
    """首次联系 (响应): the handler reached the requester. Later contacts are logged, the first is kept."""
    at = now_or(at)
    ticket, assignment = lock_assignment(assignment)
    require_unit(actor, assignment.unit, action="记录联系")
    require_state(assignment, Assignment.State.IN_PROGRESS, action="记录联系（请先签收）")
    if method not in CONTACT_METHODS:
        raise ValidationError({"method": "请选择联系方式：电话、短信、上门、三方通话或其他"})
    if ticket.is_confidential and method not in ("three_way", "other"):
        raise ValidationError({"method": "保密工单须经 12345 三方通话联系诉求人"})
    first = assignment.first_contacted_at is None
    if first:
        assignment.first_contacted_at, assignment.first_contact_method = at, method
        assignment.first_contact_note = note.strip()[:300]
        assignment.save(update_fields=["first_contacted_at", "first_contact_method", "first_contact_note"])
    record(
        ticket,
        actor=actor,
        action=EventAction.CONTACTED,
        at=at,
        assignment=assignment,
        public=first,
        note=("已联系诉求人" if first else "再次联系") + f"({CONTACT_METHODS[method]})",
        first=first,
        in_time=at <= assignment.first_contact_due_at,
        detail=note.strip(),
    )
    return assignment


@transaction.atomic
def extension_request(
    *,
    assignment: Assignment,
    actor,
    days: int,
    reason: str,
    legal_basis: str = "",
    at: datetime | None = None,
) -> ExtensionRequest:
    """延期申请: before the deadline, with a reason; the total stays within the policy's maximum."""
    at = now_or(at)
    ticket, assignment = lock_assignment(assignment)
    require_unit(actor, assignment.unit, action="申请延期")
    require_state(assignment, Assignment.State.IN_PROGRESS, action="申请延期")
    if not reason.strip():
        raise ValidationError({"reason": "请填写延期理由"})
    if not isinstance(days, int) or days < 1:
        raise ValidationError({"days": "延期天数应为正整数（工作日）"})
    if at >= assignment.due_at:
        raise TicketError(f"已超过办理时限 {assignment.due_at:%Y-%m-%d %H:%M}，延期须在时限前申请")
    if assignment.extensions.filter(decision=Decision.PENDING).exists():
        raise TicketError("已有待审核的延期申请")
    limit = assignment.policy.max_extension_days
    if assignment.extended_days + days > limit:
        raise TicketError(f"累计延期不能超过 {limit} 个工作日（已延期 {assignment.extended_days} 个工作日）")
    request = ExtensionRequest.objects.create(
        assignment=assignment,
        requested_at=at,
        requested_by=actor,
        days=days,
        reason=reason.strip(),
        legal_basis=legal_basis.strip(),
    )
    record(
        ticket,
        actor=actor,
        action=EventAction.EXTENSION_REQUESTED,
        at=at,
        assignment=assignment,
        note=reason.strip(),
        request=request.pk,
        days=days,
    )
    notify_role(
        Role.DISPATCHER,
        ticket=ticket,
        kind="extension_requested",
        at=at,
        title=f"延期待审核：{ticket.number}（{assignment.unit.name},{days} 个工作日）",
        body=reason.strip(),
    )
    return request


@transaction.atomic
def extension_decide(
    *, request: ExtensionRequest, actor, approve: bool, note: str = "", at: datetime | None = None
) -> ExtensionRequest:
    """延期审核. Approval moves the deadline and its warning points; warnings already passed may recur."""
    require_role(actor, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMINISTRATOR, action="审核延期")
    at = now_or(at)
    ticket, assignment, request = decide_request(
        ExtensionRequest, request, actor=actor, approve=approve, note=note, at=at, what="延期"
    )
    if approve:
        new_due, due_provisional = extend_due(assignment.due_at, request.days, provisional=True)
        (yellow, red), warnings_provisional = warning_times(
            assignment.policy, assignment.dispatched_at, new_due, provisional=True
        )
        assignment.due_at, assignment.yellow_at, assignment.red_at = new_due, yellow, red
        assignment.deadlines_provisional |= due_provisional or warnings_provisional
        assignment.extended_days += request.days
        for stamp, point in (
            ("yellow_issued_at", yellow),
            ("red_issued_at", red),
            ("overdue_issued_at", new_due),
        ):
            if point > at:
                setattr(assignment, stamp, None)
        assignment.save(
            update_fields=[
                "due_at",
                "yellow_at",
                "red_at",
                "extended_days",
                "deadlines_provisional",
                "yellow_issued_at",
                "red_issued_at",
                "overdue_issued_at",
            ]
        )
        request.new_due_at = new_due
        ticket.is_extended = True
        refresh_warning_level(ticket)
    request.save(update_fields=["decision", "decided_at", "decided_by", "decision_note", "new_due_at"])
    record(
        ticket,
        actor=actor,
        action=EventAction.EXTENSION_APPROVED if approve else EventAction.EXTENSION_REJECTED,
        at=at,
        assignment=assignment,
        public=approve,
        note=(
            f"办理时限延长至 {request.new_due_at:%Y-%m-%d %H:%M}"
            + ("（暂定）" if assignment.deadlines_provisional else "")
            if approve
            else f"不同意延期：{note.strip()}"
        ),
        update_fields=("is_extended", "warning_level"),
        request=request.pk,
    )
    notify_unit(
        assignment.unit,
        ticket=ticket,
        kind="extension_decided",
        at=at,
        title=f"延期申请{'已同意' if approve else '未同意'}:{ticket.number}",
        body=note.strip(),
    )
    return request


@transaction.atomic
def co_reply(
    *, assignment: Assignment, actor, text: str, evidence=(), at: datetime | None = None
) -> Assignment:
    """协办反馈: a co-unit reports its part to the lead unit, with its on-site photos as evidence."""
    at = now_or(at)
    ticket, assignment = lock_assignment(assignment)
    require_unit(actor, assignment.unit, action="反馈协办情况")
    if assignment.role != Assignment.Role.CO:
        raise TicketError("主办单位请使用「答复」")
    require_state(assignment, Assignment.State.IN_PROGRESS, action="反馈协办情况（请先签收）")
    if not text.strip():
        raise ValidationError({"text": "请填写协办情况"})
    evidence = list(evidence)
    if any(a.ticket_id != ticket.pk for a in evidence):
        raise TicketError("佐证材料不属于本工单")
    for attachment in evidence:
        attachment.assignment, attachment.kind = assignment, Attachment.Kind.EVIDENCE
        attachment.save(update_fields=["assignment", "kind"])
    assignment.state, assignment.replied_at, assignment.reply_text = (
        Assignment.State.CO_REPLIED,
        at,
        text.strip(),
    )
    assignment.save(update_fields=["state", "replied_at", "reply_text"])
    record(
        ticket,
        actor=actor,
        action=EventAction.CO_REPLIED,
        at=at,
        assignment=assignment,
        note=text.strip(),
        evidence=[a.pk for a in evidence],
    )
    if ticket.lead_unit_id:
        notify_unit(
            ticket.lead_unit,
            ticket=ticket,
            kind="co_replied",
            at=at,
            title=f"协办单位已反馈：{ticket.number}({assignment.unit.name})",
            body=text.strip()[:200],
        )
    return assignment


@transaction.atomic
def lead_reply(
    *, assignment: Assignment, actor, result_code: str, text: str, evidence=(), at: datetime | None = None
) -> Ticket:
    """答复: the lead unit answers the ticket, after contacting the requester and hearing every co-unit."""
    at = now_or(at)
    ticket, assignment = lock_assignment(assignment)
    require_unit(actor, assignment.unit, action="答复")
    if assignment.role != Assignment.Role.LEAD:
        raise TicketError("协办单位请向主办单位反馈，由主办单位统一答复")
    require_state(assignment, Assignment.State.IN_PROGRESS, action="答复（请先签收）")
    if result_code not in ResultCode.values:
        raise ValidationError({"result_code": "请选择办理结果"})
    if not text.strip():
        raise ValidationError({"text": "请填写答复内容"})
    contactable = not ticket.is_anonymous and bool(ticket.requester_phone)
    if contactable and assignment.first_contacted_at is None:
        raise TicketError("答复前须先联系诉求人并记录首次联系")
    waiting = ticket.assignments.filter(
        round=assignment.round, role=Assignment.Role.CO, state__in=Assignment.ACTIVE_STATES
    ).select_related("unit")
    if waiting:
        raise TicketError("以下协办单位尚未反馈：" + "、".join(a.unit.name for a in waiting))
    evidence = list(evidence)
    if any(a.ticket_id != ticket.pk for a in evidence):
        raise TicketError("佐证材料不属于本工单")
    for attachment in evidence:
        attachment.assignment, attachment.kind = assignment, Attachment.Kind.EVIDENCE
        attachment.save(update_fields=["assignment", "kind"])
    assignment.state, assignment.replied_at = Assignment.State.REPLIED, at
    assignment.reply_text, assignment.result_code = text.strip(), result_code
    assignment.save(update_fields=["state", "replied_at", "reply_text", "result_code"])
    ticket.reply_text, ticket.result_code, ticket.replied_at = text.strip(), result_code, at
    record(
        ticket,
        actor=actor,
        action=EventAction.REPLIED,
        at=at,
        assignment=assignment,
        to_status=Status.REPLIED,
        public=True,
        note=f"承办单位已答复：{ResultCode(result_code).label}",
        update_fields=("reply_text", "result_code", "replied_at"),
        result=result_code,
        evidence=[a.pk for a in evidence],
        on_time=at <= assignment.due_at,
    )
    notify_role(Role.DISPATCHER, ticket=ticket, kind="replied", at=at, title=f"答复待审核：{ticket.number}")
    return ticket
