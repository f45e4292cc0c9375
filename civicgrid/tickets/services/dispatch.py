"""Dispatch (派单), including joint handling, and the return (退单) review loop."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from civicgrid.registry.models import Role, Unit
from civicgrid.routing.route import check_lead_allowed, route, ticket_area
from civicgrid.routing.vocabulary import DispatchMode
from civicgrid.sla.deadlines import assignment_deadlines, return_window_end
from civicgrid.sla.policies import policy_for
from civicgrid.tickets import resident_sms
from civicgrid.tickets.errors import TicketError
from civicgrid.tickets.models import Assignment, Decision, EventAction, ReturnRequest, Status, Ticket
from civicgrid.tickets.permissions import require_role, require_unit
from civicgrid.tickets.services._core import (
    decide_request,
    lock_assignment,
    lock_ticket,
    notify_role,
    notify_unit,
    now_or,
    record,
    require_state,
    require_status,
)

DISPATCH_ROLES = (Role.DISPATCHER, Role.ADMINISTRATOR)
REVIEW_ROLES = (Role.DISPATCHER, Role.SUPERVISOR, Role.ADMINISTRATOR)


def new_assignment(
    ticket: Ticket, unit: Unit, role: str, policy, deadlines, at: datetime, actor
) -> Assignment:
    """One unit's part in the ticket's current round, with the deadlines computed from its dispatch."""
    return Assignment.objects.create(
        ticket=ticket,
        round=ticket.dispatch_round,
        unit=unit,
        role=role,
        policy=policy,
        dispatched_at=at,
        dispatched_by=actor if getattr(actor, "is_authenticated", False) else None,
        sign_due_at=deadlines.sign_due_at,
        first_contact_due_at=deadlines.first_contact_due_at,
        due_at=deadlines.due_at,
        original_due_at=deadlines.due_at,
        yellow_at=deadlines.yellow_at,
        red_at=deadlines.red_at,
        deadlines_provisional=deadlines.provisional,
    )


def policy_deadlines(policy, at: datetime):
    """The policy's own deadlines from `at`, provisional where they reach an unconfirmed year."""
    return assignment_deadlines(policy, at, provisional=True)


def open_round(
    ticket: Ticket,
    *,
    lead: Unit,
    co_units,
    mode: str,
    at: datetime,
    actor,
    deadlines_for=policy_deadlines,
) -> list[Assignment]:
    """Create the assignments of a new dispatch round with deadlines from `at` (clocks start at dispatch)."""
    policy = policy_for(request_type=ticket.request_type, urgency=ticket.urgency, dispatch_mode=mode, at=at)
    deadlines = deadlines_for(policy, at)
    ticket.dispatch_round += 1
    units = [(lead, Assignment.Role.LEAD)] + [(u, Assignment.Role.CO) for u in co_units if u.pk != lead.pk]
    assignments = [new_assignment(ticket, unit, role, policy, deadlines, at, actor) for unit, role in units]
    ticket.lead_unit, ticket.dispatch_mode, ticket.dispatched_at, ticket.warning_level = lead, mode, at, ""
    return assignments


def _dedupe(units) -> list[Unit]:
    seen, result = set(), []
    for unit in units:
        if unit.pk not in seen:
            seen.add(unit.pk)
            result.append(unit)
    return result


@transaction.atomic
def ticket_dispatch(
    *,
    ticket: Ticket,
    actor,
    lead: Unit | None = None,
    co_units=(),
    reason: str = "",
    at: datetime | None = None,
) -> Ticket:
    """派单. Without `lead`, by the routing tables (直派表 → 派单目录); with `lead`, manual, reason required."""
    if actor is not None:
        require_role(actor, *DISPATCH_ROLES, action="派单")
    at = now_or(at)
    ticket = lock_ticket(ticket, "category")  # read by routing and by the guard below
    require_status(ticket, Status.PENDING_DISPATCH, action="派单")
    if lead is None:
        decision = route(ticket, at=at)
        if not decision.mode or decision.lead is None:
            raise TicketError(f"无法自动派单：{decision.reason}")
        lead, co_units, mode = decision.lead, decision.co_units, decision.mode
        rule_ref, why, manual = decision.rule_ref, decision.reason, False
    else:
        if not reason.strip():
            raise ValidationError({"reason": "人工派单须填写理由"})
        if ticket.category_id:
            check_lead_allowed(category=ticket.category, lead=lead, day=at, area=ticket_area(ticket))
        co_units = [u for u in _dedupe(co_units) if u.pk != lead.pk]
        if co_units:
            mode = DispatchMode.JOINT
        elif lead.kind == Unit.Kind.GRID_TEAM:
            mode = DispatchMode.DIRECT_TO_GRID
        else:
            mode = DispatchMode.TO_DEPARTMENT
        rule_ref, why, manual = "人工派单", reason.strip(), True
    if not lead.is_active or any(not u.is_active for u in co_units):
        raise TicketError("承办单位已停用，请重新选择")
    assignments = open_round(ticket, lead=lead, co_units=co_units, mode=mode, at=at, actor=actor)
    ticket.dispatch_rule_ref = rule_ref[:200]
    co_names = "、".join(a.unit.name for a in assignments[1:])
    record(
        ticket,
        actor=actor,
        action=EventAction.DISPATCHED,
        at=at,
        to_status=Status.DISPATCHED,
        public=True,
        note=f"已派{lead.name}" + (f"，协办：{co_names}" if co_names else ""),
        update_fields=(
            "dispatch_round",
            "lead_unit",
            "dispatch_mode",
            "dispatched_at",
            "warning_level",
            "dispatch_rule_ref",
        ),
        mode=mode,
        lead=lead.pk,
        co=[a.unit_id for a in assignments[1:]],
        rule=rule_ref,
        reason=why,
        manual=manual,
        due_at=assignments[0].due_at.isoformat(),
    )
    resident_sms.tell(ticket, "dispatched", at=at, lead=assignments[0])
    for assignment in assignments:
        role = "主办" if assignment.role == Assignment.Role.LEAD else "协办"
        notify_unit(
            assignment.unit,
            ticket=ticket,
            kind="dispatched",
            at=at,
            title=f"新工单待签收（{role}）：{ticket.number} {ticket.title}",
            body=f"办理时限 {assignment.due_at:%Y-%m-%d %H:%M}"
            + ("（暂定）" if assignment.deadlines_provisional else ""),
        )
    return ticket


@transaction.atomic
def return_request(
    *,
    assignment: Assignment,
    actor,
    reason: str,
    legal_basis: str,
    suggested_unit: Unit | None = None,
    at: datetime | None = None,
) -> ReturnRequest:
    """退单申请: within the return window, with reason and legal basis, at most N times per unit."""
    at = now_or(at)
    ticket, assignment = lock_assignment(assignment)
    require_unit(actor, assignment.unit, action="申请退单")
    require_state(assignment, Assignment.State.PENDING_SIGN, Assignment.State.IN_PROGRESS, action="申请退单")
    errors = {}
    if not reason.strip():
        errors["reason"] = "请填写退单理由"
    if not legal_basis.strip():
        errors["legal_basis"] = "请填写职责依据（法规或三定方案条款）"
    if errors:
        raise ValidationError(errors)
    policy = assignment.policy
    if at > return_window_end(policy, assignment.dispatched_at, provisional=True).value:
        raise TicketError(
            f"已超过退单时限（派单后 {policy.return_window} {policy.get_return_window_unit_display()}），不能退单"
        )
    used = (
        ReturnRequest.objects.filter(assignment__ticket=ticket, assignment__unit=assignment.unit)
        .exclude(decision=Decision.REJECTED)
        .count()
    )
    if used >= policy.max_returns_per_unit:
        raise TicketError(
            f"{assignment.unit.name}对该工单的退单次数已达上限（{policy.max_returns_per_unit} 次）"
        )
    request = ReturnRequest.objects.create(
        assignment=assignment,
        requested_at=at,
        requested_by=actor,
        reason=reason.strip(),
        legal_basis=legal_basis.strip(),
        suggested_unit=suggested_unit,
        state_before=assignment.state,
    )
    assignment.state = Assignment.State.RETURN_REQUESTED
    assignment.save(update_fields=["state"])
    is_lead = assignment.role == Assignment.Role.LEAD
    record(
        ticket,
        actor=actor,
        action=EventAction.RETURN_REQUESTED,
        at=at,
        assignment=assignment,
        to_status=Status.RETURN_REQUESTED if is_lead else None,
        note=reason.strip(),
        request=request.pk,
        unit=assignment.unit_id,
    )
    notify_role(
        Role.DISPATCHER,
        ticket=ticket,
        kind="return_requested",
        at=at,
        title=f"退单待审核：{ticket.number}({assignment.unit.name})",
        body=reason.strip(),
    )
    return request


@transaction.atomic
def return_decide(
    *,
    request: ReturnRequest,
    actor,
    approve: bool,
    note: str = "",
    redispatch_to: Unit | None = None,
    at: datetime | None = None,
) -> ReturnRequest:
    """派单异议审核: approve → the unit is released (the lead's ticket goes back to dispatch); reject → it goes on."""
    require_role(actor, *REVIEW_ROLES, action="审核退单")
    at = now_or(at)
    ticket, assignment, request = decide_request(
        ReturnRequest, request, actor=actor, approve=approve, note=note, at=at, what="退单"
    )
    request.save(update_fields=["decision", "decided_at", "decided_by", "decision_note"])
    is_lead = assignment.role == Assignment.Role.LEAD
    if not approve:
        assignment.state = request.state_before
        assignment.save(update_fields=["state"])
        back = (
            Status.DISPATCHED if request.state_before == Assignment.State.PENDING_SIGN else Status.IN_PROGRESS
        )
        record(
            ticket,
            actor=actor,
            action=EventAction.RETURN_REJECTED,
            at=at,
            assignment=assignment,
            to_status=back if is_lead else None,
            note=note.strip(),
            request=request.pk,
        )
        notify_unit(
            assignment.unit,
            ticket=ticket,
            kind="return_rejected",
            at=at,
            title=f"退单未通过，请继续办理：{ticket.number}",
            body=note.strip(),
        )
        return request
    assignment.state = Assignment.State.RETURNED
    assignment.save(update_fields=["state"])
    if is_lead:
        Assignment.objects.filter(ticket=ticket, round=ticket.dispatch_round).filter(
            Q(state__in=Assignment.OPEN_STATES)
        ).exclude(pk=assignment.pk).update(state=Assignment.State.CANCELLED)
        ticket.lead_unit = None
        record(
            ticket,
            actor=actor,
            action=EventAction.RETURN_APPROVED,
            at=at,
            assignment=assignment,
            to_status=Status.PENDING_DISPATCH,
            note=note.strip() or "同意退单，重新派单",
            update_fields=("lead_unit",),
            request=request.pk,
        )
    else:
        record(
            ticket,
            actor=actor,
            action=EventAction.RETURN_APPROVED,
            at=at,
            assignment=assignment,
            note=note.strip() or f"同意{assignment.unit.name}退出协办",
            request=request.pk,
        )
    if is_lead and redispatch_to is not None:
        ticket_dispatch(
            ticket=ticket,
            actor=actor,
            lead=redispatch_to,
            reason=f"退单改派：{note.strip() or '审核同意'}",
            at=at,
        )
    return request
