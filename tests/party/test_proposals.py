"""新建党组织申请: a secretary proposes under an organisation he manages (never under a 党支部); 组织部 staff whose
scope covers the parent approve (the organisation is created, a temporary one approved by the parent) or reject
with a note; every step audited."""

from datetime import date

import pytest

from civicgrid.core.actors import SYSTEM
from civicgrid.core.models import AuditEvent
from civicgrid.party.errors import PartyRefusal
from civicgrid.party.models import OrgProposal, PartyOrg, Post
from civicgrid.party.services import members as member_services
from civicgrid.party.services.proposals import proposal_approve, proposal_reject, proposal_submit
from civicgrid.party.services.terms import PostInput, posts_set, term_start
from civicgrid.registry.models import Role
from tests.party.factories import COMMUNITY, COUNTY, OTHER_COMMUNITY, TOWN, member, org, staff, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(areas):
    town = org("T", areas[TOWN], kind=PartyOrg.Kind.COMMITTEE, setup=PartyOrg.Setup.ORGAN, name="镇党委")
    a = org("A", areas[COMMUNITY], kind=PartyOrg.Kind.GENERAL_BRANCH, parent=town, name="甲社区党总支")
    a1 = org("A1", areas[COMMUNITY], parent=a, name="甲一支部")
    b = org("B", areas[OTHER_COMMUNITY], kind=PartyOrg.Kind.GENERAL_BRANCH, parent=town, name="乙社区党总支")
    leader = member(a, name="王书记明")
    term = term_start(actor=SYSTEM, org=a, elected_on=date(2024, 1, 10))
    posts_set(actor=SYSTEM, term=term, posts=[PostInput(Post.Kind.SECRETARY, member=leader)])
    sec = staff("sec", [Role.PARTY_SECRETARY])
    member_services.member_link_user(actor=SYSTEM, member=leader, user=sec)
    return {
        "areas": areas,
        "orgs": {"T": town, "A": a, "A1": a1, "B": b},
        "sec": sec,
        "org_c": staff("org_c", [Role.ORGANISATION_STAFF], [unit("U-C", areas[COMMUNITY])]),
        "org_o": staff("org_o", [Role.ORGANISATION_STAFF], [unit("U-O", areas[OTHER_COMMUNITY])]),
        "org_k": staff("org_k", [Role.ORGANISATION_STAFF], [unit("U-K", areas[COUNTY])]),
    }


def submit(world, parent="A", **fields):
    data = {
        "name": "甲社区防台风临时党支部",
        "kind": PartyOrg.Kind.BRANCH,
        "setup": PartyOrg.Setup.COMMUNITY,
        "area": world["areas"][COMMUNITY],
        "reason": "防台风抢险需要",
        "is_temporary": True,
        "temp_task": "防台风抢险",
        "end_date": date(2026, 10, 31),
    }
    data.update(fields)
    return proposal_submit(world["sec"], world["orgs"][parent], **data)


def actions():
    return list(
        AuditEvent.objects.filter(action__startswith="party.proposal")
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_a_secretary_proposes_only_under_an_organisation_he_manages(world):
    proposal = submit(world)
    assert proposal.state == OrgProposal.State.PENDING
    assert proposal.proposed_by == world["sec"]
    with pytest.raises(PartyRefusal, match="不在您的管理范围内"):
        submit(world, parent="B")
    with pytest.raises(PartyRefusal, match="党支部「甲一支部」下不能设立下级党组织"):
        submit(world, parent="A1")
    assert actions() == ["party.proposal_submit"]


def test_submit_refuses_incomplete_or_duplicate_proposals(world):
    with pytest.raises(PartyRefusal, match="申请理由"):
        submit(world, reason=" ")
    with pytest.raises(PartyRefusal, match="临时任务"):
        submit(world, temp_task="")
    with pytest.raises(PartyRefusal, match="组织名称"):
        submit(world, name="")
    submit(world)
    with pytest.raises(PartyRefusal, match="已在审批中"):
        submit(world)
    plain = submit(world, name="甲二支部", is_temporary=False, temp_task="x", end_date=date(2027, 1, 1))
    assert (plain.temp_task, plain.end_date) == ("", None)


def test_approval_creates_the_organisation_with_the_parent_as_approver(world):
    proposal = submit(world)
    done = proposal_approve(world["org_c"], proposal, code="A-T1", founded_on=date(2026, 6, 1))
    created = done.created_org
    assert done.state == OrgProposal.State.APPROVED
    assert done.decided_by == world["org_c"] and done.decided_at is not None
    assert (created.code, created.parent, created.approved_by) == (
        "A-T1",
        world["orgs"]["A"],
        world["orgs"]["A"],
    )
    assert (
        created.is_temporary and created.temp_task == "防台风抢险" and created.end_date == date(2026, 10, 31)
    )
    assert created.founded_on == date(2026, 6, 1)
    assert actions() == ["party.proposal_submit", "party.proposal_approve"]
    assert AuditEvent.objects.filter(action="party.org_create", summary__contains="防台风").exists()
    with pytest.raises(PartyRefusal, match="已批准"):
        proposal_reject(world["org_c"], proposal, note="重复")


def test_a_plain_sub_organisation_has_no_approver(world):
    proposal = submit(world, name="甲二支部", is_temporary=False)
    created = proposal_approve(world["org_k"], proposal, code="A2", founded_on=date(2026, 6, 1)).created_org
    assert not created.is_temporary and created.approved_by is None


def test_only_organisation_staff_whose_scope_covers_the_parent_decide(world):
    proposal = submit(world)
    for who in ("sec", "org_o"):
        with pytest.raises(PartyRefusal, match="审批范围"):
            proposal_approve(world[who], proposal, code="X1", founded_on=date(2026, 6, 1))
        with pytest.raises(PartyRefusal, match="审批范围"):
            proposal_reject(world[who], proposal, note="不同意")
    assert not PartyOrg.objects.filter(code="X1").exists()


def test_a_refused_creation_leaves_the_proposal_pending(world):
    proposal = submit(world)
    with pytest.raises(PartyRefusal, match="组织代码「A1」已存在"):
        proposal_approve(world["org_c"], proposal, code="A1", founded_on=date(2026, 6, 1))
    proposal.refresh_from_db()
    assert proposal.state == OrgProposal.State.PENDING
    assert actions() == ["party.proposal_submit"]


def test_reject_needs_a_note(world):
    proposal = submit(world)
    with pytest.raises(PartyRefusal, match="审批意见"):
        proposal_reject(world["org_c"], proposal, note=" ")
    done = proposal_reject(world["org_c"], proposal, note="任务可由现有支部承担")
    assert done.state == OrgProposal.State.REJECTED and done.decision_note == "任务可由现有支部承担"
    assert done.created_org is None
    assert actions() == ["party.proposal_submit", "party.proposal_reject"]
    with pytest.raises(PartyRefusal, match="不能再次审批"):
        proposal_approve(world["org_c"], proposal, code="X2", founded_on=date(2026, 6, 1))
