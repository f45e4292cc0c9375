"""Services: guards (refusals in Chinese), state changes and audit rows."""

from datetime import date

import pytest
from django.core.files.base import ContentFile

from civicgrid.core.actors import SYSTEM
from civicgrid.core.models import AuditEvent
from civicgrid.core.refusal import Refusal
from civicgrid.party.errors import PartyRefusal
from civicgrid.party.models import Appraisal, Attendance, Meeting, MemberRule, PartyMember, PartyOrg, Post
from civicgrid.party.services import activities, grids, meetings, members, orgs, terms, transfers
from civicgrid.registry.models import Grid
from tests.party.factories import COMMUNITY, TOWN, id_number, member, org, unit

pytestmark = pytest.mark.django_db


def actions():
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


def test_org_create_refuses_duplicates_bad_parents_and_too_many_joint_units(areas):
    town = org("T", areas[TOWN], kind=PartyOrg.Kind.COMMITTEE, setup=PartyOrg.Setup.ORGAN)
    assert actions() == ["party.org_create"]
    with pytest.raises(PartyRefusal, match="已存在"):
        org("T", areas[TOWN])
    branch = org("B", areas[TOWN], parent=town)
    with pytest.raises(PartyRefusal, match="党支部.*下不能设立"):
        org("X", areas[TOWN], parent=branch)
    units = [unit(f"U{i}", areas[TOWN]) for i in range(6)]
    with pytest.raises(PartyRefusal, match="不能超过 5 个"):
        org("J", areas[TOWN], is_joint=True, joint_units=units)
    joint = org("J", areas[TOWN], is_joint=True, joint_units=units[:5])
    assert joint.joint_units.count() == 5


def test_org_update_and_dissolve(areas):
    town = org("T", areas[TOWN], kind=PartyOrg.Kind.COMMITTEE, setup=PartyOrg.Setup.ORGAN)
    branch = org("B", areas[TOWN], parent=town)
    orgs.org_update(actor=SYSTEM, org=branch, name="新名称")
    orgs.org_update(actor=SYSTEM, org=branch, name="新名称")  # no change, no row
    assert actions().count("party.org_update") == 1
    general = org("G", areas[TOWN], kind=PartyOrg.Kind.GENERAL_BRANCH, parent=town)
    with pytest.raises(PartyRefusal, match="本组织或其下级组织"):
        orgs.org_update(actor=SYSTEM, org=town, parent=general)
    m = member(branch)
    with pytest.raises(PartyRefusal, match="还有 1 名党员"):
        orgs.org_dissolve(actor=SYSTEM, org=branch, dissolved_on=date(2026, 1, 1))
    members.member_move(actor=SYSTEM, member=m, org=None)
    orgs.org_dissolve(actor=SYSTEM, org=branch, dissolved_on=date(2026, 1, 1))
    branch.refresh_from_db()
    assert branch.dissolved_on == date(2026, 1, 1) and "party.org_dissolve" in actions()


def test_party_grid_serving_orgs_at_most_two(areas):
    a, b, c = (org(code, areas[TOWN]) for code in "ABC")
    grid = Grid.objects.create(code=COMMUNITY + "001", name="一网格", community=areas[COMMUNITY])
    pg = grids.party_grid_save(actor=SYSTEM, area=areas[TOWN], name="第一党建网格")
    assert pg.orgs.count() == 0
    with pytest.raises(PartyRefusal, match="1 至 2 个"):
        grids.party_grid_save(
            actor=SYSTEM, area=areas[TOWN], name="第一党建网格", orgs=[a, b, c], party_grid=pg
        )
    grids.party_grid_save(
        actor=SYSTEM, area=areas[TOWN], name="第一党建网格", orgs=[a, b], grids=[grid], party_grid=pg
    )
    assert set(pg.orgs.all()) == {a, b} and list(pg.grids.all()) == [grid]
    with pytest.raises(PartyRefusal, match="已有党建网格"):
        grids.party_grid_save(actor=SYSTEM, area=areas[TOWN], name="第一党建网格")


def test_terms_start_extend_change_and_posts(areas):
    branch = org("B", areas[COMMUNITY])
    first = terms.term_start(actor=SYSTEM, org=branch, elected_on=date(2021, 5, 1))
    assert first.number == 1 and first.term_years == 5 and first.due_on == date(2026, 5, 1)
    with pytest.raises(PartyRefusal, match="最长 12 个月"):
        terms.term_extend(
            actor=SYSTEM, term=first, extended_to=date(2027, 6, 1), approval_doc="琼组〔2026〕1号"
        )
    with pytest.raises(PartyRefusal, match="批准文号"):
        terms.term_extend(actor=SYSTEM, term=first, extended_to=date(2026, 12, 1), approval_doc="")
    terms.term_extend(actor=SYSTEM, term=first, extended_to=date(2026, 12, 1), approval_doc="琼组〔2026〕1号")
    second = terms.term_start(actor=SYSTEM, org=branch, elected_on=date(2026, 11, 20))
    first.refresh_from_db()
    assert not first.is_current and first.changed_on == date(2026, 11, 20) and second.number == 2
    secretary = member(branch)
    with pytest.raises(PartyRefusal, match="只能有一名书记"):
        terms.posts_set(
            actor=SYSTEM,
            term=second,
            posts=[
                terms.PostInput(Post.Kind.SECRETARY, member=secretary),
                terms.PostInput(Post.Kind.SECRETARY, person_name="李四"),
            ],
        )
    with pytest.raises(PartyRefusal, match="注明来源"):
        terms.posts_set(
            actor=SYSTEM, term=second, posts=[terms.PostInput(Post.Kind.PART_TIME, person_name="王五")]
        )
    posts = terms.posts_set(
        actor=SYSTEM,
        term=second,
        posts=[
            terms.PostInput(Post.Kind.SECRETARY, member=secretary),
            terms.PostInput(Post.Kind.PART_TIME, person_name="王五", source=Post.Source.PROPERTY),
        ],
    )
    assert len(posts) == 2
    assert {"party.term_start", "party.term_extend", "party.posts_set"} <= set(actions())


def test_temporary_orgs_hold_no_elections_and_admit_no_probationary_members(areas):
    temp = org("L", areas[TOWN], is_temporary=True, temp_task="防台风")
    with pytest.raises(PartyRefusal, match="不进行换届"):
        terms.term_start(actor=SYSTEM, org=temp, elected_on=date(2025, 1, 1))
    with pytest.raises(PartyRefusal, match="不能发展党员"):
        member(temp, category="probationary", joined_on=date(2025, 7, 1))
    full = member(temp)  # allowed; a warning (see test_warnings)
    assert full.org == temp


def test_member_add_parses_checks_and_refuses_duplicates(areas):
    branch = org("B", areas[TOWN])
    number = id_number(birth="19850315", sex="female")
    m = member(branch, id_number=number, sex="female", name="李梅")
    assert m.birth_date == date(1985, 3, 15) and m.sex == PartyMember.Sex.FEMALE
    assert members.find_by_id_number(number) == m
    with pytest.raises(PartyRefusal, match="已登记"):
        member(branch, id_number=number)
    with pytest.raises(PartyRefusal, match="性别与身份证号不符"):
        member(branch, sex="female")
    with pytest.raises(Refusal, match="校验位"):
        member(branch, id_number=number[:17] + ("0" if number[17] != "0" else "1"))
    with pytest.raises(PartyRefusal, match="满 12 个月"):
        member(branch, joined_on=date(2020, 1, 1), full_on=date(2020, 6, 1))
    with pytest.raises(PartyRefusal, match="须填写转正日期"):
        member(branch, full_on=None)
    assert actions() == ["party.org_create", "party.member_add"]


def test_probation_full_extend_cancel(areas):
    branch = org("B", areas[TOWN])
    m = member(branch, category="probationary", joined_on=date(2025, 7, 1))
    with pytest.raises(PartyRefusal, match="才满"):
        members.member_make_full(actor=SYSTEM, member=m, full_on=date(2026, 6, 30))
    with pytest.raises(PartyRefusal, match="6 至 12 个月"):
        members.probation_extend(actor=SYSTEM, member=m, months=3, decided_on=date(2026, 7, 1))
    members.probation_extend(actor=SYSTEM, member=m, months=6, decided_on=date(2026, 7, 1))
    m.refresh_from_db()
    assert m.probation_due_on() == date(2027, 1, 1)
    with pytest.raises(PartyRefusal, match="已延长过一次"):
        members.probation_extend(actor=SYSTEM, member=m, months=6, decided_on=date(2026, 7, 2))
    members.member_make_full(actor=SYSTEM, member=m, full_on=date(2027, 1, 1))
    m.refresh_from_db()
    assert m.category == PartyMember.Category.FULL and m.full_on == date(2027, 1, 1)
    other = member(branch, category="probationary", joined_on=date(2025, 7, 1))
    members.probation_cancel(actor=SYSTEM, member=other, decided_on=date(2026, 7, 1), reason="不具备条件")
    other.refresh_from_db()
    assert other.status == PartyMember.Status.REMOVED
    assert {"party.probation_extend", "party.member_full", "party.probation_cancel"} <= set(actions())


def test_flags_status_and_update(areas):
    branch = org("B", areas[TOWN])
    m = member(branch)
    with pytest.raises(PartyRefusal, match="流入或流出"):
        members.member_set_flags(actor=SYSTEM, member=m, flowing=True)
    members.member_set_flags(
        actor=SYSTEM, member=m, flowing=True, flow_direction="out", lost_contact=True, at=date(2026, 1, 5)
    )
    m.refresh_from_db()
    assert m.lost_since == date(2026, 1, 5) and m.flag_labels() == ["流动", "失联"]
    with pytest.raises(PartyRefusal, match="须说明原因"):
        members.member_set_status(actor=SYSTEM, member=m, status="suspended", on=date(2026, 7, 5))
    members.member_set_status(
        actor=SYSTEM, member=m, status="suspended", on=date(2026, 7, 5), reason="失联满6个月"
    )
    members.member_set_status(actor=SYSTEM, member=m, status="active", on=date(2026, 8, 1), reason="恢复联系")
    m.refresh_from_db()
    assert m.status == "active" and not m.lost_contact
    new_number = id_number()
    members.member_update(actor=SYSTEM, member=m, id_number=new_number, phone="13800000000")
    m.refresh_from_db()
    assert members.find_by_id_number(new_number) == m


def test_transfers_out_in_and_returned(areas):
    a, b = org("A", areas[TOWN]), org("B", areas[TOWN])
    m = member(a)
    sent = transfers.transfer_send(
        actor=SYSTEM, member=m, direction="out", to_org=b, sent_on=date(2026, 1, 1), letter_no="001"
    )
    assert sent.due_on == date(2026, 4, 1) and sent.is_overdue(date(2026, 4, 2))
    with pytest.raises(PartyRefusal, match="尚未办结"):
        transfers.transfer_send(
            actor=SYSTEM, member=m, direction="out", to_name="外省", sent_on=date(2026, 1, 2)
        )
    transfers.transfer_receive(actor=SYSTEM, transfer=sent, received_on=date(2026, 1, 10))
    m.refresh_from_db()
    assert m.org == b
    out = transfers.transfer_send(
        actor=SYSTEM, member=m, direction="out", to_name="广东省某党支部", sent_on=date(2026, 2, 1)
    )
    transfers.transfer_return(actor=SYSTEM, transfer=out, returned_on=date(2026, 2, 5), reason="信息有误")
    again = transfers.transfer_send(
        actor=SYSTEM, member=m, direction="out", to_name="广东省某党支部", sent_on=date(2026, 2, 6)
    )
    transfers.transfer_receive(actor=SYSTEM, transfer=again, received_on=date(2026, 2, 20))
    m.refresh_from_db()
    assert m.status == PartyMember.Status.TRANSFERRED_OUT
    with pytest.raises(PartyRefusal, match="已接收"):
        transfers.transfer_return(actor=SYSTEM, transfer=again, returned_on=date(2026, 3, 1), reason="x")


def test_pioneer_posts_shock_teams_deployments(areas):
    branch = org("B", areas[TOWN])
    m = member(branch)
    post = activities.pioneer_post_save(
        actor=SYSTEM, org=branch, name="便民服务岗", holder=m, from_date=date(2026, 1, 1)
    )
    team = activities.shock_team_save(actor=SYSTEM, org=branch, name="防汛突击队", task="防汛", members=[m])
    dep = activities.deployment_save(
        actor=SYSTEM, org=branch, task="疫情防控", from_date=date(2026, 1, 1), days=5, member=m
    )
    assert team.members.count() == 1 and dep.to_date == date(2026, 1, 5)
    with pytest.raises(PartyRefusal, match="至少为 1 天"):
        activities.deployment_save(
            actor=SYSTEM, org=branch, task="x", from_date=date(2026, 1, 1), days=0, person_name="李"
        )
    activities.pioneer_post_delete(actor=SYSTEM, post=post)
    activities.shock_team_delete(actor=SYSTEM, team=team)
    activities.deployment_delete(actor=SYSTEM, deployment=dep)
    assert {
        "party.pioneer_save",
        "party.shock_team_save",
        "party.deployment_save",
        "party.deployment_delete",
    } <= set(actions())


def test_meeting_with_attendance_quorum_and_attachment(areas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    branch = org("B", areas[TOWN])
    people = [member(branch) for _ in range(4)] + [
        member(branch, category="probationary", joined_on=date(2025, 9, 1))
    ]
    meeting = meetings.meeting_record(
        actor=SYSTEM,
        org=branch,
        kind=Meeting.Kind.GENERAL_ASSEMBLY,
        held_on=date(2026, 3, 10),
        topic="学习党章",
        attendance=[(p, Attendance.Status.PRESENT) for p in people[:3]]
        + [(people[3], Attendance.Status.LEAVE)],
        at=date(2026, 3, 11),
    )
    assert (meeting.expected, meeting.present, meeting.quorum_ok) == (4, 3, True)  # voting: full members only
    outsider = member(org("C", areas[TOWN]))
    with pytest.raises(PartyRefusal, match="不是本组织党员"):
        meetings.meeting_record(
            actor=SYSTEM,
            org=branch,
            kind=Meeting.Kind.LECTURE,
            held_on=date(2026, 3, 10),
            topic="党课",
            attendance=[(outsider, "present")],
            at=date(2026, 3, 11),
        )
    with pytest.raises(PartyRefusal, match="不能晚于今天"):
        meetings.meeting_record(
            actor=SYSTEM,
            org=branch,
            kind="lecture",
            held_on=date(2026, 4, 1),
            topic="x",
            at=date(2026, 3, 11),
        )
    pdf = ContentFile(b"%PDF-1.4 minutes", name="纪要.pdf")
    attachment = meetings.meeting_attachment_add(actor=SYSTEM, meeting=meeting, upload=pdf, name="纪要.pdf")
    assert attachment.content_type == "application/pdf" and "纪要" not in attachment.file.name
    with pytest.raises(PartyRefusal, match="不符"):
        meetings.meeting_attachment_add(
            actor=SYSTEM, meeting=meeting, upload=ContentFile(b"hello", name="a.pdf"), name="a.pdf"
        )
    assert {"party.meeting_record", "party.meeting_attachment"} <= set(actions())


def test_appraisal_excellent_share_warns_or_refuses(areas):
    branch = org("B", areas[TOWN])
    people = [member(branch) for _ in range(4)]
    grades = {people[0]: "excellent", people[1]: "excellent", people[2]: "qualified", people[3]: "qualified"}
    result = meetings.appraisal_record(
        actor=SYSTEM, org=branch, year=2025, grades=grades, at=date(2026, 1, 10)
    )
    assert result.limit == 1 and result.excellent == 2 and "超过" in result.warnings[0]
    MemberRule.objects.update(excellent_over_limit="refuse")
    with pytest.raises(PartyRefusal, match="超过"):
        meetings.appraisal_record(
            actor=SYSTEM, org=branch, year=2025, grades={people[2]: "excellent"}, at=date(2026, 1, 10)
        )
    assert Appraisal.objects.filter(grade="excellent").count() == 2  # the refused change rolled back
