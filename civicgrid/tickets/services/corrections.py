"""更正: correcting what was registered wrongly (place and grid, address, 事发时间, category, request type),
and undoing a merge.

Before sign-off (received, waiting for dispatch, dispatched but not signed) operators and dispatchers
correct; once a unit has signed, only the centre (dispatchers, administrators) does, and gives a reason.
Each correction writes one event whose payload holds every changed field as [old, new]. A change of grid
or category re-runs the routing rules: the new proposal is in the event and in the result, so the page can
show it (a ticket already dispatched is not re-dispatched by a correction; a person decides).
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from civicgrid.core.refusal import Refusal
from civicgrid.registry import locate
from civicgrid.registry.models import Grid, Role
from civicgrid.routing.models import Category
from civicgrid.routing.route import RouteDecision, route
from civicgrid.routing.vocabulary import DispatchMode, RequestType
from civicgrid.sla.clocks import paused_working_time, pushed
from civicgrid.sla.deadlines import assignment_deadlines, callback_due, warning_times
from civicgrid.sla.policies import policy_for
from civicgrid.tickets.errors import TicketError
from civicgrid.tickets.models import Assignment, EventAction, Status, Ticket, TriageOutcome
from civicgrid.tickets.permissions import require_role
from civicgrid.tickets.services._core import lock_ticket, now_or, record, require_status

EDITOR_ROLES = (Role.OPERATOR, Role.DISPATCHER, Role.ADMINISTRATOR)
CENTRE_ROLES = (Role.DISPATCHER, Role.ADMINISTRATOR)
BEFORE_SIGN_OFF = (Status.RECEIVED, Status.PENDING_DISPATCH, Status.DISPATCHED)
# A merged ticket follows its master (correct the master, or undo the merge); an archived one is history.
NOT_CORRECTABLE = (Status.MERGED, Status.ARCHIVED)
MERGE_UNDO_HOURS = 24
EARLIEST_OCCURRED = datetime(2000, 1, 1, tzinfo=UTC)
# A clock a few minutes fast on the operator's PC is not a typo.
OCCURRED_SLACK = timedelta(minutes=10)


@dataclass
class Correction:
    """What a correction changed ({field label: [old, new]}) and, when grid or category changed, the
    routing rules' new proposal."""

    ticket: Ticket
    changed: dict = field(default_factory=dict)
    decision: RouteDecision | None = None
    events: list = field(default_factory=list)

    @property
    def proposal_text(self) -> str:
        return _proposal_text(self.decision) if self.decision is not None else ""


def _proposal_text(decision: RouteDecision) -> str:
    if not decision.mode or decision.lead is None:
        return "需人工派单"
    co = "、".join(u.name for u in decision.co_units)
    return f"{DispatchMode(decision.mode).label}：{decision.lead.name}" + (f"（协办：{co}）" if co else "")


def _guard(ticket: Ticket, actor, reason: str, what: str) -> str:
    """Who may correct depends on whether a unit has signed; afterwards a reason is required."""
    if ticket.status in NOT_CORRECTABLE:
        raise TicketError(
            f"工单 {ticket.number} 当前为「{ticket.get_status_display()}」，不能更正{what}"
            + ("（请更正主单，或先撤销并单）" if ticket.status == Status.MERGED else "")
        )
    reason = (reason or "").strip()
    if ticket.status in BEFORE_SIGN_OFF:
        require_role(actor, *EDITOR_ROLES, action=f"更正{what}")
    else:
        require_role(actor, *CENTRE_ROLES, action=f"在承办单位签收后更正{what}")
        if not reason:
            raise ValidationError({"reason": f"承办单位已签收，更正{what}须填写理由"})
    return reason


def _grid_name(grid: Grid | None) -> str:
    return grid.name if grid is not None else "未定位"


def _set_grid(ticket: Ticket, grid: Grid) -> None:
    ticket.grid = grid
    ticket.community = grid.community
    path = grid.community.ancestors()
    ticket.town = next((a for a in path if a.level == "town"), None)
    ticket.area_path = " / ".join(a.name for a in path)


def _reroute(ticket: Ticket) -> RouteDecision:
    try:
        return route(ticket)
    except Refusal as refusal:
        return RouteDecision(mode="", lead=None, reason=refusal.message)


def _described(ticket, *, note, reason, changed, decision=None) -> dict:
    """The event's note and payload: what changed (old → new), why, and the routing rules' new proposal."""
    payload = {"changed": changed}
    if reason:
        payload["reason"] = reason
        note = f"{note}（理由：{reason}）"
    if decision is not None:
        payload["proposal"] = {
            "mode": decision.mode,
            "lead": decision.lead.name if decision.lead else "",
            "reason": decision.reason,
        }
        note = f"{note}；新的派单建议：{_proposal_text(decision)}"
        if ticket.lead_unit_id and decision.lead is not None and decision.lead.pk != ticket.lead_unit_id:
            note += f"，与当前主办单位{ticket.lead_unit.name}不同，请派单员核实是否改派"
    return {"note": note, **payload}


@transaction.atomic
def ticket_relocate(
    *,
    ticket: Ticket,
    actor,
    lat: float | None = None,
    lon: float | None = None,
    address: str | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> Correction:
    """重新定位: a point picked on the map, or else an address the gazetteer places on its own, sets the
    ticket's point and grid (and the address text when given). Routing is re-run for the new grid."""
    at = now_or(at)
    ticket = lock_ticket(ticket)
    reason = _guard(ticket, actor, reason, "事发地点")
    new_address = ticket.address if address is None else address.strip()
    if lat is not None and lon is not None:
        try:
            found = locate.locate_point(lat, lon)
        except ValueError as exc:
            raise ValidationError({"lat": str(exc)}) from exc
        if found.grid is None:
            raise ValidationError({"lat": f"{found.message}，请重新点选"})
        grid, lat, lon = found.grid, found.lat, found.lon
    elif new_address:
        trusted = locate.place_address(new_address).trusted
        if trusted is None or trusted.grid is None:
            raise ValidationError(
                {"address": "该地址未能确定所在网格，请在地图上点选位置，或从匹配的地点中选用"}
            )
        grid = trusted.grid
        if trusted.place is not None and trusted.place.lat is not None:
            lat, lon = trusted.place.lat, trusted.place.lon
    else:
        raise ValidationError({"address": "请填写事发地址或在地图上点选位置"})
    changed = {}
    if new_address != ticket.address:
        changed["事发地址"] = [ticket.address, new_address]
    if grid.pk != ticket.grid_id:
        changed["网格"] = [_grid_name(ticket.grid), grid.name]
    if (lat, lon) != (ticket.lat, ticket.lon) and lat is not None:
        changed["位置"] = [
            f"{ticket.lat:.6f},{ticket.lon:.6f}" if ticket.lat is not None else "",
            f"{lat:.6f},{lon:.6f}",
        ]
    if not changed:
        raise TicketError("事发地点与登记的一致，无需更正")
    grid_changed = "网格" in changed
    ticket.address, ticket.lat, ticket.lon = new_address, lat, lon
    _set_grid(ticket, grid)
    decision = _reroute(ticket) if grid_changed else None
    note = (
        f"事发地点更正：{changed['网格'][0]} → {changed['网格'][1]}"
        if grid_changed
        else "事发地点更正（网格不变）"
    )
    event = record(
        ticket,
        actor=actor,
        action=EventAction.LOCATION_CORRECTED,
        at=at,
        update_fields=("address", "lat", "lon", "grid", "community", "town", "area_path"),
        **_described(
            ticket,
            note=note,
            reason=reason,
            changed=changed,
            decision=decision,
        ),
    )
    return Correction(ticket, changed, decision, [event])


@transaction.atomic
def ticket_correct_address(
    *, ticket: Ticket, actor, address: str, reason: str = "", at: datetime | None = None
) -> Correction:
    """The address text only (a typo, a missing building number); point and grid stay."""
    at = now_or(at)
    ticket = lock_ticket(ticket)
    reason = _guard(ticket, actor, reason, "事发地址")
    address = (address or "").strip()
    if address == ticket.address:
        raise TicketError("事发地址与登记的一致，无需更正")
    changed = {"事发地址": [ticket.address, address]}
    ticket.address = address
    event = record(
        ticket,
        actor=actor,
        action=EventAction.ADDRESS_CORRECTED,
        at=at,
        update_fields=("address",),
        **_described(
            ticket,
            note=f"事发地址更正：{changed['事发地址'][0] or '未填'} → {address or '未填'}",
            reason=reason,
            changed=changed,
        ),
    )
    return Correction(ticket, changed, None, [event])


@transaction.atomic
def ticket_correct_occurred_at(
    *, ticket: Ticket, actor, occurred_at: datetime, reason: str = "", at: datetime | None = None
) -> Correction:
    """事发时间: never in the future, never before 2000."""
    at = now_or(at)
    ticket = lock_ticket(ticket)
    reason = _guard(ticket, actor, reason, "事发时间")
    if occurred_at is None:
        raise ValidationError({"occurred_at": "请填写事发时间"})
    if occurred_at > at + OCCURRED_SLACK:
        raise ValidationError({"occurred_at": "事发时间不能晚于现在"})
    if occurred_at < EARLIEST_OCCURRED:
        raise ValidationError({"occurred_at": "事发时间不能早于 2000 年"})
    if occurred_at == ticket.occurred_at:
        raise TicketError("事发时间与登记的一致，无需更正")

    def shown(value):
        return f"{value.astimezone():%Y-%m-%d %H:%M}" if value else "未填"

    changed = {"事发时间": [shown(ticket.occurred_at), shown(occurred_at)]}
    ticket.occurred_at = occurred_at
    event = record(
        ticket,
        actor=actor,
        action=EventAction.OCCURRED_AT_CORRECTED,
        at=at,
        update_fields=("occurred_at",),
        **_described(
            ticket,
            note=f"事发时间更正：{changed['事发时间'][0]} → {changed['事发时间'][1]}",
            reason=reason,
            changed=changed,
        ),
    )
    return Correction(ticket, changed, None, [event])


@transaction.atomic
def ticket_recategorise(
    *, ticket: Ticket, actor, category: Category, reason: str = "", at: datetime | None = None
) -> Correction:
    """业务分类: the routing rules are re-run for the new category."""
    at = now_or(at)
    ticket = lock_ticket(ticket)
    reason = _guard(ticket, actor, reason, "业务分类")
    if category is None:
        raise ValidationError({"category": "请选择业务分类"})
    if category.pk == ticket.category_id:
        raise TicketError("业务分类与登记的一致，无需更正")
    old = ticket.category.path_display if ticket.category_id else "未分类"
    changed = {"业务分类": [old, category.path_display]}
    ticket.category, ticket.category_code, ticket.category_version = (
        category,
        category.code,
        category.version,
    )
    decision = _reroute(ticket)
    event = record(
        ticket,
        actor=actor,
        action=EventAction.CATEGORY_CORRECTED,
        at=at,
        update_fields=("category", "category_code", "category_version"),
        **_described(
            ticket,
            note=f"业务分类更正：{old} → {category.path_display}",
            reason=reason,
            changed=changed,
            decision=decision,
        ),
    )
    return Correction(ticket, changed, decision, [event])


DEADLINE_LABELS = {
    "sign_due_at": "签收时限",
    "first_contact_due_at": "首次联系时限",
    "due_at": "办理时限",
    "yellow_at": "黄色预警时间",
    "red_at": "红色预警时间",
}


def _shown(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "无"


def _recompute_deadlines(ticket: Ticket) -> dict:
    """The time limits under the policy the corrected ticket now falls under, from the original start
    times (dispatch, review passed), as dispatch computes them; {label: [old, new]} of what moved.

    An approved extension is kept (the same working time past the new handling deadline); warnings
    already issued stay issued, since the unit has been told.
    """
    moved = {}
    if ticket.dispatch_round:
        open_ones = ticket.assignments.filter(
            round=ticket.dispatch_round, state__in=Assignment.OPEN_STATES
        ).select_related("unit")
        for assignment in open_ones:
            policy = policy_for(
                request_type=ticket.request_type,
                urgency=ticket.urgency,
                dispatch_mode=ticket.dispatch_mode,
                at=assignment.dispatched_at,
            )
            fresh = assignment_deadlines(policy, assignment.dispatched_at, provisional=True)
            before = {name: getattr(assignment, name) for name in DEADLINE_LABELS}
            due = fresh.due_at
            if assignment.due_at > assignment.original_due_at:
                due = pushed(due, paused_working_time(assignment.original_due_at, assignment.due_at))
            yellow, red = (
                (fresh.yellow_at, fresh.red_at)
                if due == fresh.due_at
                else warning_times(policy, assignment.dispatched_at, due, provisional=True).value
            )
            assignment.policy = policy
            assignment.sign_due_at = fresh.sign_due_at
            assignment.first_contact_due_at = fresh.first_contact_due_at
            assignment.original_due_at, assignment.due_at = fresh.due_at, due
            assignment.yellow_at, assignment.red_at = yellow, red
            assignment.deadlines_provisional = fresh.provisional
            assignment.save(
                update_fields=[
                    "policy",
                    "original_due_at",
                    "deadlines_provisional",
                    *DEADLINE_LABELS,
                ]
            )
            for name, label in DEADLINE_LABELS.items():
                if before[name] != getattr(assignment, name):
                    moved[f"{assignment.unit.name}{label}"] = [
                        _shown(before[name]),
                        _shown(getattr(assignment, name)),
                    ]
    if ticket.callback_due_at is not None and ticket.status == Status.PENDING_CALLBACK:
        passed = ticket.events.filter(action=EventAction.REVIEW_PASSED).order_by("-at", "-pk").first()
        lead = (
            ticket.assignments.filter(round=ticket.dispatch_round, role=Assignment.Role.LEAD)
            .exclude(state__in=[Assignment.State.RETURNED, Assignment.State.CANCELLED])
            .first()
        )
        if passed is not None and lead is not None:
            policy = policy_for(
                request_type=ticket.request_type,
                urgency=ticket.urgency,
                dispatch_mode=ticket.dispatch_mode,
                at=lead.dispatched_at,
            )
            old = ticket.callback_due_at
            ticket.callback_due_at, ticket.callback_due_provisional = callback_due(
                policy, passed.at, provisional=True
            )
            if old != ticket.callback_due_at:
                moved["回访时限"] = [_shown(old), _shown(ticket.callback_due_at)]
    return moved


@transaction.atomic
def ticket_correct_request_type(
    *, ticket: Ticket, actor, request_type: str, reason: str = "", at: datetime | None = None
) -> Correction:
    """诉求类型 (咨询、求助、投诉…). The time-limit policy depends on it: the open assignments' deadlines
    and the callback deadline are recomputed under the new policy (old → new in the event)."""
    at = now_or(at)
    ticket = lock_ticket(ticket)
    reason = _guard(ticket, actor, reason, "诉求类型")
    if request_type not in RequestType.values:
        raise ValidationError({"request_type": "请选择诉求类型（咨询、求助、投诉、举报、建议、表扬）"})
    if request_type == ticket.request_type:
        raise TicketError("诉求类型与登记的一致，无需更正")
    old = ticket.get_request_type_display()
    ticket.request_type = request_type
    new = ticket.get_request_type_display()
    changed = {"诉求类型": [str(old), str(new)]}
    deadlines = _recompute_deadlines(ticket)
    described = _described(ticket, note=f"诉求类型更正：{old} → {new}", reason=reason, changed=changed)
    if deadlines:
        described["deadlines"] = deadlines
        described["note"] += "；时限按新的诉求类型重算：" + "，".join(
            f"{label} {old_new[0]} → {old_new[1]}" for label, old_new in deadlines.items()
        )
    event = record(
        ticket,
        actor=actor,
        action=EventAction.REQUEST_TYPE_CORRECTED,
        at=at,
        update_fields=("request_type", "callback_due_at", "callback_due_provisional"),
        **described,
    )
    return Correction(ticket, changed, None, [event])


@transaction.atomic
def ticket_correct(
    *,
    ticket: Ticket,
    actor,
    reason: str = "",
    address: str | None = None,
    relocate: bool = True,
    lat: float | None = None,
    lon: float | None = None,
    occurred_at: datetime | None = None,
    request_type: str | None = None,
    category: Category | None = None,
    at: datetime | None = None,
) -> Correction:
    """The correction form in one go, all or nothing: each value given that differs from the ticket's goes
    through its own service (None: leave as is). A new address is placed on the grid (`relocate`) unless
    told to change the text only; a new point always is. Routing is re-run once at the end."""
    at = now_or(at)
    current = lock_ticket(ticket)
    done = Correction(current)
    steps = []
    new_point = lat is not None and lon is not None and (lat, lon) != (current.lat, current.lon)
    new_address = address is not None and address.strip() != current.address
    if new_point or (new_address and relocate):
        steps.append(
            lambda t: ticket_relocate(
                ticket=t,
                actor=actor,
                lat=lat if new_point else None,
                lon=lon if new_point else None,
                address=address,
                reason=reason,
                at=at,
            )
        )
    elif new_address:
        steps.append(
            lambda t: ticket_correct_address(ticket=t, actor=actor, address=address, reason=reason, at=at)
        )
    if occurred_at is not None and occurred_at != current.occurred_at:
        steps.append(
            lambda t: ticket_correct_occurred_at(
                ticket=t, actor=actor, occurred_at=occurred_at, reason=reason, at=at
            )
        )
    if request_type and request_type != current.request_type:
        steps.append(
            lambda t: ticket_correct_request_type(
                ticket=t, actor=actor, request_type=request_type, reason=reason, at=at
            )
        )
    if category is not None and category.pk != current.category_id:
        steps.append(
            lambda t: ticket_recategorise(ticket=t, actor=actor, category=category, reason=reason, at=at)
        )
    if not steps:
        _guard(current, actor, reason, "登记信息")
        raise TicketError("没有需要更正的内容")
    for step in steps:
        result = step(done.ticket)
        done.ticket = result.ticket
        done.changed.update(result.changed)
        done.events.extend(result.events)
        if result.decision is not None:
            done.decision = result.decision
    if done.decision is not None and len(steps) > 1:
        done.decision = _reroute(done.ticket)  # grid and category both changed: the last word counts
    return done


# --- undoing a merge --------------------------------------------------------------------------------


def merge_undo_hours() -> int:
    return getattr(settings, "CIVICGRID_MERGE_UNDO_HOURS", MERGE_UNDO_HOURS)


def merge_undo_deadline(ticket: Ticket) -> datetime | None:
    """Until when the centre may still undo this ticket's merge; None when it is not merged."""
    if ticket.status != Status.MERGED:
        return None
    merged = ticket.events.filter(action=EventAction.MERGED).order_by("-id").first()
    return merged.at + timedelta(hours=merge_undo_hours()) if merged else None


@transaction.atomic
def ticket_merge_undo(*, ticket: Ticket, actor, reason: str, at: datetime | None = None) -> Ticket:
    """撤销并单: within the undo window the centre takes a merged ticket out of its master again. It
    returns to the status, conclusion and children it had before the merge."""
    require_role(actor, *CENTRE_ROLES, action="撤销并单")
    at = now_or(at)
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写撤销并单的理由"})
    ticket = lock_ticket(ticket)
    require_status(ticket, Status.MERGED, action="撤销并单")
    merged = ticket.events.filter(action=EventAction.MERGED).order_by("-id").first()
    if merged is None or ticket.merged_into_id is None:
        raise TicketError(f"工单 {ticket.number} 没有并单记录，不能撤销")
    hours = merge_undo_hours()
    if at > merged.at + timedelta(hours=hours):
        raise TicketError(f"并单已超过 {hours} 小时，不能撤销；如确属不同诉求，请重新登记")
    master = lock_ticket(ticket.merged_into)
    payload = merged.payload or {}
    previous = merged.from_status or Status.RECEIVED
    # Merges recorded before the payload kept the conclusion: accepted tickets were waiting for dispatch.
    ticket.triage_outcome = payload.get(
        "previous_triage_outcome", TriageOutcome.ACCEPT if previous == Status.PENDING_DISPATCH else ""
    )
    ticket.triage_reason = payload.get("previous_triage_reason", "")
    ticket.merged_into = None
    children = payload.get("children") or []
    Ticket.objects.filter(pk__in=children, merged_into=master, status=Status.MERGED).update(
        merged_into=ticket
    )
    reason = reason.strip()
    record(
        ticket,
        actor=actor,
        action=EventAction.MERGE_UNDONE,
        at=at,
        to_status=previous,
        public=True,
        note=f"撤销并入工单 {master.number}，恢复单独办理",
        update_fields=("merged_into", "triage_outcome", "triage_reason"),
        master=master.number,
        reason=reason,
        changed={"状态": [str(Status.MERGED.label), str(Status(previous).label)]},
    )
    record(
        master,
        actor=actor,
        action=EventAction.MERGE_UNDONE_MASTER,
        at=at,
        note=f"工单 {ticket.number} 撤销并入本单（理由：{reason}）",
        child=ticket.number,
    )
    return ticket
