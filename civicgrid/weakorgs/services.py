"""Every change to 软弱涣散 records: one function per change, each checking its guard (role, scope, state), running in
a transaction on the locked row and writing a PlanEvent (candidates: an audit row).

The scan only proposes: it writes candidates with their reasons and never confirms or dismisses one. A person of
the 组织部 confirms (a plan follows, state identified) or dismisses with a reason, or names an organisation without
criteria (with a reason).

Plan states (domain-party §4.4): identified → approved → rectifying → applied_for_acceptance → accepted (摘牌);
extended (a new time limit and a reason) from approved, rectifying, applied_for_acceptance or extended, after which
the plan goes on as in rectifying; a refused acceptance goes back to rectifying. Overdue is derived
(`weakorgs.progress`).
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from civicgrid.core.audit import record_event
from civicgrid.party.models import PartyOrg
from civicgrid.party.selectors import area_subtree_ids
from civicgrid.registry.models import AdminArea
from civicgrid.weakorgs import scope
from civicgrid.weakorgs.criteria import Finding, evaluate
from civicgrid.weakorgs.errors import WeakOrgRefusal
from civicgrid.weakorgs.models import Candidate, PlanEvent, PlanItem, ProgressNote, RectificationPlan

S = RectificationPlan.State
A = PlanEvent.Action
GOING = (S.RECTIFYING, S.EXTENDED)  # states in which the work is done


def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _text(value: str, label: str, limit: int = 300) -> str:
    value = (value or "").strip()
    if not value:
        raise WeakOrgRefusal(f"请填写{label}")
    if len(value) > limit:
        raise WeakOrgRefusal(f"{label}不能超过 {limit} 个字")
    return value


def _require_decides(actor, org: PartyOrg, action: str) -> None:
    if not scope.decides(actor, org):
        raise WeakOrgRefusal(f"您不负责「{org.name}」，不能{action}")


def _require_works(actor, plan: RectificationPlan, action: str) -> None:
    """The organisation's 书记 or the 组织部 in scope."""
    if not (scope.decides(actor, plan.org) or scope.leads(actor, plan.org_id)):
        raise WeakOrgRefusal(f"只有「{plan.org.name}」的书记或组织部工作人员可以{action}")


def _require_state(plan: RectificationPlan, *states: str, action: str) -> None:
    if plan.state not in states:
        raise WeakOrgRefusal(f"整顿方案当前为「{plan.get_state_display()}」，不能{action}")


def _lock(plan: RectificationPlan) -> RectificationPlan:
    return RectificationPlan.objects.select_for_update(of=("self",)).select_related("org").get(pk=plan.pk)


def _event(plan, action: str, actor, at: datetime, *, before: str = "", note: str = "") -> PlanEvent:
    return PlanEvent.objects.create(
        plan=plan,
        action=action,
        from_state=before,
        to_state=plan.state if before else "",
        note=note[:300],
        actor=_user(actor),
        at=at,
    )


def _move(plan, to: str, action: str, actor, at: datetime, note: str = "", **fields) -> RectificationPlan:
    before = plan.state
    plan.state = to
    for name, value in fields.items():
        setattr(plan, name, value)
    plan.save(update_fields=["state", *fields])
    _event(plan, action, actor, at, before=before, note=note)
    return plan


# ------------------------------------------------------------------------------------------------------ scan


@dataclass
class ScanResult:
    as_of: date
    findings: list[Finding] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # under rectification already, or dismissed this year for the same reasons
    no_longer: int = 0  # open candidates in scope that this scan did not find again (left for a person)


@transaction.atomic
def scan(*, actor, area: AdminArea | None = None, as_of: date | None = None, at: datetime | None = None):
    """Find the organisations in `actor`'s scope (and `area`'s subtree) meeting a criterion on `as_of` and keep
    one open candidate each with the latest reasons. Skips an organisation whose plan is not yet accepted, and one
    dismissed this year for the same criteria."""
    at = _now(at)
    day = as_of or timezone.localdate()
    orgs = scope.decided_orgs(actor)
    if area is not None:
        if not scope.decides_area(actor, area):
            raise WeakOrgRefusal(f"您不负责「{area.name}」，不能排查")
        orgs = orgs.filter(area_id__in=area_subtree_ids([area]))
    findings = evaluate(orgs, day)
    result = ScanResult(as_of=day, findings=sorted(findings.values(), key=lambda f: f.org.code))
    ids = list(findings)
    under_way = set(
        RectificationPlan.objects.filter(org_id__in=ids)
        .exclude(state=S.ACCEPTED)
        .values_list("org_id", flat=True)
    )
    dismissed: dict[int, set[frozenset]] = {}
    for org_id, reasons in Candidate.objects.filter(
        org_id__in=ids, state=Candidate.State.DISMISSED, decided_at__year=day.year
    ).values_list("org_id", "reasons"):
        dismissed.setdefault(org_id, set()).add(frozenset(r.get("code") for r in reasons or []))
    open_rows = {
        c.org_id: c
        for c in Candidate.objects.select_for_update().filter(org__in=orgs, state=Candidate.State.OPEN)
    }
    new, changed, touched = [], [], []
    for finding in result.findings:
        pk = finding.org.pk
        reasons = [r.as_dict() for r in finding.reasons]
        codes = frozenset(r.code for r in finding.reasons)
        candidate = open_rows.pop(pk, None)
        if candidate is None:
            if pk in under_way or codes in dismissed.get(pk, set()):
                result.skipped += 1
                continue
            candidate = Candidate(
                org=finding.org, reasons=reasons, as_of=day, first_found_at=at, scanned_at=at
            )
            new.append(candidate)
        elif candidate.reasons != reasons or not candidate.still_met:
            candidate.reasons, candidate.still_met = reasons, True
            changed.append(candidate)
        else:
            touched.append(candidate)
        candidate.as_of, candidate.scanned_at = day, at
        result.candidates.append(candidate)
    # In bulk: a province's scan finds thousands of organisations.
    Candidate.objects.bulk_create(new, batch_size=1000)
    Candidate.objects.bulk_update(changed, ["reasons", "as_of", "scanned_at", "still_met"], batch_size=1000)
    Candidate.objects.bulk_update(touched, ["as_of", "scanned_at"], batch_size=1000)
    result.created, result.updated, result.unchanged = len(new), len(changed), len(touched)
    gone = [c for c in open_rows.values() if not c.manual and c.still_met]
    for candidate in gone:
        candidate.still_met = False
    Candidate.objects.bulk_update(gone, ["still_met"], batch_size=1000)
    result.no_longer = len(open_rows)
    record_event(
        actor=actor,
        action="weakorgs.scan",
        summary=f"排查日期 {day:%Y-%m-%d}：候选 {len(result.candidates)} 个，新增 {result.created} 个",
        as_of=day.isoformat(),
        area=area.code if area else "",
        created=result.created,
        updated=result.updated,
        skipped=result.skipped,
    )
    return result


# ------------------------------------------------------------------------------------------------- decisions


def _new_plan(org, candidate, year: int, batch: str, actor, at: datetime, note: str) -> RectificationPlan:
    if not 2000 <= int(year) <= 2100:
        raise WeakOrgRefusal("年度不正确")
    open_plan = RectificationPlan.objects.filter(org=org).exclude(state=S.ACCEPTED).first()
    if open_plan is not None:
        raise WeakOrgRefusal(f"「{org.name}」{open_plan.year}年的整顿尚未验收摘牌，不能重复认定")
    if RectificationPlan.objects.filter(org=org, year=year).exists():
        raise WeakOrgRefusal(f"「{org.name}」已有{year}年的整顿方案")
    reasons = "；".join(candidate.reason_texts) if not candidate.manual else candidate.decision_note
    plan = RectificationPlan.objects.create(
        org=org,
        candidate=candidate,
        year=int(year),
        batch=(batch or "").strip()[:40] or f"{year}年",
        org_setup=org.setup,
        reasons=reasons or note,
        created_at=at,
        created_by=_user(actor),
    )
    _event(plan, A.IDENTIFY, actor, at, note=note or reasons)
    return plan


@transaction.atomic
def candidate_confirm(
    *, actor, candidate: Candidate, year: int, batch: str = "", note: str = "", at: datetime | None = None
) -> RectificationPlan:
    """认定为软弱涣散党组织: the candidate is confirmed and the plan starts as identified."""
    at = _now(at)
    candidate = Candidate.objects.select_for_update().select_related("org").get(pk=candidate.pk)
    _require_decides(actor, candidate.org, "认定")
    if candidate.state != Candidate.State.OPEN:
        raise WeakOrgRefusal(f"该候选已{candidate.get_state_display()}，不能再认定")
    candidate.state = Candidate.State.CONFIRMED
    candidate.decided_at, candidate.decided_by = at, _user(actor)
    candidate.decision_note = (note or "").strip()[:300]
    candidate.save(update_fields=["state", "decided_at", "decided_by", "decision_note"])
    plan = _new_plan(candidate.org, candidate, year, batch, actor, at, candidate.decision_note)
    record_event(
        actor=actor,
        action="weakorgs.confirm",
        target=plan,
        summary=f"认定「{candidate.org.name}」为{plan.batch}软弱涣散党组织",
        reasons=candidate.reason_texts,
    )
    return plan


@transaction.atomic
def candidate_dismiss(*, actor, candidate: Candidate, reason: str, at: datetime | None = None) -> Candidate:
    at = _now(at)
    candidate = Candidate.objects.select_for_update().select_related("org").get(pk=candidate.pk)
    _require_decides(actor, candidate.org, "研判")
    if candidate.state != Candidate.State.OPEN:
        raise WeakOrgRefusal(f"该候选已{candidate.get_state_display()}，不能再研判")
    candidate.state = Candidate.State.DISMISSED
    candidate.decided_at, candidate.decided_by = at, _user(actor)
    candidate.decision_note = _text(reason, "不予认定的理由")
    candidate.save(update_fields=["state", "decided_at", "decided_by", "decision_note"])
    record_event(
        actor=actor,
        action="weakorgs.dismiss",
        target=candidate,
        summary=f"「{candidate.org.name}」不予认定：{candidate.decision_note}",
    )
    return candidate


@transaction.atomic
def org_designate(
    *, actor, org: PartyOrg, reason: str, year: int, batch: str = "", at: datetime | None = None
) -> RectificationPlan:
    """Name an organisation 软弱涣散 without the scan's criteria (a reason is required)."""
    at = _now(at)
    org = PartyOrg.objects.select_for_update().get(pk=org.pk)
    _require_decides(actor, org, "认定")
    reason = _text(reason, "认定理由")
    _close_open(org, actor, at)
    candidate = Candidate.objects.create(
        org=org,
        state=Candidate.State.CONFIRMED,
        manual=True,
        reasons=[{"code": "manual", "text": reason}],
        as_of=at.date() if hasattr(at, "date") else at,
        first_found_at=at,
        scanned_at=at,
        decided_at=at,
        decided_by=_user(actor),
        decision_note=reason,
    )
    plan = _new_plan(org, candidate, year, batch, actor, at, reason)
    record_event(
        actor=actor,
        action="weakorgs.designate",
        target=plan,
        summary=f"直接认定「{org.name}」为{plan.batch}软弱涣散党组织：{reason}",
    )
    return plan


def _close_open(org, actor, at) -> None:
    """An open scan candidate of an organisation named by hand is closed: the naming decides it."""
    Candidate.objects.filter(org=org, state=Candidate.State.OPEN).update(
        state=Candidate.State.DISMISSED,
        decided_at=at,
        decided_by=_user(actor),
        decision_note="已直接认定，本候选不再单独研判",
    )


# ----------------------------------------------------------------------------------------------------- plans

PLAN_FIELDS = {"problems", "measures", "leader_name", "leader_title", "first_secretary", "due_on"}


@transaction.atomic
def plan_update(*, actor, plan: RectificationPlan, at: datetime | None = None, **fields) -> RectificationPlan:
    """Write the plan (一村一策): problems, measures, the 包联 leader, the first secretary, the time limit. While
    identified or approved; the time limit changes after that only by an extension."""
    unknown = set(fields) - PLAN_FIELDS
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    at = _now(at)
    plan = _lock(plan)
    _require_decides(actor, plan.org, "修改整顿方案")
    _require_state(plan, S.IDENTIFIED, S.APPROVED, action="修改方案（时限请走延期）")
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(plan, name, value)
    plan.save(update_fields=list(fields))
    _event(plan, A.EDIT, actor, at, note="、".join(str(plan._meta.get_field(n).verbose_name) for n in fields))
    return plan


@transaction.atomic
def item_add(
    *,
    actor,
    plan: RectificationPlan,
    problem: str,
    measure: str,
    responsible: str = "",
    due_on: date | None = None,
    at: datetime | None = None,
) -> PlanItem:
    at = _now(at)
    plan = _lock(plan)
    _require_decides(actor, plan.org, "新增整顿事项")
    _require_state(plan, S.IDENTIFIED, S.APPROVED, *GOING, action="新增整顿事项")
    limit = plan.effective_due_on
    if due_on and limit and due_on > limit:
        raise WeakOrgRefusal(f"事项时限不能晚于方案时限 {limit:%Y-%m-%d}")
    item = PlanItem.objects.create(
        plan=plan,
        problem=_text(problem, "问题"),
        measure=_text(measure, "措施", 500),
        responsible=(responsible or "").strip()[:100],
        due_on=due_on,
    )
    _event(plan, A.ITEM_ADD, actor, at, note=item.problem)
    return item


@transaction.atomic
def item_done(*, actor, item: PlanItem, note: str = "", on: date | None = None, at=None) -> PlanItem:
    at = _now(at)
    plan = _lock(item.plan)
    _require_works(actor, plan, "事项销号")
    _require_state(plan, *GOING, action="事项销号")
    item = PlanItem.objects.select_for_update().get(pk=item.pk)
    if item.state == PlanItem.State.DONE:
        raise WeakOrgRefusal("该事项已销号")
    item.state, item.done_on = PlanItem.State.DONE, on or timezone.localdate()
    item.done_note = (note or "").strip()[:300]
    item.save(update_fields=["state", "done_on", "done_note"])
    _event(
        plan,
        A.ITEM_DONE,
        actor,
        at,
        note=f"{item.problem}{('：' + item.done_note) if item.done_note else ''}",
    )
    return item


@transaction.atomic
def plan_approve(*, actor, plan: RectificationPlan, at: datetime | None = None) -> RectificationPlan:
    at = _now(at)
    plan = _lock(plan)
    _require_decides(actor, plan.org, "审定整顿方案")
    _require_state(plan, S.IDENTIFIED, action="审定")
    missing = [
        label
        for label, value in (
            ("存在问题", plan.problems),
            ("整顿措施", plan.measures),
            ("包联领导", plan.leader_name),
            ("整顿时限", plan.due_on),
        )
        if not value
    ]
    if not plan.items.exists():
        missing.append("至少一项整顿事项")
    if missing:
        raise WeakOrgRefusal(f"方案还缺少：{'、'.join(missing)}")
    return _move(plan, S.APPROVED, A.APPROVE, actor, at)


@transaction.atomic
def plan_start(*, actor, plan: RectificationPlan, at: datetime | None = None) -> RectificationPlan:
    at = _now(at)
    plan = _lock(plan)
    _require_works(actor, plan, "开始整顿")
    _require_state(plan, S.APPROVED, action="开始整顿")
    return _move(plan, S.RECTIFYING, A.START, actor, at)


@transaction.atomic
def note_add(*, actor, plan: RectificationPlan, text: str, at: datetime | None = None) -> ProgressNote:
    at = _now(at)
    plan = _lock(plan)
    _require_works(actor, plan, "填写整顿进展")
    _require_state(plan, S.APPROVED, *GOING, S.APPLIED, action="填写进展")
    note = ProgressNote.objects.create(
        plan=plan, text=_text(text, "进展情况", 2000), author=_user(actor), at=at
    )
    _event(plan, A.NOTE, actor, at, note=note.text)
    return note


@transaction.atomic
def plan_apply(*, actor, plan: RectificationPlan, note: str = "", at: datetime | None = None):
    at = _now(at)
    plan = _lock(plan)
    _require_works(actor, plan, "申请验收")
    _require_state(plan, *GOING, action="申请验收")
    open_items = plan.items.filter(state=PlanItem.State.OPEN).count()
    if open_items:
        raise WeakOrgRefusal(f"还有 {open_items} 项整顿事项未销号，不能申请验收")
    return _move(plan, S.APPLIED, A.APPLY, actor, at, note=(note or "").strip())


@transaction.atomic
def plan_accept(
    *, actor, plan: RectificationPlan, note: str, on: date | None = None, at: datetime | None = None
) -> RectificationPlan:
    """验收摘牌 by the 组织部, with its note."""
    at = _now(at)
    plan = _lock(plan)
    _require_decides(actor, plan.org, "验收")
    _require_state(plan, S.APPLIED, action="验收")
    note = _text(note, "验收意见")
    plan = _move(
        plan,
        S.ACCEPTED,
        A.ACCEPT,
        actor,
        at,
        note=note,
        accepted_on=on or timezone.localdate(),
        acceptance_note=note,
    )
    record_event(
        actor=actor, action="weakorgs.accept", target=plan, summary=f"「{plan.org.name}」验收摘牌：{note}"
    )
    return plan


@transaction.atomic
def plan_refuse(*, actor, plan: RectificationPlan, reason: str, at: datetime | None = None):
    at = _now(at)
    plan = _lock(plan)
    _require_decides(actor, plan.org, "验收")
    _require_state(plan, S.APPLIED, action="退回验收申请")
    return _move(plan, S.RECTIFYING, A.REFUSE, actor, at, note=_text(reason, "未通过的理由"))


@transaction.atomic
def plan_extend(
    *, actor, plan: RectificationPlan, extended_to: date, reason: str, at: datetime | None = None
) -> RectificationPlan:
    at = _now(at)
    plan = _lock(plan)
    _require_decides(actor, plan.org, "延期")
    _require_state(plan, S.APPROVED, *GOING, S.APPLIED, action="延期")
    reason = _text(reason, "延期原因")
    if extended_to is None:
        raise WeakOrgRefusal("请填写延期后的时限")
    limit = plan.effective_due_on
    if limit and extended_to <= limit:
        raise WeakOrgRefusal(f"延期后的时限应晚于当前时限 {limit:%Y-%m-%d}")
    plan = _move(
        plan,
        S.EXTENDED,
        A.EXTEND,
        actor,
        at,
        note=f"延期至 {extended_to:%Y-%m-%d}：{reason}",
        extended_to=extended_to,
        extension_reason=reason,
    )
    record_event(
        actor=actor,
        action="weakorgs.extend",
        target=plan,
        summary=f"「{plan.org.name}」整顿延期至 {extended_to:%Y-%m-%d}：{reason}",
    )
    return plan
