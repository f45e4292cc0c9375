"""双报到: registrations (registered → active → lapsed | moved | withdrawn), year-end evaluations sent to the
member's own organisation, and commitments (承诺践诺)."""

from datetime import date, datetime

from django.db import transaction

from civicgrid.core.audit import record_event
from civicgrid.engagement.errors import EngagementError
from civicgrid.engagement.models import Commitment, Evaluation, Registration
from civicgrid.engagement.quota import progress
from civicgrid.engagement.scope import area_ids_for, require_area
from civicgrid.engagement.services._common import now_or, require_community, require_text, today_or
from civicgrid.notify.services import notify
from civicgrid.party.models import PartyMember, PartyOrg, Post

END_STATES = {s.value for s in Registration.ENDED}


def _lock(registration: Registration) -> Registration:
    return Registration.objects.select_for_update().select_related("community").get(pk=registration.pk)


@transaction.atomic
def register_org(
    *,
    actor,
    org: PartyOrg,
    community,
    contact_name: str = "",
    contact_phone: str = "",
    service_kinds: str = "",
    on: date | None = None,
) -> Registration:
    """An organisation reports to the community where it sits."""
    require_community(community)
    require_area(actor, community, action="登记单位党组织报到")
    if org.dissolved_on is not None:
        raise EngagementError(f"「{org.name}」已撤销，不能报到")
    if Registration.objects.filter(org=org, community=community, state__in=Registration.OPEN).exists():
        raise EngagementError(f"「{org.name}」已向{community.name}报到")
    registration = Registration.objects.create(
        org=org,
        community=community,
        registered_on=today_or(on),
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        service_kinds=service_kinds.strip(),
    )
    record_event(
        actor=actor,
        action="engagement.register_org",
        target=registration,
        summary=f"{org.name}向{community.name}报到",
    )
    return registration


@transaction.atomic
def register_member(
    *,
    actor,
    member: PartyMember,
    community,
    skills: str = "",
    service_kinds: str = "",
    grid=None,
    post: str = "",
    on: date | None = None,
) -> Registration:
    """An in-service member reports to the community where he or she lives (one open registration at a time),
    put at once into a grid or a post (楼道长 ...) when the community says so."""
    require_community(community)
    if grid is not None and grid.community_id != community.pk:
        raise EngagementError("所选网格不在报到社区内")
    if actor is not None:
        require_area(actor, community, action="登记在职党员报到")
    if not member.in_service:
        raise EngagementError("只有在职党员需要到居住地社区报到")
    if member.status != PartyMember.Status.ACTIVE:
        raise EngagementError("该党员不在册，不能报到")
    PartyMember.objects.select_for_update().filter(pk=member.pk).first()
    if Registration.objects.filter(member=member, state__in=Registration.OPEN).exists():
        raise EngagementError("该党员已有有效的报到登记；迁居请先办理迁出")
    registration = Registration.objects.create(
        member=member,
        community=community,
        registered_on=today_or(on),
        skills=skills.strip(),
        service_kinds=service_kinds.strip(),
        grid=grid,
        post=post.strip()[:40],
    )
    record_event(
        actor=actor,
        action="engagement.register_member",
        target=registration,
        summary=f"{member.masked_name}向{community.name}报到",
    )
    return registration


@transaction.atomic
def registration_assign(*, actor, registration: Registration, grid=None, post: str = "") -> Registration:
    """The community puts a member into a grid or a post (楼道长 ...)."""
    registration = _lock(registration)
    require_area(actor, registration.community, action="安排报到党员岗位")
    if registration.state not in Registration.OPEN:
        raise EngagementError("报到登记已结束，不能安排岗位")
    if grid is not None and grid.community_id != registration.community_id:
        raise EngagementError("所选网格不在报到社区内")
    registration.grid, registration.post = grid, post.strip()
    registration.save(update_fields=["grid", "post"])
    record_event(
        actor=actor,
        action="engagement.registration_assign",
        target=registration,
        summary=f"安排岗位：{registration.post or '—'}",
    )
    return registration


@transaction.atomic
def registration_activate(*, actor, registration: Registration, on: date | None = None) -> Registration:
    registration = _lock(registration)
    require_area(actor, registration.community, action="确认报到")
    if registration.state != Registration.State.REGISTERED:
        raise EngagementError(f"报到登记当前为「{registration.get_state_display()}」，不能确认上岗")
    day = today_or(on)
    if day < registration.registered_on:
        raise EngagementError("上岗日期不能早于报到日期")
    registration.state, registration.activated_on = Registration.State.ACTIVE, day
    registration.save(update_fields=["state", "activated_on"])
    record_event(
        actor=actor, action="engagement.registration_activate", target=registration, summary="确认上岗"
    )
    return registration


@transaction.atomic
def registration_end(
    *, actor, registration: Registration, state: str, reason: str, on: date | None = None
) -> Registration:
    """lapsed (not re-reported), moved (left the community), withdrawn: the end date counts for the figures."""
    if state not in END_STATES:
        raise EngagementError("结束状态不正确")
    reason = require_text(reason, "结束原因")
    registration = _lock(registration)
    if actor is not None:
        require_area(actor, registration.community, action="结束报到登记")
    if registration.state not in Registration.OPEN:
        raise EngagementError(f"报到登记已是「{registration.get_state_display()}」")
    day = today_or(on)
    if day < registration.registered_on:
        raise EngagementError("结束日期不能早于报到日期")
    registration.state, registration.ended_on, registration.end_reason = state, day, reason
    registration.save(update_fields=["state", "ended_on", "end_reason"])
    record_event(
        actor=actor,
        action="engagement.registration_end",
        target=registration,
        summary=f"{registration.get_state_display()}：{reason}",
    )
    return registration


# ------------------------------------------------------------------------------------------------- evaluations


@transaction.atomic
def evaluation_record(
    *, actor, registration: Registration, year: int, grade: str, comment: str = "", at: datetime | None = None
) -> Evaluation:
    """The community's year-end evaluation of a member registered with it during `year` (recorded again: updated)."""
    if grade not in Evaluation.Grade.values:
        raise EngagementError("请选择评价等次（好、较好、一般、差）")
    registration = _lock(registration)
    require_area(actor, registration.community, action="评价报到党员")
    if registration.member_id is None:
        raise EngagementError("只对报到党员做年度评价")
    if not Registration.objects.during(year).filter(pk=registration.pk).exists():
        raise EngagementError(f"该党员{year}年未在本社区报到")
    member = registration.member
    done = progress(member, registration.community, year)
    evaluation, _created = Evaluation.objects.update_or_create(
        year=year,
        member=member,
        defaults=dict(
            registration=registration,
            org=member.org,
            hours=done.hours,
            activities=done.activities,
            wishes=done.wishes,
            meets_quota=done.meets,
            grade=grade,
            comment=comment.strip(),
            evaluated_at=now_or(at),
        ),
    )
    record_event(
        actor=actor,
        action="engagement.evaluation_record",
        target=evaluation,
        summary=f"{year}年度评价：{evaluation.get_grade_display()}",
    )
    return evaluation


def _secretaries(org_ids) -> dict[int, set[int]]:
    """Users holding a current 书记/副书记 post, per organisation."""
    rows = Post.objects.filter(
        term__org_id__in=list(org_ids),
        term__is_current=True,
        post__in=Post.LEADING,
        member__user__isnull=False,
        to_date__isnull=True,
    ).values_list("term__org_id", "member__user_id")
    found: dict[int, set[int]] = {}
    for org_id, user_id in rows:
        found.setdefault(org_id, set()).add(user_id)
    return found


@transaction.atomic
def evaluations_send(*, actor, evaluations, at: datetime | None = None) -> int:
    """Send evaluations to each member's own organisation: one notification per organisation's secretaries (the
    Excel export is `engagement.exports.evaluations_workbook`). Returns how many were sent."""
    at = now_or(at)
    rows = list(
        Evaluation.objects.select_for_update()
        .filter(pk__in=[e.pk for e in evaluations], sent_at__isnull=True)
        .select_related("registration__community")
    )
    for evaluation in rows:
        require_area(actor, evaluation.registration.community, action="反馈年度评价")
    by_org: dict[int, list[Evaluation]] = {}
    for evaluation in rows:
        if evaluation.org_id:
            by_org.setdefault(evaluation.org_id, []).append(evaluation)
    secretaries = _secretaries(by_org)
    for org_id, items in by_org.items():
        if secretaries.get(org_id):
            notify(
                recipients=secretaries[org_id],
                kind="engagement_evaluation",
                title=f"在职党员双报到年度评价（{items[0].year}年，{len(items)}人）",
                body="居住地社区已反馈本组织在职党员的年度评价，民主评议页面在各党员姓名下列出，供评议参考。",
                at=at,
            )
    Evaluation.objects.filter(pk__in=[e.pk for e in rows]).update(sent_at=at)
    for evaluation in rows:
        record_event(
            actor=actor, action="engagement.evaluation_send", target=evaluation, summary="反馈所在党组织"
        )
    return len(rows)


# ------------------------------------------------------------------------------------------------- commitments


def _require_commitment_scope(actor, *, member=None, org=None, action: str) -> None:
    """Staff keep the commitments of members and organisations registered with a community they work in; a member
    on the phone (actor None) keeps his own."""
    if actor is None:
        return
    allowed = area_ids_for(actor)
    if allowed is None:
        return
    holder = {"member": member} if member is not None else {"org": org}
    if not Registration.objects.filter(community_id__in=allowed, **holder).exists():
        raise EngagementError(f"该党员或党组织未向您负责的村（社区）报到，不能{action}")


@transaction.atomic
def commitment_pledge(
    *,
    actor,
    year: int,
    content: str,
    member: PartyMember | None = None,
    org: PartyOrg | None = None,
    on: date | None = None,
) -> Commitment:
    content = require_text(content, "承诺事项")
    if (member is None) == (org is None):
        raise EngagementError("承诺须属于一名党员或一个党组织")
    _require_commitment_scope(actor, member=member, org=org, action="登记承诺")
    commitment = Commitment.objects.create(
        year=year, member=member, org=org, content=content, pledged_on=today_or(on)
    )
    record_event(actor=actor, action="engagement.commitment_pledge", target=commitment, summary=content)
    return commitment


@transaction.atomic
def commitment_decide(
    *, actor, commitment: Commitment, fulfilled: bool, evidence: str, on: date | None = None
) -> Commitment:
    evidence = require_text(evidence, "践诺情况或佐证")
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    _require_commitment_scope(actor, member=commitment.member, org=commitment.org, action="评定承诺践诺")
    if commitment.state != Commitment.State.PLEDGED:
        raise EngagementError(f"承诺已评定为「{commitment.get_state_display()}」")
    commitment.state = Commitment.State.FULFILLED if fulfilled else Commitment.State.NOT_FULFILLED
    commitment.evidence, commitment.decided_on = evidence, today_or(on)
    commitment.save(update_fields=["state", "evidence", "decided_on"])
    record_event(
        actor=actor,
        action="engagement.commitment_decide",
        target=commitment,
        summary=commitment.get_state_display(),
    )
    return commitment
