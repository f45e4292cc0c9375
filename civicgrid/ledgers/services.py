"""Every change to a ledger: one function per transition, each checking its guard (role, scope, state), running in
a transaction on the locked item and writing an ItemEvent (campaigns: an audit row).

States: proposed → listed → taken → in_progress → applied_for_closure → closed (销号); a refused closure goes back
to in_progress. Suspension is an overlay (with a reason) that stops every step but resumption; overdue is derived
(`ledgers.progress`).
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from civicgrid.core.audit import record_event
from civicgrid.core.refusal import refusal_message
from civicgrid.intake.services import ticket_intake
from civicgrid.ledgers import scope
from civicgrid.ledgers.errors import LedgerError
from civicgrid.ledgers.models import Campaign, ItemEvent, ItemTicket, LedgerItem, ProgressReport
from civicgrid.ledgers.progress import item_progress
from civicgrid.registry.models import AdminArea, Unit
from civicgrid.routing.vocabulary import RequestType
from civicgrid.tickets.models import Channel, Ticket
from civicgrid.tickets.services.attachments import check_upload

S = LedgerItem.State
A = ItemEvent.Action

OPTIONAL_FIELDS = {
    "number",
    "batch",
    "co_units",
    "responsible_leader",
    "special_team",
    "deliverables",
    "responsibility_letter_date",
    "is_public",
    "origin_visit",
    "at",
}


def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _event(
    item: LedgerItem, action: str, actor, at: datetime, *, before: str = "", note: str = ""
) -> ItemEvent:
    return ItemEvent.objects.create(
        item=item,
        action=action,
        from_state=before,
        to_state=item.state if before else "",
        note=note[:300],
        actor=_user(actor),
        at=at,
    )


def _lock(item: LedgerItem) -> LedgerItem:
    return (
        LedgerItem.objects.select_for_update(of=("self",))
        .select_related("campaign", "lead_unit")
        .get(pk=item.pk)
    )


def _require_state(item: LedgerItem, *states: str, action: str) -> None:
    if item.state not in states:
        raise LedgerError(f"事项当前为「{item.get_state_display()}」，不能{action}")


def _require_running(item: LedgerItem, *, action: str) -> None:
    if item.suspended:
        raise LedgerError(f"事项已暂停（{item.suspend_reason}），恢复后才能{action}")


def _text(value: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise LedgerError(f"请填写{label}")
    return value


def _move(
    item: LedgerItem, to: str, action: str, actor, at: datetime, note: str = "", **fields
) -> LedgerItem:
    before = item.state
    item.state = to
    for name, value in fields.items():
        setattr(item, name, value)
    item.save(update_fields=["state", *fields])
    _event(item, action, actor, at, before=before, note=note)
    return item


# ----------------------------------------------------------------------------------------------------- campaigns


@transaction.atomic
def campaign_create(
    *,
    actor,
    code: str,
    name: str,
    year: int,
    owner_unit: Unit | None = None,
    area: AdminArea | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Campaign:
    if not (scope.sees_everything(actor) or scope.role_codes(actor) & scope.MANAGER_ROLES):
        raise LedgerError("只有组织部、12345热线中心工作人员可以创建台账")
    code, name = _text(code, "台账编码"), _text(name, "台账名称")
    if not 2000 <= int(year) <= 2100:
        raise LedgerError("年度不正确")
    if area is not None and not scope.sees_everything(actor) and area.pk not in scope.staff_area_ids(actor):
        raise LedgerError(f"您不负责「{area.name}」，不能为其创建台账")
    if Campaign.objects.filter(code=code).exists():
        raise LedgerError(f"台账编码「{code}」已存在")
    campaign = Campaign.objects.create(
        code=code,
        name=name,
        year=int(year),
        owner_unit=owner_unit,
        area=area,
        note=note.strip(),
        created_at=_now(at),
        created_by=_user(actor),
    )
    record_event(actor=actor, action="ledgers.campaign_create", target=campaign, summary=campaign.name)
    return campaign


def next_number(campaign: Campaign) -> str:
    numbers = campaign.items.values_list("number", flat=True)
    highest = max((int(n) for n in numbers if n.isdigit()), default=0)
    return f"{highest + 1:03d}"


# ---------------------------------------------------------------------------------------------------------- items


@transaction.atomic
def propose_item(
    *,
    actor,
    campaign: Campaign,
    problem: str,
    source: str,
    lead_unit: Unit | None = None,
    deadline: date | None = None,
    on_list: bool = False,
    tickets=(),
    **optional,
) -> LedgerItem:
    """A new item in `proposed` (deliberation, a ticket, a visit or a unit's own finding). `optional`: number
    (default the next free one), batch, co_units, responsible_leader, special_team, deliverables,
    responsibility_letter_date, is_public, origin_visit, at. `tickets` are linked as sent to the ledger."""
    unknown = set(optional) - OPTIONAL_FIELDS
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    if source not in LedgerItem.Source.values:
        raise LedgerError("来源不正确（自查、转办、上报、热点、走访、议事）")
    if not scope.may_propose(actor, campaign, lead_unit):
        raise LedgerError(f"您不能向「{campaign.name}」提出问题")
    problem = _text(problem, "问题")
    at = _now(optional.pop("at", None))
    campaign = Campaign.objects.select_for_update().get(
        pk=campaign.pk
    )  # numbers are handed out one at a time
    number = (optional.pop("number", "") or "").strip() or next_number(campaign)
    if campaign.items.filter(number=number).exists():
        raise LedgerError(f"编号「{number}」在本台账中已存在")
    co_units = list(optional.pop("co_units", ()) or ())
    item = LedgerItem.objects.create(
        campaign=campaign,
        number=number,
        problem=problem,
        source=source,
        on_list=bool(on_list),
        lead_unit=lead_unit,
        deadline=deadline,
        created_at=at,
        created_by=_user(actor),
        **optional,
    )
    if co_units:
        item.co_units.set(co_units)
    _event(item, A.PROPOSE, actor, at, note=f"来源：{item.get_source_display()}")
    for ticket in tickets:
        _link(item, ticket, ItemTicket.Direction.SENT, actor, at)
    return item


@transaction.atomic
def item_update(*, actor, item: LedgerItem, at: datetime | None = None, **fields) -> LedgerItem:
    """The campaign owner edits an open item's particulars (lead unit, deadline, list, publicity…)."""
    item = _lock(item)
    scope.require_manager(actor, item.campaign, action="修改事项")
    if set(fields) != {"is_public"}:  # a closed item's result may still be put on (or taken off) the board
        _require_state(item, S.PROPOSED, S.LISTED, S.TAKEN, S.IN_PROGRESS, S.APPLIED, action="修改")
    editable = {
        "problem",
        "on_list",
        "lead_unit",
        "responsible_leader",
        "special_team",
        "deliverables",
        "deadline",
        "is_public",
        "batch",
    }
    unknown = set(fields) - editable - {"co_units"}
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    co_units = fields.pop("co_units", None)
    if "problem" in fields:
        fields["problem"] = _text(fields["problem"], "问题")
    moving = "lead_unit" in fields and fields["lead_unit"] != item.lead_unit
    if moving and item.state not in (S.PROPOSED, S.LISTED):
        raise LedgerError("已揭榜的事项不能更换牵头单位")
    for name, value in fields.items():
        setattr(item, name, value)
    item.save(update_fields=list(fields) or None)
    if co_units is not None:
        item.co_units.set(co_units)
    if set(fields) == {"is_public"}:
        note = "在群众门户张榜公示" if item.is_public else "取消张榜公示"
    else:
        note = "修改事项信息"
    _event(item, A.EDIT, actor, _now(at), note=note)
    return item


@transaction.atomic
def item_list(*, actor, item: LedgerItem, at: datetime | None = None) -> LedgerItem:
    """张榜: the owner accepts a proposed item onto the ledger."""
    item = _lock(item)
    scope.require_manager(actor, item.campaign, action="张榜")
    _require_state(item, S.PROPOSED, action="张榜")
    _require_running(item, action="张榜")
    if item.deadline is None:
        raise LedgerError("请先确定事项时限再张榜")
    return _move(item, S.LISTED, A.LIST, actor, _now(at))


@transaction.atomic
def item_take(
    *,
    actor,
    item: LedgerItem,
    letter_date: date,
    unit: Unit | None = None,
    responsible_leader: str = "",
    at: datetime | None = None,
) -> LedgerItem:
    """揭榜: the lead unit takes the item and signs its target-responsibility letter. An item without a lead
    unit is taken by the unit `unit` the actor acts for, which becomes the lead."""
    item = _lock(item)
    _require_state(item, S.LISTED, action="揭榜")
    _require_running(item, action="揭榜")
    if item.lead_unit_id is None:
        if unit is None:
            raise LedgerError("请选择揭榜单位")
        if not scope.sees_everything(actor) and unit.pk not in scope.unit_ids(actor):
            raise LedgerError(f"您不代表「{unit.name}」，不能以其名义揭榜")
        item.lead_unit = unit
    else:
        scope.require_lead(actor, item, action="揭榜")
    if letter_date is None:
        raise LedgerError("请填写目标责任书签订日期")
    fields = {"lead_unit": item.lead_unit, "responsibility_letter_date": letter_date}
    if responsible_leader.strip():
        fields["responsible_leader"] = responsible_leader.strip()
    return _move(
        item, S.TAKEN, A.TAKE, actor, _now(at), note=f"目标责任书{letter_date:%Y-%m-%d}签订", **fields
    )


@transaction.atomic
def item_start(*, actor, item: LedgerItem, at: datetime | None = None) -> LedgerItem:
    item = _lock(item)
    scope.require_lead(actor, item, action="开始推进")
    _require_state(item, S.TAKEN, action="开始推进")
    _require_running(item, action="开始推进")
    return _move(item, S.IN_PROGRESS, A.START, actor, _now(at))


@transaction.atomic
def item_apply_closure(*, actor, item: LedgerItem, note: str = "", at: datetime | None = None) -> LedgerItem:
    """申请销号: only once the approved progress has reached 100 %."""
    item = _lock(item)
    scope.require_lead(actor, item, action="申请销号")
    _require_state(item, S.IN_PROGRESS, action="申请销号")
    _require_running(item, action="申请销号")
    if item_progress(item) < 100:
        raise LedgerError("审核通过的进度达到100%后才能申请销号")
    return _move(item, S.APPLIED, A.APPLY, actor, _now(at), note=note.strip())


@transaction.atomic
def item_close(*, actor, item: LedgerItem, note: str = "", at: datetime | None = None) -> LedgerItem:
    """销号 by the campaign owner."""
    item = _lock(item)
    scope.require_manager(actor, item.campaign, action="销号")
    _require_state(item, S.APPLIED, action="销号")
    _require_running(item, action="销号")
    at = _now(at)
    return _move(
        item, S.CLOSED, A.CLOSE, actor, at, note=note.strip(), closed_on=timezone.localtime(at).date()
    )


@transaction.atomic
def item_refuse_closure(*, actor, item: LedgerItem, reason: str, at: datetime | None = None) -> LedgerItem:
    item = _lock(item)
    scope.require_manager(actor, item.campaign, action="审核销号")
    _require_state(item, S.APPLIED, action="退回销号申请")
    reason = _text(reason, "不予销号的理由")
    return _move(item, S.IN_PROGRESS, A.REFUSE_CLOSE, actor, _now(at), note=reason)


@transaction.atomic
def item_suspend(*, actor, item: LedgerItem, reason: str, at: datetime | None = None) -> LedgerItem:
    item = _lock(item)
    scope.require_manager(actor, item.campaign, action="暂停事项")
    if item.state == S.CLOSED:
        raise LedgerError("已销号的事项不能暂停")
    if item.suspended:
        raise LedgerError("事项已暂停")
    item.suspended, item.suspend_reason = True, _text(reason, "暂停原因")[:200]
    item.save(update_fields=["suspended", "suspend_reason"])
    _event(item, A.SUSPEND, actor, _now(at), note=item.suspend_reason)
    return item


@transaction.atomic
def item_resume(*, actor, item: LedgerItem, at: datetime | None = None) -> LedgerItem:
    item = _lock(item)
    scope.require_manager(actor, item.campaign, action="恢复事项")
    if not item.suspended:
        raise LedgerError("事项未暂停")
    item.suspended, item.suspend_reason = False, ""
    item.save(update_fields=["suspended", "suspend_reason"])
    _event(item, A.RESUME, actor, _now(at))
    return item


# -------------------------------------------------------------------------------------------------------- reports


@transaction.atomic
def progress_submit(
    *,
    actor,
    item: LedgerItem,
    percent: int,
    narrative: str,
    evidence: File | None = None,
    at: datetime | None = None,
) -> ProgressReport:
    """The lead unit reports progress (a taken item starts moving with its first report)."""
    item = _lock(item)
    scope.require_lead(actor, item, action="填报进度")
    _require_state(item, S.TAKEN, S.IN_PROGRESS, action="填报进度")
    _require_running(item, action="填报进度")
    percent = parse_percent(percent)
    narrative = _text(narrative, "进展情况")
    if item.reports.filter(status=ProgressReport.Status.SUBMITTED).exists():
        raise LedgerError("上一次填报的进度尚未审核，请等待审核后再填报")
    content_type, name = "", ""
    if evidence is not None:
        try:
            content_type = check_upload(evidence.name, evidence)
        except Exception as exc:
            message = refusal_message(exc)
            if message is None:
                raise
            raise LedgerError(message) from None
        name = evidence.name[:200]
    at = _now(at)
    if item.state == S.TAKEN:
        _move(item, S.IN_PROGRESS, A.START, actor, at, note="首次填报进度")
    report = ProgressReport(
        item=item,
        percent=percent,
        narrative=narrative,
        submitted_at=at,
        submitted_by=_user(actor),
        evidence_name=name,
        evidence_type=content_type,
    )
    if evidence is not None:
        report.evidence.save(f"{item.pk}-{int(at.timestamp())}{_suffix(name)}", evidence, save=False)
    report.save()
    _event(item, A.REPORT, actor, at, note=f"填报进度{percent.normalize():f}%")
    return report


def parse_percent(value) -> Decimal:
    """0-100 with at most two decimals; a LedgerError (Chinese) otherwise."""
    try:
        percent = Decimal(str(value).strip().rstrip("%"))
    except (InvalidOperation, ValueError):
        raise LedgerError(f"完成进度「{value}」不是数字（应为0至100）") from None
    if not percent.is_finite() or not 0 <= percent <= 100:
        raise LedgerError(f"完成进度「{value}」应在0至100之间")
    if percent != percent.quantize(Decimal("0.01")):
        raise LedgerError(f"完成进度「{value}」最多保留两位小数")
    return percent.quantize(Decimal("0.01"))


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot >= 0 else ""


def _lock_report(report: ProgressReport) -> ProgressReport:
    report = (
        ProgressReport.objects.select_for_update(of=("self",))
        .select_related("item__campaign")
        .get(pk=report.pk)
    )
    if report.status != ProgressReport.Status.SUBMITTED:
        raise LedgerError("该进度已审核")
    return report


@transaction.atomic
def progress_approve(
    *, actor, report: ProgressReport, note: str = "", at: datetime | None = None
) -> ProgressReport:
    report = _lock_report(report)
    scope.require_manager(actor, report.item.campaign, action="审核进度")
    if report.item.state == S.CLOSED:
        raise LedgerError("事项已销号")
    at = _now(at)
    report.status, report.approver, report.decided_at = ProgressReport.Status.APPROVED, _user(actor), at
    report.decision_note = note.strip()[:300]
    report.save(update_fields=["status", "approver", "decided_at", "decision_note"])
    _event(report.item, A.APPROVE, actor, at, note=f"进度{report.percent.normalize():f}%审核通过")
    return report


@transaction.atomic
def progress_reject(
    *, actor, report: ProgressReport, reason: str, at: datetime | None = None
) -> ProgressReport:
    report = _lock_report(report)
    scope.require_manager(actor, report.item.campaign, action="审核进度")
    at = _now(at)
    report.status, report.approver, report.decided_at = ProgressReport.Status.REJECTED, _user(actor), at
    report.decision_note = _text(reason, "退回理由")[:300]
    report.save(update_fields=["status", "approver", "decided_at", "decision_note"])
    _event(
        report.item,
        A.REJECT,
        actor,
        at,
        note=f"进度{report.percent.normalize():f}%退回：{report.decision_note}",
    )
    return report


# -------------------------------------------------------------------------------------------------------- tickets


def _link(item: LedgerItem, ticket: Ticket, direction: str, actor, at: datetime) -> ItemTicket:
    if ItemTicket.objects.filter(item=item, ticket=ticket).exists():
        raise LedgerError(f"工单{ticket.number}已关联该事项")
    link = ItemTicket.objects.create(
        item=item, ticket=ticket, direction=direction, linked_at=at, linked_by=_user(actor)
    )
    action = A.LINK_TICKET if direction == ItemTicket.Direction.SENT else A.RAISE_TICKET
    _event(item, action, actor, at, note=f"工单{ticket.number}")
    return link


@transaction.atomic
def item_from_ticket(
    *,
    actor,
    ticket: Ticket,
    campaign: Campaign,
    problem: str = "",
    lead_unit: Unit | None = None,
    deadline: date | None = None,
    on_list: bool = False,
    at: datetime | None = None,
) -> LedgerItem:
    """列入问题台账: a ticket (a 12345 hotspot) becomes a proposed item linked to it."""
    if ItemTicket.objects.filter(ticket=ticket, item__campaign=campaign).exists():
        raise LedgerError(f"工单{ticket.number}已列入「{campaign.name}」")
    return propose_item(
        actor=actor,
        campaign=campaign,
        problem=(problem or "").strip() or f"{ticket.title}（工单{ticket.number}）",
        source=LedgerItem.Source.HOTSPOT,
        lead_unit=lead_unit,
        deadline=deadline,
        on_list=on_list,
        tickets=[ticket],
        at=at,
    )


@transaction.atomic
def item_link_ticket(*, actor, item: LedgerItem, ticket: Ticket, at: datetime | None = None) -> ItemTicket:
    item = _lock(item)
    if not (scope.manages(actor, item.campaign) or scope.leads(actor, item)):
        raise LedgerError("只有台账管理单位或牵头单位可以关联工单")
    return _link(item, ticket, ItemTicket.Direction.SENT, actor, _now(at))


@transaction.atomic
def item_raise_ticket(
    *,
    actor,
    item: LedgerItem,
    phone: str,
    name: str = "",
    title: str = "",
    content: str = "",
    at: datetime | None = None,
) -> Ticket:
    """A ticket from an item, through the intake use case the console's intake uses (so it is classified and
    triaged the same way); linked as raised from the item."""
    item = _lock(item)
    if not (scope.manages(actor, item.campaign) or scope.leads(actor, item)):
        raise LedgerError("只有台账管理单位或牵头单位可以将事项转为工单")
    if item.state == S.CLOSED:
        raise LedgerError("已销号的事项不能再转为工单")
    at = _now(at)
    who = item.lead_unit.name if item.lead_unit_id else item.campaign.name
    try:
        ticket = ticket_intake(
            actor=actor,
            at=at,
            channel=Channel.OTHER,
            request_type=RequestType.HELP,
            title=(title.strip() or f"问题台账{item.number}：{item.problem}")[:100],
            content=content.strip() or f"「{item.campaign.name}」事项{item.number}：{item.problem}",
            requester_name=name.strip() or who,
            requester_phone=_text(phone, "联系电话"),
            requester_org=who,
        )
    except Exception as exc:
        message = refusal_message(exc)
        if message is None:
            raise
        raise LedgerError(message) from None
    _link(item, ticket, ItemTicket.Direction.RAISED, actor, at)
    return ticket
