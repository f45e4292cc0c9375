"""The scan (rescans keep one open candidate per organisation and never decide), the decisions of a person, the
plan's state machine, who may do what, and the events and audit rows every change writes."""

from datetime import date

import pytest
import time_machine

from civicgrid.core.actors import SYSTEM
from civicgrid.core.models import AuditEvent
from civicgrid.party.models import Post
from civicgrid.party.services.terms import PostInput, posts_set
from civicgrid.weakorgs import services
from civicgrid.weakorgs.errors import WeakOrgRefusal
from civicgrid.weakorgs.models import Candidate, PlanEvent, PlanItem, RectificationPlan
from civicgrid.weakorgs.progress import is_overdue, overdue
from tests.weakorgs.conftest import moment

pytestmark = pytest.mark.django_db
S = RectificationPlan.State
DAY = date(2026, 12, 2)


def scan(actor=SYSTEM, day=DAY, **kw):
    return services.scan(actor=actor, as_of=day, at=moment(day.year, day.month, day.day), **kw)


def candidate_of(org):
    return Candidate.objects.get(org=org, state=Candidate.State.OPEN)


def test_a_rescan_updates_reasons_and_never_duplicates_or_decides(world):
    first = scan()
    assert first.created == 3 and first.updated == 0
    again = scan()
    assert again.created == 0 and again.unchanged == 3
    assert Candidate.objects.count() == 3
    assert set(Candidate.objects.values_list("state", flat=True)) == {Candidate.State.OPEN}
    yinhai = candidate_of(world["yinhai"])
    assert "书记空缺 4 个月（自 2026-08-01）" in yinhai.reason_texts
    later = scan(day=date(2027, 1, 2))
    assert later.updated == 3 and Candidate.objects.count() == 3
    assert "书记空缺 5 个月（自 2026-08-01）" in candidate_of(world["yinhai"]).reason_texts
    assert AuditEvent.objects.filter(action="weakorgs.scan").count() == 3


def test_a_candidate_no_longer_found_stays_open_for_a_person(world):
    from civicgrid.weakorgs.models import Criterion

    Criterion.objects.exclude(code="secretary_vacant").update(enabled=False)
    scan()
    posts_set(
        actor=SYSTEM,
        term=world["term"],
        posts=[PostInput(post=Post.Kind.SECRETARY, person_name="新书记", from_date=date(2026, 12, 1))],
    )
    result = scan()
    assert result.no_longer == 1
    candidate = candidate_of(world["yinhai"])
    assert candidate.state == Candidate.State.OPEN and candidate.still_met is False


def test_scope_of_the_scan_and_the_decisions(world):
    assert scan(actor=world["outsider"]).candidates == []
    assert len(scan(actor=world["organiser"]).candidates) == 3
    with pytest.raises(WeakOrgRefusal, match="您不负责"):
        scan(actor=world["outsider"], area=world["town"])
    town_only = scan(actor=world["organiser"], area=world["town"])
    assert {c.org_id for c in town_only.candidates} == {world["yinhai"].pk, world["jinhai"].pk}
    candidate = candidate_of(world["yinhai"])
    with pytest.raises(WeakOrgRefusal, match="您不负责「银海社区党支部」"):
        services.candidate_confirm(actor=world["outsider"], candidate=candidate, year=2026)
    with pytest.raises(WeakOrgRefusal):
        services.candidate_dismiss(actor=world["deputy"], candidate=candidate, reason="不是")


def test_confirm_and_dismiss_by_a_person(world):
    scan()
    organiser = world["organiser"]
    plan = services.candidate_confirm(
        actor=organiser, candidate=candidate_of(world["yinhai"]), year=2026, batch="2026年第一批"
    )
    assert plan.state == S.IDENTIFIED and plan.org_setup == "community" and "书记空缺" in plan.reasons
    assert AuditEvent.objects.filter(action="weakorgs.confirm").count() == 1
    with pytest.raises(WeakOrgRefusal, match="请填写不予认定的理由"):
        services.candidate_dismiss(actor=organiser, candidate=candidate_of(world["jinhai"]), reason=" ")
    services.candidate_dismiss(
        actor=organiser, candidate=candidate_of(world["jinhai"]), reason="新任书记已到岗"
    )
    # A rescan skips the one under rectification and the one dismissed this year for the same reasons.
    result = scan()
    assert result.skipped == 2 and result.unchanged == 1
    assert not Candidate.objects.filter(org=world["jinhai"], state=Candidate.State.OPEN).exists()


def test_naming_without_criteria_needs_a_reason_and_once_a_year(world):
    organiser = world["organiser"]
    with pytest.raises(WeakOrgRefusal, match="请填写认定理由"):
        services.org_designate(actor=organiser, org=world["organ"], reason="", year=2026)
    plan = services.org_designate(
        actor=organiser, org=world["organ"], reason="班子不团结，群众反映强烈", year=2026
    )
    assert plan.candidate.manual and plan.reasons == "班子不团结，群众反映强烈"
    with pytest.raises(WeakOrgRefusal, match="尚未验收摘牌"):
        services.org_designate(actor=organiser, org=world["organ"], reason="再次", year=2027)
    with pytest.raises(WeakOrgRefusal, match="您不负责"):
        services.org_designate(actor=world["outsider"], org=world["jinhai"], reason="理由", year=2026)


def ready_plan(world, organiser=None):
    organiser = organiser or world["organiser"]
    plan = services.org_designate(
        actor=organiser, org=world["yinhai"], reason="书记空缺", year=2026, at=moment(2026, 9, 1)
    )
    services.plan_update(
        actor=organiser,
        plan=plan,
        problems="书记长期空缺，组织生活不正常",
        measures="选优配强书记；恢复三会一课",
        leader_name="陈某某",
        leader_title="嘉积镇党委副书记",
        due_on=date(2026, 12, 31),
    )
    services.item_add(
        actor=organiser, plan=plan, problem="书记空缺", measure="选配书记", responsible="嘉积镇党委"
    )
    return plan


def test_the_plan_from_identified_to_accepted(world):
    organiser, deputy = world["organiser"], world["deputy"]
    plan = services.org_designate(actor=organiser, org=world["yinhai"], reason="书记空缺", year=2026)
    with pytest.raises(
        WeakOrgRefusal, match="方案还缺少：存在问题、整顿措施、包联领导、整顿时限、至少一项整顿事项"
    ):
        services.plan_approve(actor=organiser, plan=plan)
    plan = ready_plan_from(plan, organiser)
    with pytest.raises(WeakOrgRefusal):
        services.plan_approve(actor=deputy, plan=plan)  # the secretary does not approve his own plan
    plan = services.plan_approve(actor=organiser, plan=plan)
    plan = services.plan_start(actor=deputy, plan=plan)
    services.note_add(actor=deputy, plan=plan, text="已召开党员大会，推选书记人选")
    with pytest.raises(WeakOrgRefusal, match="还有 1 项整顿事项未销号"):
        services.plan_apply(actor=deputy, plan=plan)
    services.item_done(actor=deputy, item=plan.items.get(), note="新书记已到岗", on=date(2026, 11, 20))
    plan = services.plan_apply(actor=deputy, plan=plan)
    with pytest.raises(WeakOrgRefusal):
        services.plan_accept(actor=deputy, plan=plan, note="自己验收")
    with pytest.raises(WeakOrgRefusal, match="请填写验收意见"):
        services.plan_accept(actor=organiser, plan=plan, note="")
    plan = services.plan_accept(actor=organiser, plan=plan, note="整顿到位，同意摘牌", on=date(2026, 12, 10))
    assert plan.state == S.ACCEPTED and plan.accepted_on == date(2026, 12, 10)
    actions = list(plan.events.values_list("action", flat=True))
    assert actions == [
        "identify",
        "edit",
        "item_add",
        "approve",
        "start",
        "note",
        "item_done",
        "apply",
        "accept",
    ]
    assert AuditEvent.objects.filter(action="weakorgs.accept").count() == 1


def ready_plan_from(plan, organiser):
    services.plan_update(
        actor=organiser,
        plan=plan,
        problems="书记长期空缺",
        measures="选优配强书记",
        leader_name="陈某某",
        leader_title="嘉积镇党委副书记",
        due_on=date(2026, 12, 31),
    )
    services.item_add(actor=organiser, plan=plan, problem="书记空缺", measure="选配书记")
    plan.refresh_from_db()
    return plan


def test_extension_refusal_and_overdue_across_the_year_end(world):
    organiser, deputy = world["organiser"], world["deputy"]
    plan = ready_plan(world)
    services.plan_approve(actor=organiser, plan=plan)
    services.plan_start(actor=deputy, plan=plan)
    plan.refresh_from_db()
    assert not is_overdue(plan, date(2026, 12, 31))
    assert is_overdue(plan, date(2027, 1, 1))
    assert list(overdue(RectificationPlan.objects.all(), date(2027, 1, 1))) == [plan]
    with pytest.raises(WeakOrgRefusal, match="应晚于当前时限 2026-12-31"):
        services.plan_extend(actor=organiser, plan=plan, extended_to=date(2026, 12, 31), reason="未完成")
    with pytest.raises(WeakOrgRefusal, match="请填写延期原因"):
        services.plan_extend(actor=organiser, plan=plan, extended_to=date(2027, 3, 31), reason="")
    with pytest.raises(WeakOrgRefusal):
        services.plan_extend(actor=deputy, plan=plan, extended_to=date(2027, 3, 31), reason="自己延期")
    plan = services.plan_extend(
        actor=organiser, plan=plan, extended_to=date(2027, 3, 31), reason="换届选举安排在一季度"
    )
    assert plan.state == S.EXTENDED and not is_overdue(plan, date(2027, 1, 1))
    assert overdue(RectificationPlan.objects.all(), date(2027, 1, 1)).count() == 0
    with pytest.raises(WeakOrgRefusal, match="修改方案"):
        services.plan_update(actor=organiser, plan=plan, due_on=date(2027, 6, 30))
    services.item_done(actor=deputy, item=plan.items.get())
    services.plan_apply(actor=deputy, plan=plan)
    plan = services.plan_refuse(actor=organiser, plan=plan, reason="群众满意度仍偏低")
    assert plan.state == S.RECTIFYING
    assert plan.events.filter(action=PlanEvent.Action.REFUSE, note="群众满意度仍偏低").exists()


def test_another_secretary_cannot_touch_the_plan(world):
    plan = ready_plan(world)
    services.plan_approve(actor=world["organiser"], plan=plan)
    with pytest.raises(WeakOrgRefusal, match="只有「银海社区党支部」的书记"):
        services.plan_start(actor=world["jsecretary"], plan=plan)
    with pytest.raises(WeakOrgRefusal):
        services.note_add(actor=world["handler"], plan=plan, text="进展")
    with pytest.raises(WeakOrgRefusal):
        services.item_add(actor=world["deputy"], plan=plan, problem="问题", measure="措施")


def test_states_refuse_out_of_order_steps(world):
    plan = ready_plan(world)
    organiser = world["organiser"]
    with pytest.raises(WeakOrgRefusal, match="当前为「已认定」，不能开始整顿"):
        services.plan_start(actor=organiser, plan=plan)
    with pytest.raises(WeakOrgRefusal, match="不能事项销号"):
        services.item_done(actor=organiser, item=plan.items.get())
    with pytest.raises(WeakOrgRefusal, match="不能验收"):
        services.plan_accept(actor=organiser, plan=plan, note="好")
    assert PlanItem.objects.filter(state=PlanItem.State.DONE).count() == 0


@time_machine.travel(moment(2026, 12, 28), tick=False)
def test_the_default_day_is_today(world):
    result = services.scan(actor=SYSTEM)
    assert result.as_of == date(2026, 12, 28)
