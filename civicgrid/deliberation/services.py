"""Every change to a deliberation topic: one function per transition, each checking role, scope and state, in one
transaction, with an audit row (`deliberation.*`). The state machine and the 四议两公开 gates are described in
`deliberation.models`."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from civicgrid.core.audit import record_event
from civicgrid.deliberation.errors import DeliberationError
from civicgrid.deliberation.models import DeliberationRule, FourTwoStep, Participant, Topic, TopicAction
from civicgrid.deliberation.scope import require_area
from civicgrid.engagement.models import PairingVisit
from civicgrid.intake.services import ticket_intake
from civicgrid.ledgers.models import Campaign, LedgerItem
from civicgrid.ledgers.services import propose_item
from civicgrid.party.models import PartyOrg
from civicgrid.registry.models import AdminArea, Unit
from civicgrid.routing.vocabulary import RequestType
from civicgrid.tickets.models import Channel, Ticket

S = Topic.State
Step = FourTwoStep.Step

# Legal moves: state → states it may go to (the hypothesis test drives exactly these).
TRANSITIONS = {
    S.COLLECTED: {S.ACCEPTED, S.DECLINED},
    S.ACCEPTED: {S.NOTIFIED},
    S.NOTIFIED: {S.DELIBERATED},
    S.DELIBERATED: {S.PUBLICISED},
    S.PUBLICISED: {S.IMPLEMENTING},
    S.IMPLEMENTING: {S.DONE},
    S.DONE: {S.FED_BACK},
    S.DECLINED: set(),
    S.FED_BACK: set(),
}

# 四议两公开: the state a step may be recorded in, and the step a transition needs.
STEP_STATE = {
    Step.PROPOSE: S.ACCEPTED,
    Step.CONSULT: S.ACCEPTED,
    Step.MEMBERS: S.NOTIFIED,
    Step.RESOLVE: S.NOTIFIED,
    Step.RESOLUTION_PUBLIC: S.DELIBERATED,
    Step.RESULT_PUBLIC: S.DONE,
}
GATES = {
    S.NOTIFIED: Step.CONSULT,
    S.DELIBERATED: Step.RESOLVE,
    S.PUBLICISED: Step.RESOLUTION_PUBLIC,
    S.FED_BACK: Step.RESULT_PUBLIC,
}

# States in which a resolution may set tickets (or ledger items) going.
ACTION_STATES = (S.DELIBERATED, S.PUBLICISED, S.IMPLEMENTING)


def _today(on: date | None) -> date:
    return on or timezone.localdate()


def _text(value: str, label: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise DeliberationError(f"请填写{label}")
    if len(value) > limit:
        raise DeliberationError(f"{label}不能超过{limit}个字")
    return value


def rule_for(area: AdminArea, on: date) -> DeliberationRule:
    """The rule in force on `on` for `area`: the nearest area above it with a rule wins, else the general one."""
    rules = list(DeliberationRule.objects.effective_at(on).order_by("-effective_from", "-pk"))
    chain, node, seen = [], area, set()
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        chain.append(node.pk)
        node = node.parent
    for area_id in chain:
        for rule in rules:
            if rule.area_id == area_id:
                return rule
    for rule in rules:
        if rule.area_id is None:
            return rule
    return DeliberationRule(version="默认", effective_from=on)  # the model's defaults


def _lock(topic: Topic) -> Topic:
    return Topic.objects.select_for_update().select_related("area").get(pk=topic.pk)


def _move(actor, topic: Topic, to: str, *, action: str, verb: str, summary: str = "") -> Topic:
    topic = _lock(topic)
    require_area(actor, topic.area, action=verb)
    if to not in TRANSITIONS[topic.state]:
        raise DeliberationError(f"议题当前为「{topic.get_state_display()}」，不能{verb}")
    gate = GATES.get(to)
    if topic.is_four_two and gate is not None and not topic.four_two_steps.filter(step=gate).exists():
        raise DeliberationError(f"四议两公开须先完成「{Step(gate).label}」，才能{verb}")
    before = topic.get_state_display()
    topic.state = to
    topic._audit = (action, f"{before}→{topic.get_state_display()}{('：' + summary) if summary else ''}")
    return topic


def _save(actor, topic: Topic, fields: list[str]) -> Topic:
    topic.save(update_fields=["state", *fields])
    action, summary = topic._audit
    record_event(actor=actor, action=action, target=topic, summary=summary, state=topic.state)
    return topic


# ------------------------------------------------------------------------------------------------- collecting


@transaction.atomic
def topic_propose(
    *,
    actor,
    area: AdminArea,
    title: str,
    source: str,
    description: str = "",
    level: str = Topic.Level.COMMUNITY,
    form: str = Topic.Form.COUNCIL,
    proposer_name: str = "",
    proposer_phone: str = "",
    party_org: PartyOrg | None = None,
    visit: PairingVisit | None = None,
    tickets=(),
    at: datetime | None = None,
) -> Topic:
    """A topic collected. `actor` is None for a resident proposing on the portal (then the phone is required)."""
    if source not in Topic.Source.values:
        raise DeliberationError("议题来源不正确")
    if level not in Topic.Level.values:
        raise DeliberationError("协商层级不正确（社区/村、小区、网格、跨村）")
    if form not in Topic.Form.values:
        raise DeliberationError("协商形式不正确（议事会、听证会、四议两公开、业主议事、线上协商）")
    if area.level != AdminArea.Level.VILLAGE:
        raise DeliberationError(f"「{area.name}」不是村（社区），请选择村（社区）")
    if form == Topic.Form.FOUR_TWO and not area.is_village:
        raise DeliberationError("四议两公开用于村级事务，请选择村")
    if actor is None:
        if source != Topic.Source.RESIDENT:
            raise DeliberationError("居民只能以居民提议的方式提出议题")
        if not (proposer_phone or "").strip():
            raise DeliberationError("请先登录")
    else:
        require_area(actor, area, action="收集议题")
        if source == Topic.Source.PARTY_ORG and party_org is None:
            raise DeliberationError("请选择提议的党组织")
        if source == Topic.Source.VISIT and visit is None:
            raise DeliberationError("请选择提出问题的结对走访")
    at = at or timezone.now()
    topic = Topic.objects.create(
        title=_text(title, "议题", 100),
        description=(description or "").strip()[:5000],
        source=source,
        proposer_user=actor if getattr(actor, "is_authenticated", False) else None,
        proposer_name=(proposer_name or "").strip()[:50],
        proposer_phone=(proposer_phone or "").strip()[:30],
        party_org=party_org,
        visit=visit,
        area=area,
        level=level,
        form=form,
        collected_at=at,
    )
    tickets = list(tickets)
    if tickets:
        topic.tickets.add(*tickets)
    record_event(
        actor=actor,
        action="deliberation.topic_propose",
        target=topic,
        summary=f"{topic.get_source_display()}：{topic.title}",
        tickets=[t.number for t in tickets],
    )
    return topic


@transaction.atomic
def ticket_to_topic(
    *,
    actor,
    ticket: Ticket,
    topic: Topic | None = None,
    area: AdminArea | None = None,
    title: str = "",
    form: str = Topic.Form.COUNCIL,
    level: str = Topic.Level.COMMUNITY,
    at: datetime | None = None,
) -> Topic:
    """提交协商议事: a ticket (a 12345 hotspot) becomes a new topic, or joins an open one."""
    if topic is not None:
        topic = _lock(topic)
        require_area(actor, topic.area, action="提交协商议事")
        if topic.state not in (S.COLLECTED, S.ACCEPTED, S.NOTIFIED):
            raise DeliberationError("该议题已经协商，不能再并入工单")
        if topic.tickets.filter(pk=ticket.pk).exists():
            raise DeliberationError(f"工单{ticket.number}已在该议题中")
        topic.tickets.add(ticket)
        record_event(
            actor=actor, action="deliberation.ticket_link", target=topic, summary=f"并入工单{ticket.number}"
        )
        return topic
    area = area or ticket.community
    if area is None:
        raise DeliberationError("工单没有所在村（社区），请选择议题所在的村（社区）")
    return topic_propose(
        actor=actor,
        area=area,
        title=title or ticket.title,
        description=ticket.content,
        source=Topic.Source.HOTSPOT,
        level=level,
        form=form,
        tickets=[ticket],
        at=at,
    )


@transaction.atomic
def topic_accept(*, actor, topic: Topic, on: date | None = None) -> Topic:
    topic = _move(actor, topic, S.ACCEPTED, action="deliberation.topic_accept", verb="受理议题")
    topic.accepted_on = _today(on)
    return _save(actor, topic, ["accepted_on"])


@transaction.atomic
def topic_decline(*, actor, topic: Topic, reason: str, on: date | None = None) -> Topic:
    reason = _text(reason, "不予受理的理由", 300)
    topic = _move(
        actor, topic, S.DECLINED, action="deliberation.topic_decline", verb="不予受理", summary=reason
    )
    topic.decline_reason = reason
    topic.declined_on = _today(on)
    return _save(actor, topic, ["decline_reason", "declined_on"])


@transaction.atomic
def topic_notify(*, actor, topic: Topic, meeting_on: date, place: str, on: date | None = None) -> Topic:
    """告知: the notice (公告) goes up on the portal for the configured window, starting the day it is given."""
    on = _today(on)
    place = _text(place, "协商地点", 100)
    if meeting_on < on:
        raise DeliberationError("协商日期不能早于告知日期")
    topic = _move(actor, topic, S.NOTIFIED, action="deliberation.topic_notify", verb="发布议事公告")
    rule = rule_for(topic.area, on)
    topic.notice_on, topic.meeting_on, topic.place = on, meeting_on, place
    topic.notice_until = on + timedelta(days=max(rule.notice_days, 1) - 1)
    return _save(actor, topic, ["notice_on", "notice_until", "meeting_on", "place"])


@transaction.atomic
def topic_deliberate(
    *,
    actor,
    topic: Topic,
    resolution: str,
    votes_for: int = 0,
    votes_against: int = 0,
    votes_abstain: int = 0,
    owner_unit: Unit | None = None,
    owner_name: str = "",
    deadline: date | None = None,
    funding_amount: Decimal | None = None,
    funding_source: str = "",
    on: date | None = None,
) -> Topic:
    on = _today(on)
    resolution = _text(resolution, "协商决议", 5000)
    if min(votes_for, votes_against, votes_abstain) < 0:
        raise DeliberationError("票数不能为负数")
    if owner_unit is None and not (owner_name or "").strip():
        raise DeliberationError("请填写落实单位或责任人")
    if deadline is not None and deadline < on:
        raise DeliberationError("落实时限不能早于决议日期")
    if funding_amount is not None and funding_amount < 0:
        raise DeliberationError("资金金额不能为负数")
    if funding_amount and not (funding_source or "").strip():
        raise DeliberationError("请填写资金来源（例如：镇财政）")
    topic = _move(actor, topic, S.DELIBERATED, action="deliberation.topic_deliberate", verb="登记协商决议")
    if topic.meeting_on and on < topic.meeting_on:
        raise DeliberationError("协商会议尚未召开，不能登记决议")
    if topic.is_four_two:
        step = topic.four_two_steps.get(step=Step.RESOLVE)
        votes_for, votes_against = step.votes_for, step.votes_against
        votes_abstain = max(step.present - step.votes_for - step.votes_against, 0)
    topic.resolution = resolution
    topic.votes_for, topic.votes_against, topic.votes_abstain = votes_for, votes_against, votes_abstain
    topic.owner_unit, topic.owner_name = owner_unit, (owner_name or "").strip()[:50]
    topic.deadline = deadline
    topic.funding_amount, topic.funding_source = funding_amount, (funding_source or "").strip()[:100]
    topic.deliberated_on = on
    return _save(
        actor,
        topic,
        [
            "resolution",
            "votes_for",
            "votes_against",
            "votes_abstain",
            "owner_unit",
            "owner_name",
            "deadline",
            "funding_amount",
            "funding_source",
            "deliberated_on",
        ],
    )


@transaction.atomic
def topic_publicise(*, actor, topic: Topic, on: date | None = None) -> Topic:
    """公示: the resolution goes up on the portal for the configured window."""
    on = _today(on)
    topic = _move(actor, topic, S.PUBLICISED, action="deliberation.topic_publicise", verb="公示决议")
    rule = rule_for(topic.area, on)
    topic.result_on = on
    topic.result_until = on + timedelta(days=max(rule.result_days, 1) - 1)
    return _save(actor, topic, ["result_on", "result_until"])


@transaction.atomic
def topic_implement(*, actor, topic: Topic, on: date | None = None) -> Topic:
    topic = _move(actor, topic, S.IMPLEMENTING, action="deliberation.topic_implement", verb="开始落实")
    topic.implementing_on = _today(on)
    return _save(actor, topic, ["implementing_on"])


@transaction.atomic
def topic_done(*, actor, topic: Topic, on: date | None = None) -> Topic:
    topic = _move(actor, topic, S.DONE, action="deliberation.topic_done", verb="确认落实完成")
    topic.done_on = _today(on)
    return _save(actor, topic, ["done_on"])


@transaction.atomic
def topic_feed_back(*, actor, topic: Topic, feedback: str, on: date | None = None) -> Topic:
    feedback = _text(feedback, "反馈情况", 5000)
    topic = _move(actor, topic, S.FED_BACK, action="deliberation.topic_feed_back", verb="反馈结果")
    topic.feedback = feedback
    topic.fed_back_on = _today(on)
    return _save(actor, topic, ["feedback", "fed_back_on"])


# ------------------------------------------------------------------------------------- participants, steps


@transaction.atomic
def participant_add(*, actor, topic: Topic, kind: str, name: str) -> Participant:
    topic = _lock(topic)
    require_area(actor, topic.area, action="登记参与人")
    if kind not in Participant.Kind.values:
        raise DeliberationError("参与人类别不正确（利益相关方、代表、专家/第三方）")
    if topic.state not in (S.ACCEPTED, S.NOTIFIED):
        raise DeliberationError("只能在受理后、协商前登记参与人")
    participant = Participant.objects.create(topic=topic, kind=kind, name=_text(name, "参与人姓名", 50))
    record_event(
        actor=actor,
        action="deliberation.participant_add",
        target=topic,
        summary=f"{participant.get_kind_display()} {participant.name}",
    )
    return participant


@transaction.atomic
def attendance_record(*, actor, topic: Topic, attended_ids) -> int:
    """出席: the participants present at the meeting (the others absent); only while the topic is notified."""
    topic = _lock(topic)
    require_area(actor, topic.area, action="登记出席")
    if topic.state != S.NOTIFIED:
        raise DeliberationError("只能在告知后、形成决议前登记出席")
    ids = {int(i) for i in attended_ids}
    rows = list(topic.participants.all())
    for row in rows:
        row.attended = row.pk in ids
    Participant.objects.bulk_update(rows, ["attended"])
    present = sum(r.attended for r in rows)
    record_event(
        actor=actor,
        action="deliberation.attendance",
        target=topic,
        summary=f"出席{present}人，共{len(rows)}人",
    )
    return present


def quorum_check(rule: DeliberationRule, *, expected: int, present: int, votes_for: int) -> str:
    """Why a quorum meeting's figures fail, in Chinese; empty when they pass. Exactly the quorum fraction present
    passes; votes for must be more than the majority fraction of those present (exactly half fails)."""
    if expected <= 0:
        return "请填写应到人数"
    if present > expected:
        return "实到人数不能多于应到人数"
    if votes_for > present:
        return "赞成票不能多于实到人数"
    if present * rule.quorum.denominator < expected * rule.quorum.numerator:
        return f"实到{present}人，不足应到{expected}人的{rule.quorum_numerator}/{rule.quorum_denominator}，会议无效"
    if votes_for * rule.majority.denominator <= present * rule.majority.numerator:
        return (
            f"赞成{votes_for}票，未超过实到{present}人的"
            f"{rule.majority_numerator}/{rule.majority_denominator}，未通过"
        )
    return ""


@transaction.atomic
def step_record(
    *,
    actor,
    topic: Topic,
    step: int,
    on: date | None = None,
    expected: int = 0,
    present: int = 0,
    votes_for: int = 0,
    votes_against: int = 0,
    note: str = "",
) -> FourTwoStep:
    """One 四议两公开 step, in order, in the state it belongs to; a meeting step only with its quorum."""
    topic = _lock(topic)
    require_area(actor, topic.area, action="登记四议两公开")
    if not topic.is_four_two:
        raise DeliberationError("该议题不是四议两公开")
    if step not in Step.values:
        raise DeliberationError("步骤不正确")
    step = Step(step)
    done = set(topic.four_two_steps.values_list("step", flat=True))
    if step in done:
        raise DeliberationError(f"「{step.label}」已登记")
    missing = [Step(s).label for s in Step.values if s < step and s not in done]
    if missing:
        raise DeliberationError(f"须按顺序进行：请先完成「{missing[0]}」")
    if topic.state != STEP_STATE[step]:
        raise DeliberationError(
            f"「{step.label}」须在议题「{S(STEP_STATE[step]).label}」时登记，当前为「{topic.get_state_display()}」"
        )
    if min(expected, present, votes_for, votes_against) < 0:
        raise DeliberationError("人数和票数不能为负数")
    if votes_for + votes_against > present and step in FourTwoStep.QUORUM_STEPS:
        raise DeliberationError("赞成与反对票数之和不能多于实到人数")
    on = _today(on)
    if step in FourTwoStep.QUORUM_STEPS:
        problem = quorum_check(
            rule_for(topic.area, on), expected=expected, present=present, votes_for=votes_for
        )
        if problem:
            raise DeliberationError(f"「{step.label}」{problem}")
    last = topic.four_two_steps.order_by("-step").first()
    if last is not None and on < last.on:
        raise DeliberationError(f"日期不能早于上一步骤（{last.on:%Y-%m-%d}）")
    row = FourTwoStep.objects.create(
        topic=topic,
        step=step,
        on=on,
        expected=expected,
        present=present,
        votes_for=votes_for,
        votes_against=votes_against,
        note=(note or "").strip()[:300],
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    summary = step.label + (f"：应到{expected}、实到{present}、赞成{votes_for}" if expected else "")
    record_event(
        actor=actor, action="deliberation.step_record", target=topic, summary=summary, step=int(step)
    )
    return row


# ------------------------------------------------------------------------------------------------ actions


@transaction.atomic
def resolution_to_ticket(
    *,
    actor,
    topic: Topic,
    title: str,
    content: str,
    phone: str,
    name: str = "",
    at: datetime | None = None,
) -> TopicAction:
    """A resolution sets a ticket going, registered through intake as the console's own intake does."""
    topic = _lock(topic)
    require_area(actor, topic.area, action="将决议转为工单")
    if topic.state not in ACTION_STATES:
        raise DeliberationError("形成决议后、落实完成前才能把决议事项转为工单")
    ticket = ticket_intake(
        actor=actor,
        at=at,
        channel=Channel.OTHER,
        request_type=RequestType.HELP,
        title=_text(title, "工单标题", 100),
        content=f"协商议事决议（{topic.area.name}，{topic.title}）：{_text(content, '工单内容', 2000)}",
        requester_name=(name or "").strip()[:50] or topic.area.name,
        requester_phone=_text(phone, "联系电话", 30),
        requester_org=f"{topic.area.name}协商议事",
        address=topic.area.name,
    )
    row = TopicAction.objects.create(
        topic=topic,
        ticket=ticket,
        note=ticket.title,
        created_at=at or timezone.now(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record_event(
        actor=actor,
        action="deliberation.resolution_ticket",
        target=topic,
        summary=f"决议转为工单{ticket.number}",
    )
    return row


@transaction.atomic
def resolution_to_ledger(
    *,
    actor,
    topic: Topic,
    campaign: Campaign,
    problem: str = "",
    lead_unit: Unit | None = None,
    deadline: date | None = None,
    on_list: bool = False,
    at: datetime | None = None,
) -> TopicAction:
    """A resolution becomes a ledger item (source 议事) through the ledgers' own service, which checks that the
    actor may propose to the campaign; the topic's tickets go with it. Lead unit and deadline default to the
    resolution's owner unit and deadline."""
    topic = _lock(topic)
    require_area(actor, topic.area, action="将决议列入问题台账")
    if topic.state not in ACTION_STATES:
        raise DeliberationError("形成决议后、落实完成前才能把决议事项列入问题台账")
    if topic.actions.filter(ledger_item__campaign=campaign).exists():
        raise DeliberationError(f"该议题已列入「{campaign.name}」")
    problem = (
        problem or ""
    ).strip() or f"{topic.area.name}：{topic.title}（协商决议：{topic.resolution[:200]}）"
    item = propose_item(
        actor=actor,
        campaign=campaign,
        problem=problem[:1000],
        source=LedgerItem.Source.DELIBERATION,
        lead_unit=lead_unit or topic.owner_unit,
        deadline=deadline or topic.deadline,
        on_list=on_list,
        tickets=list(topic.tickets.all()),
        **({"at": at} if at else {}),
    )
    row = TopicAction.objects.create(
        topic=topic,
        ledger_item=item,
        note=f"{campaign.name} {item.number}",
        created_at=at or timezone.now(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record_event(
        actor=actor,
        action="deliberation.resolution_ledger",
        target=topic,
        summary=f"决议列入「{campaign.name}」{item.number}",
    )
    return row
