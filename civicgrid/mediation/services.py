"""Every change in mediation is one of these functions: guard (role, scope, state), transaction, audit row.

Ticket links: a dispute-type ticket referred to mediation becomes a case with source 12345工单 and the ticket's clocks
pause (reason 「转人民调解」, through tickets' own clock-pause policy). The ticket resumes as soon as mediation has an
outcome the handler can reply with: the case is declined, reaches an agreement or fails (closing such a case finds
the clock already running). Re-mediation does not pause the ticket again: by then its handler has the outcome.
A case can also raise a new ticket through the same intake service the operators' console uses.
"""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from civicgrid.core import idnumbers
from civicgrid.core.actors import SYSTEM
from civicgrid.core.audit import record_event
from civicgrid.intake.services import ticket_intake
from civicgrid.mediation import rules
from civicgrid.mediation.errors import MediationError
from civicgrid.mediation.models import Agreement, Case, Committee, FollowUp, Mediator, Party, Session
from civicgrid.mediation.selectors import (
    STAFF_ROLES,
    alert_recipients,
    area_ids_for,
    require_case,
    require_committee,
    sees_everything,
)
from civicgrid.notify.services import notify
from civicgrid.registry.models import AdminArea
from civicgrid.registry.selectors import role_codes
from civicgrid.routing.vocabulary import RequestType
from civicgrid.sla.models import PauseReason
from civicgrid.tickets.models import HANDLING_STATUSES, Channel, Ticket
from civicgrid.tickets.services.pauses import may_pause, ticket_pause, ticket_resume

S = Case.State
MEDIATION_PAUSE = "mediation"
DISPUTE_WORDS = ("纠纷", "矛盾", "争议")
COMMITTEE_LEVELS = (AdminArea.Level.VILLAGE, AdminArea.Level.TOWN)

# Which transitions each service makes: the state machine in one table (tests walk it).
TRANSITIONS = {
    "accept": ((S.REGISTERED,), S.ACCEPTED),
    "decline": ((S.REGISTERED,), S.DECLINED),
    "start": ((S.ACCEPTED,), S.MEDIATING),
    "agree": ((S.MEDIATING,), S.AGREEMENT),
    "fail": ((S.MEDIATING,), S.FAILED),
    "perform": ((S.AGREEMENT,), S.PERFORMING),
    "follow_up": ((S.AGREEMENT, S.PERFORMING, S.FOLLOWED_UP), S.FOLLOWED_UP),
    "close": ((S.FOLLOWED_UP, S.FAILED), S.CLOSED),
    "remediate": ((S.AGREEMENT, S.PERFORMING, S.FOLLOWED_UP, S.CLOSED), S.MEDIATING),
}


def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


def _text(value: str, label: str, limit: int = 2000) -> str:
    value = (value or "").strip()
    if not value:
        raise MediationError(f"请填写{label}")
    return value[:limit]


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _audit(actor, action: str, case: Case, summary: str, **payload) -> None:
    record_event(
        actor=actor, action=f"mediation.{action}", target=case, summary=f"{case.number} {summary}", **payload
    )


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("committee__area").get(pk=case.pk)


def _move(actor, case: Case, step: str, *, action: str) -> tuple[Case, str]:
    """Lock the case, check scope and that `step` may leave its state; returns the case and its old state."""
    case = _lock(case)
    require_case(actor, case, action=action)
    sources, _target = TRANSITIONS[step]
    if case.state not in sources:
        raise MediationError(f"案件 {case.number} 当前为「{case.get_state_display()}」，不能{action}")
    return case, case.state


def _set_state(case: Case, step: str, *fields: str) -> None:
    case.state = TRANSITIONS[step][1]
    case.save(update_fields=["state", *fields])


# -------------------------------------------------------------------------------------------------- committees


@transaction.atomic
def committee_create(
    *, actor, area: AdminArea, name: str, established_on: date, phone="", address=""
) -> Committee:
    if area.level not in COMMITTEE_LEVELS:
        raise MediationError(f"「{area.name}」不是村（社区）或乡镇，不能设立人民调解委员会")
    if not sees_everything(actor) and (
        not role_codes(actor) & STAFF_ROLES or area.pk not in area_ids_for(actor)
    ):
        raise MediationError(f"您不负责{area.name}，不能设立人民调解委员会")
    committee = Committee.objects.create(
        area=area,
        name=_text(name, "委员会名称", 100),
        established_on=established_on,
        phone=phone,
        address=address,
    )
    record_event(actor=actor, action="mediation.committee_create", target=committee, summary=committee.name)
    return committee


@transaction.atomic
def mediator_add(
    *,
    actor,
    committee: Committee,
    name: str,
    gender: str,
    kind: str = Mediator.Kind.PART_TIME,
    post: str = Mediator.Post.MEDIATOR,
    phone: str = "",
    is_minority: bool = False,
    joined_on: date,
    user=None,
) -> Mediator:
    require_committee(actor, committee, action="登记调解员")
    if gender not in (idnumbers.MALE, idnumbers.FEMALE):
        raise MediationError("请选择调解员性别")
    if kind not in Mediator.Kind.values:
        raise MediationError("调解员类别不正确（专职、兼职、乡贤五老）")
    if post not in Mediator.Post.values:
        raise MediationError("职务不正确（主任、副主任、委员、调解员）")
    mediator = Mediator.objects.create(
        committee=committee,
        name=_text(name, "调解员姓名", 50),
        gender=gender,
        kind=kind,
        post=post,
        phone=(phone or "").strip()[:20],
        is_minority=is_minority,
        joined_on=joined_on,
        user=user,
    )
    record_event(
        actor=actor,
        action="mediation.mediator_add",
        target=mediator,
        summary=f"{committee.name}：{mediator.masked_name}（{mediator.get_post_display()}）",
    )
    return mediator


@transaction.atomic
def mediator_leave(*, actor, mediator: Mediator, left_on: date) -> Mediator:
    mediator = Mediator.objects.select_for_update().select_related("committee").get(pk=mediator.pk)
    require_committee(actor, mediator.committee, action="办理调解员离任")
    if mediator.left_on is not None:
        raise MediationError(f"{mediator.masked_name}已离任")
    if left_on < mediator.joined_on:
        raise MediationError("离任日期不能早于聘任日期")
    mediator.left_on = left_on
    mediator.save(update_fields=["left_on"])
    record_event(
        actor=actor, action="mediation.mediator_leave", target=mediator, summary=mediator.masked_name
    )
    return mediator


# ------------------------------------------------------------------------------------------------ registering


def _next_number(year: int) -> str:
    prefix = f"TJ{year}"
    last = (
        Case.objects.select_for_update()
        .filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{(int(last[len(prefix) :]) + 1 if last else 1):05d}"


def _parties(case: Case, parties: list[dict]) -> None:
    if not parties:
        raise MediationError("请至少填写一方当事人")
    rows = []
    for i, p in enumerate(parties, 1):
        name = (p.get("name") or "").strip()
        if not name:
            raise MediationError(f"第 {i} 位当事人：请填写姓名或名称")
        raw_id = (p.get("id_number") or "").strip()
        number = idnumbers.parse(raw_id).number if raw_id else ""
        side = p.get("side") or (Party.Side.APPLICANT if i == 1 else Party.Side.RESPONDENT)
        if side not in Party.Side.values:
            raise MediationError(f"第 {i} 位当事人：请选择申请人或被申请人")
        rows.append(
            Party(
                case=case,
                side=side,
                name=name[:100],
                phone=(p.get("phone") or "").strip()[:20],
                id_encrypted=idnumbers.encrypt(number) if number else "",
                id_masked=idnumbers.mask(number) if number else "",
                address=(p.get("address") or "").strip()[:200],
            )
        )
    Party.objects.bulk_create(rows)


def _register(
    *,
    actor,
    committee: Committee,
    source: str,
    dispute_type: str,
    title: str,
    facts: str,
    parties: list[dict],
    matters: str = "",
    ticket: Ticket | None = None,
    applicant_phone: str = "",
    at: datetime | None = None,
) -> Case:
    at = _now(at)
    if source not in Case.Source.values:
        raise MediationError("案件来源不正确")
    if dispute_type not in Case.DisputeType.values:
        raise MediationError("请选择纠纷类型")
    if committee.dissolved_on is not None and committee.dissolved_on <= timezone.localtime(at).date():
        raise MediationError(f"「{committee.name}」已撤销，不能登记案件")
    case = Case.objects.create(
        number=_next_number(timezone.localtime(at).year),
        committee=committee,
        source=source,
        dispute_type=dispute_type,
        title=_text(title, "纠纷概述", 100),
        facts=_text(facts, "纠纷事实"),
        matters=(matters or "").strip()[:2000],
        ticket=ticket,
        applicant_phone=applicant_phone,
        registered_at=at,
        registered_by=_user(actor),
    )
    _parties(case, parties)
    _audit(actor, "register", case, f"登记（{case.get_source_display()}）", source=source)
    return case


@transaction.atomic
def case_register(*, actor, committee: Committee, source: str, at: datetime | None = None, **fields) -> Case:
    """Staff register a dispute: the committee's own mediators, or the community's and town's workers (a grid
    worker handing over a dispute found on patrol: source 网格员移交)."""
    if source in (Case.Source.TICKET, Case.Source.APPLICATION):
        raise MediationError("12345 工单请在工单页面「转人民调解」，当事人申请请由居民在门户提交")
    require_committee(actor, committee, action="登记调解案件")
    return _register(actor=actor, committee=committee, source=source, at=at, **fields)


@transaction.atomic
def case_apply(
    *,
    phone: str,
    committee: Committee,
    dispute_type: str,
    title: str,
    facts: str,
    name: str,
    respondent: str = "",
    address: str = "",
    at: datetime | None = None,
) -> Case:
    """A resident's own application from the portal (signed in with `phone`)."""
    if not phone:
        raise MediationError("请先用手机号登录")
    parties = [{"side": Party.Side.APPLICANT, "name": name, "phone": phone, "address": address}]
    if (respondent or "").strip():
        parties.append({"side": Party.Side.RESPONDENT, "name": respondent})
    return _register(
        actor=None,
        committee=committee,
        source=Case.Source.APPLICATION,
        dispute_type=dispute_type,
        title=title,
        facts=facts,
        parties=parties,
        applicant_phone=phone,
        at=at,
    )


def is_dispute_ticket(ticket: Ticket) -> bool:
    """A ticket whose category (or a category above it) names a dispute: 邻里纠纷, 劳动争议, 矛盾调处 ..."""
    category = ticket.category
    while category is not None:
        if any(word in category.name for word in DISPUTE_WORDS):
            return True
        category = category.parent
    return False


@transaction.atomic
def refer_ticket(
    *,
    actor,
    ticket: Ticket,
    committee: Committee,
    dispute_type: str,
    note: str,
    facts: str = "",
    at: datetime | None = None,
) -> Case:
    """转人民调解: a case with source 12345工单, the requester as applicant, the ticket's clocks paused."""
    at = _now(at)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if not may_pause(actor, ticket):
        raise MediationError("仅限主办单位的办理人员和 12345 派单员将工单转人民调解")
    if not is_dispute_ticket(ticket):
        raise MediationError(f"工单 {ticket.number} 不是矛盾纠纷类诉求，不能转人民调解")
    if ticket.status not in HANDLING_STATUSES:
        raise MediationError(f"工单 {ticket.number} 当前为「{ticket.get_status_display()}」，不在办理中")
    if Case.objects.filter(ticket=ticket).exclude(state__in=(S.DECLINED, S.CLOSED)).exists():
        raise MediationError(f"工单 {ticket.number} 已转人民调解")
    reason = PauseReason.objects.filter(code=MEDIATION_PAUSE, is_active=True).first()
    if reason is None:
        raise MediationError("未配置「转人民调解」暂停计时原因，请联系管理员")
    parties = [
        {
            "side": Party.Side.APPLICANT,
            "name": ticket.requester_name or "匿名诉求人",
            "phone": ticket.requester_phone,
            "address": ticket.address,
        }
    ]
    if ticket.involved_parties:
        parties.append({"side": Party.Side.RESPONDENT, "name": ticket.involved_parties[:100]})
    case = _register(
        actor=actor,
        committee=committee,
        source=Case.Source.TICKET,
        dispute_type=dispute_type,
        title=ticket.title,
        facts=facts or ticket.content,
        matters=ticket.demand,
        parties=parties,
        ticket=ticket,
        at=at,
    )
    if ticket.paused_at is None:
        ticket_pause(
            ticket=ticket,
            actor=actor,
            reason=reason,
            note=f"转{committee.name}调解（案件 {case.number}）：{_text(note, '转调解说明', 200)}",
            at=at,
        )
        case.ticket_paused = True
        case.save(update_fields=["ticket_paused"])
    return case


def _resume_ticket(case: Case, at: datetime) -> None:
    """The outcome is known: the ticket's clocks run again (as the system: the mediator need not be its handler)."""
    if not case.ticket_paused or case.ticket_id is None:
        return
    ticket = Ticket.objects.get(pk=case.ticket_id)
    if ticket.paused_at is not None and ticket.pause_reason and ticket.pause_reason.code == MEDIATION_PAUSE:
        ticket_resume(
            ticket=ticket,
            actor=SYSTEM,
            note=f"人民调解案件 {case.number}「{case.get_state_display()}」",
            at=at,
        )
    case.ticket_paused = False
    case.save(update_fields=["ticket_paused"])


@transaction.atomic
def raise_ticket(
    *, actor, case: Case, title: str, content: str, phone: str, at: datetime | None = None
) -> Ticket:
    """A matter found in mediation for a department (e.g. a wall to repair): a 12345 ticket through the intake
    service the operators' console uses, the requester being the worker's contact given here."""
    case = _lock(case)
    require_case(actor, case, action="转为工单")
    ticket = ticket_intake(
        actor=actor,
        at=_now(at),
        channel=Channel.OTHER,
        request_type=RequestType.HELP,
        title=_text(title, "工单标题", 100),
        content=f"人民调解案件 {case.number}（{case.committee.name}）：{_text(content, '工单内容')}",
        requester_name=case.committee.name[:50],
        requester_phone=_text(phone, "联系电话", 20),
        requester_org=case.committee.name[:100],
        address=case.committee.area.name,
    )
    case.raised_tickets.add(ticket)
    _audit(actor, "raise_ticket", case, f"转为工单 {ticket.number}", ticket=ticket.number)
    return ticket


# --------------------------------------------------------------------------------------------------- the case


@transaction.atomic
def case_accept(*, actor, case: Case, on: date | None = None, at: datetime | None = None) -> Case:
    at = _now(at)
    case, old = _move(actor, case, "accept", action="受理")
    on = on or timezone.localtime(at).date()
    case.accepted_on, case.deadline = on, rules.mediation_deadline(on)
    _set_state(case, "accept", "accepted_on", "deadline")
    _audit(actor, "accept", case, f"受理，调解期限至{case.deadline:%Y-%m-%d}", from_state=old)
    return case


@transaction.atomic
def case_decline(*, actor, case: Case, reason: str, at: datetime | None = None) -> Case:
    at = _now(at)
    case, old = _move(actor, case, "decline", action="不予受理")
    case.declined_reason = _text(reason, "不予受理的原因", 300)
    case.concluded_on = timezone.localtime(at).date()
    _set_state(case, "decline", "declined_reason", "concluded_on")
    _audit(actor, "decline", case, f"不予受理：{case.declined_reason}", from_state=old)
    _resume_ticket(case, at)
    return case


@transaction.atomic
def assign_mediators(*, actor, case: Case, mediators: list[Mediator], at: datetime | None = None) -> Case:
    """指派调解员: only mediators on this committee's roll."""
    case = _lock(case)
    require_case(actor, case, action="指派调解员")
    if case.state not in (S.REGISTERED, S.ACCEPTED, S.MEDIATING):
        raise MediationError(f"案件 {case.number} 当前为「{case.get_state_display()}」，不能指派调解员")
    if not mediators:
        raise MediationError("请至少选择一名调解员")
    day = timezone.localtime(_now(at)).date()
    allowed = set(Mediator.objects.on_roll(day).filter(committee=case.committee).values_list("pk", flat=True))
    strangers = [m for m in mediators if m.pk not in allowed]
    if strangers:
        names = "、".join(m.masked_name for m in strangers)
        raise MediationError(f"{names}不是{case.committee.name}在册的调解员")
    case.mediators.set(mediators)
    _audit(actor, "assign", case, "指派调解员：" + "、".join(m.masked_name for m in mediators))
    return case


@transaction.atomic
def case_start(*, actor, case: Case, at: datetime | None = None) -> Case:
    case, old = _move(actor, case, "start", action="开始调解")
    if not case.mediators.exists():
        raise MediationError("请先指派调解员")
    _set_state(case, "start")
    _audit(actor, "start", case, "开始调解", from_state=old)
    return case


@transaction.atomic
def session_record(*, actor, case: Case, held_on: date, place: str, attendees: str, notes: str) -> Session:
    case = _lock(case)
    require_case(actor, case, action="记录调解笔录")
    if case.state != S.MEDIATING:
        raise MediationError(f"案件 {case.number} 当前为「{case.get_state_display()}」，不在调解中")
    if case.accepted_on and held_on < case.accepted_on:
        raise MediationError("调解日期不能早于受理日期")
    session = Session.objects.create(
        case=case,
        held_on=held_on,
        place=_text(place, "调解地点", 200),
        attendees=_text(attendees, "参加人员", 300),
        notes=_text(notes, "调解笔录", 20000),
        recorded_by=_user(actor),
    )
    _audit(actor, "session", case, f"调解笔录（{held_on:%Y-%m-%d}）")
    return session


@transaction.atomic
def case_extend(*, actor, case: Case, until: date, consent: str) -> Case:
    """延长调解期限 with the parties' consent (recorded in words: who agreed, how)."""
    case = _lock(case)
    require_case(actor, case, action="延长调解期限")
    if case.state not in (S.ACCEPTED, S.MEDIATING):
        raise MediationError(f"案件 {case.number} 当前为「{case.get_state_display()}」，不能延长调解期限")
    consent = _text(consent, "当事人同意延期的情况", 300)
    if case.deadline and until <= case.deadline:
        raise MediationError(f"新的期限应晚于现有期限（{case.deadline:%Y-%m-%d}）")
    old = case.deadline
    case.deadline, case.extensions, case.overdue_alerted_at = until, case.extensions + 1, None
    case.save(update_fields=["deadline", "extensions", "overdue_alerted_at"])
    _audit(
        actor,
        "extend",
        case,
        f"经当事人同意延长调解期限至{until:%Y-%m-%d}",
        consent=consent,
        previous=old.isoformat() if old else "",
    )
    return case


@transaction.atomic
def case_agree(
    *,
    actor,
    case: Case,
    content: str,
    performance_manner: str,
    performance_deadline: date,
    signed_on: date,
    responsibilities: str = "",
    at: datetime | None = None,
) -> Agreement:
    """达成调解协议 (written, 人民调解法 Art.29); the judicial-confirmation window runs from signing."""
    at = _now(at)
    case, old = _move(actor, case, "agree", action="登记调解协议")
    if performance_deadline < signed_on:
        raise MediationError("履行期限不能早于协议签订日期")
    agreement = Agreement.objects.create(
        case=case,
        content=_text(content, "协议内容", 10000),
        responsibilities=(responsibilities or "").strip()[:5000],
        performance_manner=_text(performance_manner, "履行方式", 300),
        performance_deadline=performance_deadline,
        signed_on=signed_on,
        judicial_due_on=rules.judicial_due(signed_on),
    )
    case.concluded_on = signed_on
    _set_state(case, "agree", "concluded_on")
    _audit(actor, "agree", case, f"达成调解协议（{signed_on:%Y-%m-%d}签订）", from_state=old)
    _resume_ticket(case, at)
    return agreement


@transaction.atomic
def case_fail(*, actor, case: Case, reason: str, at_risk: bool = False, at: datetime | None = None) -> Case:
    """调解不成: the parties are advised to go to court (or arbitration); a dispute that may turn worse is flagged
    and the committee, the community and the town are alerted at once."""
    at = _now(at)
    case, old = _move(actor, case, "fail", action="登记调解不成")
    case.failed_reason = _text(reason, "调解不成的原因", 300)
    case.at_risk = at_risk
    case.concluded_on = timezone.localtime(at).date()
    _set_state(case, "fail", "failed_reason", "at_risk", "concluded_on")
    _audit(
        actor,
        "fail",
        case,
        "调解不成，已告知当事人可依法提起诉讼" + ("（有激化风险）" if at_risk else ""),
        from_state=old,
        at_risk=at_risk,
    )
    if at_risk:
        _alert_risk(case, at, f"调解不成：{case.failed_reason}")
    _resume_ticket(case, at)
    return case


def _alert_risk(case: Case, at: datetime, why: str = "") -> None:
    notify(
        recipients=alert_recipients(case.committee),
        kind="mediation_at_risk",
        title=f"矛盾纠纷有激化风险：{case.number}（{case.committee.name}）",
        body=f"{case.title}。{why or case.failed_reason}。请落实稳控措施。",
        at=at,
    )


@transaction.atomic
def mark_at_risk(*, actor, case: Case, at_risk: bool, note: str = "", at: datetime | None = None) -> Case:
    at = _now(at)
    case = _lock(case)
    require_case(actor, case, action="标记激化风险")
    if case.at_risk == at_risk:
        return case
    case.at_risk = at_risk
    case.save(update_fields=["at_risk"])
    _audit(actor, "risk", case, "标记有激化风险" if at_risk else "解除激化风险标记", note=note)
    if at_risk:
        _alert_risk(case, at, note or "调解中发现激化风险")
    return case


@transaction.atomic
def case_perform(*, actor, case: Case) -> Case:
    case, old = _move(actor, case, "perform", action="登记开始履行")
    _set_state(case, "perform")
    _audit(actor, "perform", case, "协议开始履行", from_state=old)
    return case


@transaction.atomic
def judicial_applied(*, actor, case: Case, on: date) -> Agreement:
    case = _lock(case)
    require_case(actor, case, action="登记司法确认申请")
    agreement = case.agreements.filter(is_void=False).first()
    if agreement is None:
        raise MediationError("该案件没有有效的调解协议")
    if on < agreement.signed_on:
        raise MediationError("申请日期不能早于协议签订日期")
    agreement.judicial_applied_on = on
    agreement.save(update_fields=["judicial_applied_on"])
    _audit(actor, "judicial", case, f"当事人已于{on:%Y-%m-%d}共同申请司法确认")
    return agreement


@transaction.atomic
def follow_up(*, actor, case: Case, on: date, way: str, performed: bool, notes: str = "") -> FollowUp:
    """回访 by a visit or a call; the case is then 已回访 (more visits may follow before closing)."""
    case, old = _move(actor, case, "follow_up", action="登记回访")
    if way not in FollowUp.Way.values:
        raise MediationError("请选择回访方式（上门或电话）")
    if case.concluded_on and on < case.concluded_on:
        raise MediationError("回访日期不能早于协议签订日期")
    row = FollowUp.objects.create(
        case=case,
        on=on,
        way=way,
        performed=performed,
        notes=(notes or "").strip()[:2000],
        recorded_by=_user(actor),
    )
    _set_state(case, "follow_up")
    _audit(
        actor,
        "follow_up",
        case,
        f"{row.get_way_display()}（{'已履行' if performed else '未履行'}）",
        from_state=old,
    )
    return row


@transaction.atomic
def case_close(*, actor, case: Case, at: datetime | None = None) -> Case:
    at = _now(at)
    case, old = _move(actor, case, "close", action="结案")
    case.closed_on = timezone.localtime(at).date()
    _set_state(case, "close", "closed_on")
    _audit(actor, "close", case, "结案归档", from_state=old)
    _resume_ticket(case, at)
    return case


@transaction.atomic
def case_remediate(*, actor, case: Case, reason: str, at: datetime | None = None) -> Case:
    """重新调解 when the agreement turns out unlawful or unfair, or is not performed: the agreement is void, a new
    time limit runs from today."""
    at = _now(at)
    case, old = _move(actor, case, "remediate", action="重新调解")
    reason = _text(reason, "重新调解的原因", 300)
    case.agreements.filter(is_void=False).update(is_void=True)
    today = timezone.localtime(at).date()
    case.remediations += 1
    case.deadline, case.concluded_on, case.closed_on, case.overdue_alerted_at = (
        rules.mediation_deadline(today),
        None,
        None,
        None,
    )
    _set_state(
        case, "remediate", "remediations", "deadline", "concluded_on", "closed_on", "overdue_alerted_at"
    )
    _audit(actor, "remediate", case, f"重新调解：{reason}", from_state=old, reason=reason)
    return case
