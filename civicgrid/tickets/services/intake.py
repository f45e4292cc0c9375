"""Intake: register, triage (accept, answer directly, decline, transfer an emergency) and merge."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from civicgrid.core.phones import clean_phone
from civicgrid.registry import locate
from civicgrid.registry.models import Role
from civicgrid.routing.models import Category
from civicgrid.routing.vocabulary import RequestType, Urgency
from civicgrid.tickets import resident_sms
from civicgrid.tickets.errors import TicketError
from civicgrid.tickets.models import Channel, EventAction, Status, Ticket, TriageOutcome
from civicgrid.tickets.permissions import require_role
from civicgrid.tickets.services._core import lock_ticket, next_number, now_or, record, require_status

INTAKE_ROLES = (Role.OPERATOR, Role.DISPATCHER, Role.ADMINISTRATOR)


def _validate(fields: dict) -> None:
    errors = {}
    for name, label in (("title", "事件概述"), ("content", "诉求内容")):
        if not (fields.get(name) or "").strip():
            errors[name] = f"请填写{label}"
    if fields.get("request_type") not in RequestType.values:
        errors["request_type"] = "请选择诉求类型（咨询、求助、投诉、举报、建议、表扬）"
    if fields.get("urgency") not in Urgency.values:
        errors["urgency"] = "请选择紧急程度（特急、紧急、一般）"
    if fields.get("channel") not in Channel.values:
        errors["channel"] = "来源渠道不正确"
    phone = fields.get("requester_phone", "")
    if not fields.get("is_anonymous") and not phone:
        errors["requester_phone"] = "请填写联系电话（匿名诉求可不填）"
    elif phone:
        try:
            fields["requester_phone"] = clean_phone(phone)
        except ValidationError as error:
            errors["requester_phone"] = error.messages[0]
    if fields.get("external_id") and not fields.get("external_source"):
        errors["external_id"] = "外部编号须注明来源系统"
    if len(fields.get("external_id", "")) > 100:
        errors["external_id"] = "外部编号不能超过 100 个字符"
    if errors:
        raise ValidationError(errors)


def _place(ticket: Ticket) -> None:
    """Fill grid, community, town and area path from the point, or else from a trusted address match."""
    if ticket.lat is not None and ticket.lon is not None:
        found = locate.locate_point(ticket.lat, ticket.lon)
        grid = found.grid
    elif ticket.address:
        trusted = locate.place_address(ticket.address).trusted
        grid = trusted.grid if trusted else None
        if trusted and trusted.place is not None and trusted.place.lat is not None:
            ticket.lat, ticket.lon = trusted.place.lat, trusted.place.lon
    else:
        grid = None
    if grid is not None:
        ticket.grid = grid
        ticket.community = grid.community
        path = grid.community.ancestors()
        ticket.town = next((a for a in path if a.level == "town"), None)
        ticket.area_path = " / ".join(a.name for a in path)


@transaction.atomic
def ticket_register(
    *,
    actor,
    channel: str,
    request_type: str,
    title: str,
    content: str,
    urgency: str = Urgency.NORMAL,
    category: Category | None = None,
    requester_name: str = "",
    requester_phone: str = "",
    requester_org: str = "",
    is_anonymous: bool = False,
    is_confidential: bool = False,
    preferred_contact: str = "",
    occurred_at: datetime | None = None,
    address: str = "",
    involved_parties: str = "",
    demand: str = "",
    lat: float | None = None,
    lon: float | None = None,
    external_source: str = "",
    external_id: str = "",
    at: datetime | None = None,
) -> Ticket:
    """受理: create a ticket in RECEIVED. `actor` is None for residents' own submissions. A ticket pushed by
    another system keeps that system's code and number (`external_source`, `external_id`)."""
    if actor is not None:
        require_role(actor, *INTAKE_ROLES, Role.GRID_WORKER, Role.GRID_LEADER, action="登记工单")
    at = now_or(at)
    fields = dict(
        channel=channel,
        request_type=request_type,
        urgency=urgency,
        title=title.strip(),
        content=content.strip(),
        requester_name=requester_name.strip(),
        requester_phone=requester_phone.strip(),
        requester_org=requester_org.strip(),
        is_anonymous=is_anonymous,
        is_confidential=is_confidential,
        preferred_contact=preferred_contact,
        occurred_at=occurred_at,
        address=address.strip(),
        involved_parties=involved_parties.strip(),
        demand=demand.strip(),
        lat=lat,
        lon=lon,
        external_source=external_source.strip(),
        external_id=external_id.strip(),
    )
    _validate(fields)
    ticket = Ticket(number=next_number(at), received_at=at, registered_by=actor if actor else None, **fields)
    if category is not None:
        ticket.category, ticket.category_code, ticket.category_version = (
            category,
            category.code,
            category.version,
        )
    try:
        _place(ticket)
    except ValueError as exc:
        raise ValidationError({"lat": str(exc)}) from exc
    ticket.status = Status.RECEIVED
    ticket.version = 1  # the registration is its first version, written with the row
    ticket.save()
    record(
        ticket,
        actor=actor,
        action=EventAction.REGISTERED,
        at=at,
        created=True,
        public=True,
        note="诉求已受理",
        channel=channel,
        grid=ticket.grid.code if ticket.grid else None,
    )
    resident_sms.tell(ticket, "receipt", at=at)
    return ticket


@transaction.atomic
def ticket_accept(
    *, ticket: Ticket, actor, category: Category | None = None, at: datetime | None = None
) -> Ticket:
    """受理结论 ACCEPT: the matter is within 12345's scope and waits for dispatch."""
    require_role(actor, *INTAKE_ROLES, action="受理工单")
    at = now_or(at)
    ticket = lock_ticket(ticket)
    require_status(ticket, Status.RECEIVED, action="受理")
    if category is not None:
        ticket.category, ticket.category_code, ticket.category_version = (
            category,
            category.code,
            category.version,
        )
    if ticket.category_id is None:
        raise TicketError("请先选择业务分类，再转派单")
    ticket.triage_outcome = TriageOutcome.ACCEPT
    record(
        ticket,
        actor=actor,
        action=EventAction.ACCEPTED,
        at=at,
        to_status=Status.PENDING_DISPATCH,
        update_fields=("triage_outcome", "category", "category_code", "category_version"),
        category=ticket.category_code,
    )
    return ticket


@transaction.atomic
def ticket_answer_directly(
    *,
    ticket: Ticket,
    actor,
    answer: str,
    kb_refs: list | None = None,
    category: Category | None = None,
    at: datetime | None = None,
) -> Ticket:
    """即时办结: a consultation answered at intake from the knowledge base. `category` classifies a ticket
    registered without one, so that consultations count in the figures by category."""
    require_role(actor, *INTAKE_ROLES, action="直接答复")
    at = now_or(at)
    ticket = lock_ticket(ticket)
    require_status(ticket, Status.RECEIVED, action="直接答复")
    if not answer.strip():
        raise ValidationError({"answer": "请填写答复内容"})
    ticket.direct_answer, ticket.kb_refs = answer.strip(), list(kb_refs or [])
    ticket.triage_outcome = TriageOutcome.ACCEPT
    if category is not None and ticket.category_id is None:
        ticket.category, ticket.category_code, ticket.category_version = (
            category,
            category.code,
            category.version,
        )
    record(
        ticket,
        actor=actor,
        action=EventAction.ANSWERED_DIRECTLY,
        at=at,
        to_status=Status.DIRECT_ANSWERED,
        public=True,
        note="已直接答复",
        update_fields=(
            "direct_answer",
            "kb_refs",
            "triage_outcome",
            "category",
            "category_code",
            "category_version",
        ),
        kb_refs=ticket.kb_refs,
        category=ticket.category_code,
    )
    return ticket


DECLINE_OUTCOMES = {
    TriageOutcome.REDIRECT_LEGAL: "告知法定途径",
    TriageOutcome.EXPLAIN: "解释说明",
    TriageOutcome.REFER_POLICE: "移送公安机关",
}


@transaction.atomic
def ticket_decline(*, ticket: Ticket, actor, outcome: str, reason: str, at: datetime | None = None) -> Ticket:
    """不予受理 with a triage outcome: legal channel, explanation, or referral to the police."""
    require_role(actor, *INTAKE_ROLES, action="不予受理")
    at = now_or(at)
    if outcome not in DECLINE_OUTCOMES:
        raise ValidationError({"outcome": "请选择：告知法定途径、解释说明或移送公安"})
    if not reason.strip():
        raise ValidationError({"reason": "请填写说明（告知的途径或解释内容）"})
    ticket = lock_ticket(ticket)
    require_status(ticket, Status.RECEIVED, action="不予受理")
    ticket.triage_outcome, ticket.triage_reason = outcome, reason.strip()
    record(
        ticket,
        actor=actor,
        action=EventAction.DECLINED,
        at=at,
        to_status=Status.NOT_ACCEPTED,
        public=True,
        note=f"{DECLINE_OUTCOMES[outcome]}:{reason.strip()}",
        update_fields=("triage_outcome", "triage_reason"),
        outcome=outcome,
    )
    return ticket


EMERGENCY_LINES = {"110": "110 报警服务台", "119": "119 火警", "120": "120 急救", "122": "122 交通事故"}


@transaction.atomic
def ticket_transfer_emergency(
    *, ticket: Ticket, actor, line: str, note: str = "", three_way: bool = False, at: datetime | None = None
) -> Ticket:
    """一键转接: an emergency goes to 110/119/120/122, with the transfer on record."""
    require_role(actor, *INTAKE_ROLES, action="转接紧急热线")
    at = now_or(at)
    if line not in EMERGENCY_LINES:
        raise ValidationError({"line": "请选择 110、119、120 或 122"})
    ticket = lock_ticket(ticket)
    require_status(ticket, Status.RECEIVED, action="转接紧急热线")
    ticket.triage_outcome, ticket.triage_reason = (
        TriageOutcome.TRANSFER_EMERGENCY,
        f"转{EMERGENCY_LINES[line]}",
    )
    record(
        ticket,
        actor=actor,
        action=EventAction.TRANSFERRED,
        at=at,
        to_status=Status.TRANSFERRED,
        public=True,
        note=f"已转{EMERGENCY_LINES[line]}" + ("（三方通话）" if three_way else ""),
        update_fields=("triage_outcome", "triage_reason"),
        line=line,
        three_way=three_way,
        detail=note,
    )
    return ticket


@transaction.atomic
def ticket_merge(
    *, ticket: Ticket, master: Ticket, actor, reason: str = "", at: datetime | None = None
) -> Ticket:
    """并单: a duplicate joins an open master; the requester follows the master's progress."""
    require_role(actor, *INTAKE_ROLES, action="并单")
    at = now_or(at)
    reason = (reason or "").strip()
    if not reason:
        # The centre may undo a merge, and it needs to know why it was made.
        raise TicketError("并单须填写理由")
    if ticket.pk == master.pk:
        raise TicketError("不能把工单并入它自己")
    # Lowest id first: two people merging A into B and B into A at once queue instead of deadlocking.
    first, second = sorted((ticket, master), key=lambda t: t.pk)
    locked = {first.pk: lock_ticket(first), second.pk: lock_ticket(second)}
    ticket, master = locked[ticket.pk], locked[master.pk]
    require_status(ticket, Status.RECEIVED, Status.PENDING_DISPATCH, action="并单")
    if master.status == Status.MERGED or not master.is_open:
        raise TicketError(
            f"主单 {master.number} 当前为「{master.get_status_display()}」，只能并入办理中的工单"
        )
    node, seen = master, {ticket.pk}
    while node is not None:
        if node.pk in seen:
            raise TicketError("并单会形成循环，已拒绝")
        seen.add(node.pk)
        node = node.merged_into
    # What an undo (corrections.ticket_merge_undo) puts back.
    before = {
        "previous_triage_outcome": ticket.triage_outcome,
        "previous_triage_reason": ticket.triage_reason,
        "children": list(Ticket.objects.filter(merged_into=ticket).values_list("pk", flat=True)),
    }
    ticket.merged_into, ticket.triage_outcome = master, TriageOutcome.MERGE
    ticket.triage_reason = reason
    record(
        ticket,
        actor=actor,
        action=EventAction.MERGED,
        at=at,
        to_status=Status.MERGED,
        public=True,
        note=f"已并入工单 {master.number}",
        update_fields=("merged_into", "triage_outcome", "triage_reason"),
        master=master.number,
        **before,
    )
    for child in Ticket.objects.filter(merged_into=ticket):
        child.merged_into = master
        child.save(update_fields=["merged_into", "updated_at"])
    record(
        master,
        actor=actor,
        action=EventAction.MERGE_RECEIVED,
        at=at,
        note=f"工单 {ticket.number} 并入本单",
        child=ticket.number,
    )
    return ticket
