"""Pairings (双联双帮, 挂钩联系, 一对一, 结对共建) and their visits; a finding becomes a ticket (tickets' own
registration service), a need or a micro-wish in one click."""

from datetime import date, datetime

from django.db import transaction

from civicgrid.core.audit import record_event
from civicgrid.engagement.errors import EngagementError
from civicgrid.engagement.models import NeedItem, Pairing, PairingVisit, VisitFinding
from civicgrid.engagement.scope import require_area
from civicgrid.engagement.services._common import require_text
from civicgrid.engagement.services.wishes import need_add, wish_collect
from civicgrid.registry.models import AdminArea, Unit
from civicgrid.routing.vocabulary import RequestType
from civicgrid.tickets.models import Channel
from civicgrid.tickets.services import ticket_register

PAIRED_LEVELS = {AdminArea.Level.VILLAGE}


@transaction.atomic
def pairing_create(
    *,
    actor,
    year: int,
    scheme: str,
    area: AdminArea,
    unit: Unit | None = None,
    leader_name: str = "",
    note: str = "",
) -> Pairing:
    if scheme not in Pairing.Scheme.values:
        raise EngagementError("结对方式不正确（双联双帮、挂钩联系、一对一、结对共建）")
    if area.level not in PAIRED_LEVELS:
        raise EngagementError(f"「{area.name}」不是村（社区）")
    if unit is None and not leader_name.strip():
        raise EngagementError("请填写结对单位或挂钩领导")
    require_area(actor, area, action="登记结对")
    if unit is not None and Pairing.objects.filter(year=year, scheme=scheme, unit=unit, area=area).exists():
        raise EngagementError(f"{unit.name}与{area.name}的{year}年结对已登记")
    pairing = Pairing.objects.create(
        year=year, scheme=scheme, area=area, unit=unit, leader_name=leader_name.strip(), note=note.strip()
    )
    record_event(actor=actor, action="engagement.pairing_create", target=pairing, summary=str(pairing))
    return pairing


@transaction.atomic
def visit_record(
    *,
    actor,
    pairing: Pairing,
    visited_on: date,
    participants: str = "",
    participant_count: int = 1,
    findings: list[str] | tuple = (),
) -> PairingVisit:
    require_area(actor, pairing.area, action="登记结对走访")
    if visited_on.year != pairing.year:
        raise EngagementError(f"走访日期不在结对年度（{pairing.year}年）内")
    if participant_count < 1:
        raise EngagementError("参加人数至少为1")
    visit = PairingVisit.objects.create(
        pairing=pairing,
        visited_on=visited_on,
        participants=participants.strip(),
        participant_count=participant_count,
        findings="\n".join(f.strip() for f in findings if f.strip()),
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    for text in findings:
        if text.strip():
            VisitFinding.objects.create(visit=visit, text=text.strip()[:300])
    record_event(
        actor=actor,
        action="engagement.visit_record",
        target=visit,
        summary=f"{visited_on:%Y-%m-%d}走访{pairing.area.name}",
    )
    return visit


def _lock_finding(finding: VisitFinding) -> VisitFinding:
    finding = (
        VisitFinding.objects.select_for_update().select_related("visit__pairing__area").get(pk=finding.pk)
    )
    if finding.converted:
        raise EngagementError("该问题已转办")
    return finding


@transaction.atomic
def finding_to_ticket(
    *, actor, finding: VisitFinding, phone: str, name: str = "", at: datetime | None = None
):
    """A ticket through tickets' own registration service (the registering worker's contact as requester)."""
    finding = _lock_finding(finding)
    pairing = finding.visit.pairing
    require_area(actor, pairing.area, action="转为工单")
    who = pairing.unit.name if pairing.unit_id else pairing.leader_name
    ticket = ticket_register(
        actor=actor,
        channel=Channel.OTHER,
        request_type=RequestType.HELP,
        title=f"结对走访：{finding.text}"[:100],
        content=f"{pairing.get_scheme_display()}走访（{finding.visit.visited_on:%Y年%m月%d日}，{who}）发现：{finding.text}",
        requester_name=name or who,
        requester_phone=require_text(phone, "联系电话"),
        requester_org=who,
        address=pairing.area.name,
        at=at,
    )
    finding.ticket = ticket
    finding.save(update_fields=["ticket"])
    record_event(
        actor=actor, action="engagement.finding_convert", target=finding, summary=f"转为工单{ticket.number}"
    )
    return ticket


@transaction.atomic
def finding_to_need(*, actor, finding: VisitFinding, on: date | None = None) -> NeedItem:
    finding = _lock_finding(finding)
    need = need_add(
        actor=actor,
        community=finding.visit.pairing.area,
        source=NeedItem.Source.VISIT,
        title=finding.text,
        on=on or finding.visit.visited_on,
    )
    finding.need = need
    finding.save(update_fields=["need"])
    record_event(actor=actor, action="engagement.finding_convert", target=finding, summary="转为需求")
    return need


@transaction.atomic
def finding_to_wish(
    *,
    actor,
    finding: VisitFinding,
    resident_name: str = "",
    resident_phone: str = "",
    at: datetime | None = None,
):
    finding = _lock_finding(finding)
    wish = wish_collect(
        actor=actor,
        community=finding.visit.pairing.area,
        source=NeedItem.Source.VISIT,
        title=finding.text,
        resident_name=resident_name,
        resident_phone=resident_phone,
        at=at,
    )
    finding.wish = wish
    finding.save(update_fields=["wish"])
    record_event(actor=actor, action="engagement.finding_convert", target=finding, summary="转为微心愿")
    return wish
