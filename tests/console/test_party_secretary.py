"""党组织书记's pages: his organisation's subtree only (404 outside), meetings with attendance and refusals,
pioneer posts / shock teams / deployments, 民主评议 with the 优秀 ≤ 1/3 check; 「我的组织」 for a staff account."""

from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from civicgrid.core.actors import SYSTEM
from civicgrid.core.models import AuditEvent
from civicgrid.party.errors import PartyRefusal
from civicgrid.party.models import (
    Appraisal,
    Attendance,
    Deployment,
    Meeting,
    MemberRule,
    PartyMember,
    PartyOrg,
    PioneerPost,
    Post,
    ShockTeam,
)
from civicgrid.party.services import members as member_services
from civicgrid.party.services.meetings import meeting_record
from civicgrid.party.services.orgs import group_save
from civicgrid.party.services.terms import PostInput, posts_set, term_start
from civicgrid.registry.models import Role
from tests.party.factories import COMMUNITY, OTHER_COMMUNITY, TOWN, make_hierarchy, member, org, staff

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 15)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@pytest.fixture
def clock():
    with time_machine.travel("2026-06-15 10:00 +08:00", tick=False) as traveller:
        yield traveller


@pytest.fixture
def party(db, clock):
    """T (党委) → A (总支, led by 王书记) → A1 (支部); B (支部) under T, led by 赵书记; L (临时) under A."""
    areas = make_hierarchy()
    town = org("T", areas[TOWN], kind=PartyOrg.Kind.COMMITTEE, setup=PartyOrg.Setup.ORGAN, name="镇党委")
    a = org("A", areas[COMMUNITY], kind=PartyOrg.Kind.GENERAL_BRANCH, parent=town, name="甲社区党总支")
    a1 = org("A1", areas[COMMUNITY], parent=a, name="甲一支部")
    b = org("B", areas[OTHER_COMMUNITY], parent=town, name="乙社区党支部")
    temp = org(
        "L", areas[COMMUNITY], parent=a, is_temporary=True, temp_task="防台风", name="防台风临时党支部"
    )
    secretary = member(a, name="王书记明", phone="13912345678")
    plain = [member(a, name=name) for name in ("李党员", "陈党员", "周党员")]
    member_services.member_update(actor=SYSTEM, member=plain[0], phone="13800001111")
    sub = member(a1, name="吴支部党员")
    other_sec = member(b, name="赵书记华")
    other = member(b, name="孙乙党员")
    for led, who in ((a, secretary), (b, other_sec)):
        term = term_start(actor=SYSTEM, org=led, elected_on=date(2024, 1, 10))
        posts_set(actor=SYSTEM, term=term, posts=[PostInput(Post.Kind.SECRETARY, member=who)])
    sec = staff("sec", [Role.PARTY_SECRETARY])
    member_services.member_link_user(actor=SYSTEM, member=secretary, user=sec)
    sec_b = staff("sec_b", [Role.PARTY_SECRETARY])
    member_services.member_link_user(actor=SYSTEM, member=other_sec, user=sec_b)
    return {
        "orgs": {"T": town, "A": a, "A1": a1, "B": b, "L": temp},
        "secretary": secretary,
        "plain": plain,
        "sub": sub,
        "other": other,
        "sec": sec,
        "sec_b": sec_b,
    }


def url(name, *args):
    return reverse(f"console:{name}", args=args)


def meeting_post(members, statuses=None, **fields):
    data = {"kind": "committee", "held_on": "2026-06-10", "topic": "研究六月工作", "host": "王书记明"}
    data.update(fields)
    for m in members:
        data[f"att_{m.pk}"] = (statuses or {}).get(m.pk, "present")
    return data


# ------------------------------------------------------------------------------------------------------ scope


def test_home_goes_to_the_org_he_leads_and_shows_members_committee_lights_and_children(client, party):
    client.force_login(party["sec"])
    response = client.get(url("party_sec"))
    assert response.status_code == 302 and response["Location"] == url("party_sec_org", party["orgs"]["A"].pk)
    html = client.get(response["Location"]).content.decode()
    assert "甲社区党总支" in html and "李党员" in html and "王书记明" in html  # he manages: names shown
    assert "第1届委员会" in html and "2029-01-10" in html and "还有 940 天" in html  # community: 5 years
    assert "本月" in html and "本季度" in html and "本年度" in html and "主题党日" in html
    assert "甲一支部" in html and "下级组织" in html
    assert "13912345678" in html  # his own
    assert "13800001111" not in html and "138****1111" in html  # others' phones masked even for him
    sub = client.get(url("party_sec_org", party["orgs"]["A1"].pk))
    assert sub.status_code == 200 and "吴支部党员" in sub.content.decode()


def test_a_secretary_cannot_see_or_write_outside_his_subtree(client, party):
    client.force_login(party["sec"])
    b, town = party["orgs"]["B"], party["orgs"]["T"]
    for target in (b, town):
        for name in ("party_sec_org", "party_sec_meetings", "party_sec_meeting_new", "party_sec_activities"):
            assert client.get(url(name, target.pk)).status_code == 404, name
        assert client.get(url("party_sec_appraisal", target.pk)).status_code == 404
        assert client.post(url("party_sec_meeting_new", target.pk), meeting_post([])).status_code == 404
        assert client.post(url("party_sec_appraisal", target.pk), {"action": "save"}).status_code == 404
    assert not Meeting.objects.exists()
    theirs = meeting_record(
        actor=party["sec_b"], org=b, kind="theme_day", held_on=date(2026, 6, 1), topic="乙的主题党日"
    )
    assert client.get(url("party_sec_meeting", theirs.pk)).status_code == 404
    post = PioneerPost.objects.create(org=b, name="乙的先锋岗")
    assert client.post(url("party_sec_pioneer_end", post.pk), {"to_date": "2026-06-15"}).status_code == 404
    post.refresh_from_db()
    assert post.to_date is None
    # and the service refuses him on its own
    with pytest.raises(PartyRefusal, match="不在您的管理范围内"):
        meeting_record(actor=party["sec"], org=b, kind="theme_day", held_on=TODAY, topic="越权")
    # the other secretary cannot open A's pages
    client.force_login(party["sec_b"])
    assert client.get(url("party_sec_org", party["orgs"]["A"].pk)).status_code == 404


def test_staff_without_the_role_are_refused_and_a_member_account_sees_his_own_organisation(client, party):
    plain = party["plain"][0]
    user = staff("plain_staff", [Role.OPERATOR])
    member_services.member_link_user(actor=SYSTEM, member=plain, user=user)
    client.force_login(user)
    assert client.get(url("party_sec")).status_code == 403
    assert client.get(url("party_sec_org", party["orgs"]["A"].pk)).status_code == 403
    meeting_record(
        actor=SYSTEM,
        org=party["orgs"]["A"],
        kind="theme_day",
        held_on=date(2026, 6, 1),
        topic="六月主题党日",
        attendance=[(plain, "leave"), (party["plain"][1], "absent")],
    )
    response = client.get(url("party_mine"))
    html = response.content.decode()
    assert response.status_code == 200 and "甲社区党总支" in html and "六月主题党日" in html
    assert "请假" in html and "王**明" in html and "王书记明" not in html
    assert "陈党员" not in html  # nothing about other members' attendance
    assert 'href="/console/party/mine/"' in html  # the menu shows 我的组织 to a linked account
    nobody = staff("nobody", [Role.OPERATOR])
    client.force_login(nobody)
    assert "还没有关联党员信息" in client.get(url("party_mine")).content.decode()


# --------------------------------------------------------------------------------------------------- meetings


def test_recording_a_meeting_with_attendance_quorum_and_an_attachment(client, party):
    client.force_login(party["sec"])
    a = party["orgs"]["A"]
    everyone = [party["secretary"], *party["plain"]]
    page = client.get(url("party_sec_meeting_new", a.pk)).content.decode()
    assert "支委会：应到 1 人，至少 1 人出席" in page and "党员大会：应到 4 人，至少 3 人出席" in page
    data = meeting_post(
        everyone,
        {party["plain"][0].pk: "leave", party["plain"][1].pk: "absent", party["plain"][2].pk: ""},
        kind="general_assembly",
        minutes="讨论了六月工作",
    )
    data["attachments"] = SimpleUploadedFile("签到表.png", PNG, content_type="image/png")
    response = client.post(url("party_sec_meeting_new", a.pk), data)
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == url("party_sec_meeting", meeting.pk)
    assert (meeting.expected, meeting.present, meeting.quorum_ok) == (4, 1, False)
    assert dict(meeting.attendances.values_list("member__name", "status")) == {
        "王书记明": Attendance.Status.PRESENT,
        "李党员": Attendance.Status.LEAVE,
        "陈党员": Attendance.Status.ABSENT,
    }
    detail = client.get(response["Location"]).content.decode()
    assert "未过半数" in detail and "签到表.png" in detail and "李党员" in detail
    attachment = meeting.attachments.get()
    assert client.get(url("party_sec_attachment", attachment.pk)).status_code == 200
    client.force_login(party["sec_b"])
    assert client.get(url("party_sec_attachment", attachment.pk)).status_code == 404
    assert AuditEvent.objects.filter(action="party.meeting_record").count() == 1
    assert AuditEvent.objects.filter(action="party.meeting_attachment").count() == 1


def test_meeting_refusals_are_shown_on_the_form_and_nothing_is_saved(client, party):
    client.force_login(party["sec"])
    a, temp = party["orgs"]["A"], party["orgs"]["L"]
    future = client.post(url("party_sec_meeting_new", a.pk), meeting_post([], held_on="2026-06-16"))
    assert future.status_code == 200 and "会议日期不能晚于今天" in future.content.decode()
    election = client.post(url("party_sec_meeting_new", temp.pk), meeting_post([], kind="election"))
    assert "是临时党组织，不进行选举" in election.content.decode()
    bad_file = meeting_post([party["secretary"]])
    bad_file["attachments"] = SimpleUploadedFile("纪要.txt", b"hello", content_type="text/plain")
    refused = client.post(url("party_sec_meeting_new", a.pk), bad_file)
    assert "不支持的文件类型" in refused.content.decode()
    # a member of another organisation: not on the form, and refused by the service if forced
    outsider = meeting_post([party["secretary"]])
    outsider[f"att_{party['other'].pk}"] = "present"
    client.post(url("party_sec_meeting_new", a.pk), outsider)
    meeting = Meeting.objects.get()
    assert list(meeting.attendances.values_list("member__name", flat=True)) == ["王书记明"]
    with pytest.raises(PartyRefusal, match="不是本组织党员"):
        meeting_record(
            actor=party["sec"],
            org=a,
            kind="theme_day",
            held_on=TODAY,
            topic="越界",
            attendance=[(party["other"], "present")],
        )
    assert Meeting.objects.count() == 1


def test_group_meeting_lists_only_the_group_and_the_meeting_list_filters_and_pages(client, party):
    client.force_login(party["sec"])
    a = party["orgs"]["A"]
    group = group_save(actor=SYSTEM, org=a, name="第一党小组")
    li, chen = party["plain"][0], party["plain"][1]
    PartyMember.objects.filter(pk__in=[li.pk, chen.pk]).update(group=group)
    page = client.get(url("party_sec_meeting_new", a.pk), {"group": group.pk}).content.decode()
    assert "李党员" in page and "周党员" not in page
    data = meeting_post([li, chen], kind="group", group=group.pk, topic="小组学习")
    assert client.post(url("party_sec_meeting_new", a.pk), data).status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.group == group and meeting.present == 2 and meeting.quorum_ok is None
    for day in range(1, 25):
        meeting_record(
            actor=SYSTEM, org=a, kind="lecture", held_on=date(2026, 5, day), topic=f"党课第{day}讲"
        )
    listing = client.get(url("party_sec_meetings", a.pk), {"kind": "group"}).content.decode()
    assert "小组学习" in listing and "党课第" not in listing
    first = client.get(url("party_sec_meetings", a.pk), {"kind": "lecture"}).content.decode()
    assert "共 24 条" in first and "第 1 / 2 页" in first
    dated = client.get(
        url("party_sec_meetings", a.pk), {"date_from": "2026-05-20", "date_to": "2026-05-21"}
    ).content.decode()
    assert "党课第20讲" in dated and "党课第21讲" in dated and "党课第19讲" not in dated


# -------------------------------------------------------------------------------------- posts, teams, deployments


def test_pioneer_posts_shock_teams_and_deployments(client, party):
    client.force_login(party["sec"])
    a = party["orgs"]["A"]
    li, chen = party["plain"][0], party["plain"][1]
    page = url("party_sec_activities", a.pk)
    response = client.post(
        page,
        {
            "form": "pioneer",
            "pioneer-name": "便民服务岗",
            "pioneer-holder": li.pk,
            "pioneer-from_date": "2026-06-01",
        },
    )
    assert response.status_code == 302
    post = PioneerPost.objects.get()
    assert (post.org, post.holder, post.to_date) == (a, li, None)
    client.post(url("party_sec_pioneer_end", post.pk), {"to_date": "2026-06-15"})
    post.refresh_from_db()
    assert post.to_date == TODAY
    bad = client.post(url("party_sec_pioneer_end", post.pk), {"to_date": "2026-05-01"}, follow=True)
    assert "结束日期不能早于开始日期" in bad.content.decode()
    client.post(
        page,
        {
            "form": "team",
            "team-name": "防汛突击队",
            "team-task": "防汛抢险",
            "team-members": [li.pk, chen.pk],
        },
    )
    team = ShockTeam.objects.get()
    assert set(team.members.all()) == {li, chen}
    client.post(url("party_sec_team_end", team.pk), {"to_date": "2026-06-15"})
    team.refresh_from_db()
    assert team.to_date == TODAY
    empty = client.post(
        page,
        {
            "form": "deployment",
            "deployment-task": "社区值守",
            "deployment-from_date": "2026-06-01",
            "deployment-days": "3",
        },
    )
    assert "请指定下沉的党员或填写姓名" in empty.content.decode()
    client.post(
        page,
        {
            "form": "deployment",
            "deployment-member": chen.pk,
            "deployment-task": "社区值守",
            "deployment-from_date": "2026-06-01",
            "deployment-days": "3",
        },
    )
    deployment = Deployment.objects.get()
    html = client.get(page).content.decode()
    assert "共 3 人次" in html and "便民服务岗" in html and "防汛突击队" in html
    assert "2026-06-01 至 2026-06-15" in html and url("party_sec_pioneer_end", post.pk) not in html
    client.post(url("party_sec_deployment_delete", deployment.pk))
    assert not Deployment.objects.exists()
    outsider = client.post(
        page, {"form": "pioneer", "pioneer-name": "岗", "pioneer-holder": party["other"].pk}
    )
    assert outsider.status_code == 200 and PioneerPost.objects.count() == 1  # not a choice on his form


# -------------------------------------------------------------------------------------------------- appraisal


def test_appraisal_shows_the_one_third_check_before_saving(client, party):
    client.force_login(party["sec"])
    a = party["orgs"]["A"]
    everyone = [party["secretary"], *party["plain"]]  # 4 members: at most 1 优秀
    page = url("party_sec_appraisal", a.pk)
    grades = {f"grade_{m.pk}": "qualified" for m in everyone}
    grades[f"grade_{everyone[0].pk}"] = grades[f"grade_{everyone[1].pk}"] = "excellent"
    checked = client.post(page, {"year": "2025", "action": "check", **grades}).content.decode()
    assert "参评 4 名，评为优秀 2 名，最多可评 1 名（1/3）" in checked and "超过比例" in checked
    assert not Appraisal.objects.exists()
    unconfirmed = client.post(page, {"year": "2025", "action": "save", **grades}).content.decode()
    assert "仍然保存" in unconfirmed and not Appraisal.objects.exists()
    saved = client.post(page, {"year": "2025", "action": "save", "confirm": "1", **grades}, follow=True)
    assert Appraisal.objects.filter(year=2025).count() == 4
    assert "超过参评党员" in saved.content.decode()  # the service's warning, as a message
    # within the limit: saved at once
    grades[f"grade_{everyone[1].pk}"] = "qualified"
    ok = client.post(page, {"year": "2025", "action": "save", **grades})
    assert ok.status_code == 302 and Appraisal.objects.filter(grade="excellent").count() == 1
    # a rule that refuses: never saved over the limit
    MemberRule.objects.create(
        version="严格",
        effective_from=date(2026, 1, 1),
        excellent_over_limit=MemberRule.OverLimit.REFUSE,
    )
    grades[f"grade_{everyone[1].pk}"] = "excellent"
    refused = client.post(page, {"year": "2025", "action": "save", "confirm": "1", **grades}).content.decode()
    assert "不能保存" in refused and Appraisal.objects.filter(grade="excellent").count() == 1
    future = client.post(page, {"year": "2027", "action": "save", **grades})
    assert future.status_code == 200 and not Appraisal.objects.filter(year=2027).exists()


def test_appraisal_shows_the_communitys_evaluation_of_members_who_reported(client, party):
    from civicgrid.engagement import services as engagement

    li = party["plain"][0]
    li.in_service = True
    li.save(update_fields=["in_service"])
    community = party["orgs"]["A"].area
    registration = engagement.register_member(actor=None, member=li, community=community, on=date(2026, 2, 1))
    engagement.evaluation_record(
        actor=SYSTEM, registration=registration, year=2026, grade="good", comment="积极"
    )
    client.force_login(party["sec"])
    html = client.get(url("party_sec_appraisal", party["orgs"]["A"].pk) + "?year=2026").content.decode()
    assert f"社区评价：好（{community.name}，服务 0 小时、活动 0 次、微心愿 0 个，未完成年度任务）" in html
    earlier = client.get(url("party_sec_appraisal", party["orgs"]["A"].pk) + "?year=2025").content.decode()
    assert "社区评价：" not in earlier


def test_a_secretary_proposes_a_temporary_organisation_and_organisation_staff_approve_it(client, party):
    from civicgrid.party.models import OrgProposal
    from tests.party.factories import unit

    a = party["orgs"]["A"]
    client.force_login(party["sec"])
    assert url("party_sec_proposals", a.pk) in client.get(url("party_sec_org", a.pk)).content.decode()
    page = url("party_sec_proposals", a.pk)
    assert "提交申请" in client.get(page).content.decode()
    data = {
        "name": "甲社区防汛临时党支部",
        "kind": "branch",
        "setup": "community",
        "area": a.area_id,
        "is_temporary": "on",
        "temp_task": "防汛抢险",
        "end_date": "2026-10-31",
        "reason": "汛期抢险需要",
    }
    response = client.post(page, {**data, "temp_task": ""}, follow=True)
    assert "临时党组织请填写临时任务" in response.content.decode()
    response = client.post(page, data, follow=True)
    html = response.content.decode()
    assert "待组织部审批" in html and "甲社区防汛临时党支部" in html and "待审批" in html
    proposal = OrgProposal.objects.get()
    # Not under a 党支部, nor under an organisation he does not lead.
    assert client.get(url("party_sec_proposals", party["orgs"]["A1"].pk)).status_code == 200
    assert "提交申请" not in client.get(url("party_sec_proposals", party["orgs"]["A1"].pk)).content.decode()
    assert client.get(url("party_sec_proposals", party["orgs"]["B"].pk)).status_code == 404
    # The secretary cannot decide it.
    assert client.get(url("org_proposal", proposal.pk)).status_code == 403

    officer = staff("org_c", [Role.ORGANISATION_STAFF], [unit("U-C", a.area)])
    client.force_login(officer)
    html = client.get(url("org_approvals")).content.decode()
    assert "新建党组织申请" in html and "甲社区防汛临时党支部" in html
    decide = url("org_proposal", proposal.pk)
    client.post(
        decide, {"decision": "approve", "code": "A-F1", "founded_on": "2026-06-15"}
    )  # no confirmation
    proposal.refresh_from_db()
    assert proposal.state == OrgProposal.State.PENDING
    client.post(decide, {"decision": "approve", "founded_on": "2026-06-15", "confirm": "on"})  # no code
    proposal.refresh_from_db()
    assert proposal.state == OrgProposal.State.PENDING
    response = client.post(
        decide, {"decision": "approve", "code": "A-F1", "founded_on": "2026-06-15", "confirm": "on"}
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    created = proposal.created_org
    assert proposal.state == OrgProposal.State.APPROVED
    assert (created.code, created.parent, created.approved_by, created.is_temporary) == ("A-F1", a, a, True)
    assert client.get(decide).status_code == 404  # decided: no longer pending
    client.force_login(party["sec"])
    assert "已批准" in client.get(page).content.decode()


def test_organisation_staff_reject_a_proposal_with_a_note(client, party):
    from civicgrid.party.models import OrgProposal
    from civicgrid.party.services.proposals import proposal_submit
    from tests.party.factories import unit

    a, b = party["orgs"]["A"], party["orgs"]["B"]
    proposal = proposal_submit(
        party["sec"], a, name="甲二支部", kind="branch", setup="community", area=a.area, reason="党员增多"
    )
    outsider = staff("org_o", [Role.ORGANISATION_STAFF], [unit("U-O", b.area)])
    client.force_login(outsider)
    assert "甲二支部" not in client.get(url("org_approvals")).content.decode()
    assert client.get(url("org_proposal", proposal.pk)).status_code == 404
    client.force_login(staff("org_c", [Role.ORGANISATION_STAFF], [unit("U-C", a.area)]))
    decide = url("org_proposal", proposal.pk)
    response = client.post(decide, {"decision": "reject", "confirm": "on"})
    assert "不予批准时须填写审批意见" in response.content.decode()
    client.post(decide, {"decision": "reject", "note": "可先设党小组", "confirm": "on"})
    proposal.refresh_from_db()
    assert proposal.state == OrgProposal.State.REJECTED and proposal.decision_note == "可先设党小组"
    assert AuditEvent.objects.filter(action="party.proposal_reject").count() == 1
    client.force_login(party["sec"])
    html = client.get(url("party_sec_proposals", a.pk)).content.decode()
    assert "未批准" in html and "可先设党小组" in html
