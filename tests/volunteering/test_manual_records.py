"""Service records outside a signed-up activity: entered by staff (a project's ad-hoc work) or for a micro-wish.

They are pending like every record and follow pending → confirmed / disputed → corrected / void; hours exclude
travel; a volunteer's records never overlap; only confirmed hours count, in the record's area."""

from decimal import Decimal

import pytest
import time_machine

from civicgrid.volunteering import export, selectors
from civicgrid.volunteering.errors import VolunteerRefusal
from civicgrid.volunteering.models import Project, ServiceRecord
from civicgrid.volunteering.services import records, signups
from tests.volunteering.factories import activity, at, project, volunteer, worker

pytestmark = pytest.mark.django_db
R = ServiceRecord.State


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(at("2026-06-10 18:00"), tick=False):
        yield


def manual(v, p=None, *, start="2026-06-08 09:00", end="2026-06-08 11:30", travel=0, actor=None, area=None):
    return records.record_manual(
        actor=actor,
        volunteer=v,
        project=p,
        area=area,
        started_at=at(start),
        ended_at=at(end),
        travel_minutes=travel,
        content="清理河道垃圾",
    )


def test_a_manual_record_of_a_projects_ad_hoc_work_is_pending_and_excludes_travel(community, organiser):
    p = project(community, state=Project.State.RUNNING)
    r = manual(volunteer(community), p, travel=30, actor=organiser)
    assert (r.state, r.source, r.hours) == (R.PENDING, ServiceRecord.Source.MANUAL, Decimal("2.00"))
    assert (r.project, r.activity, r.area) == (p, None, community)
    assert r.recorded_by == organiser
    assert selectors.confirmed_hours() == Decimal("0.00")
    records.confirm(actor=organiser, record=r)
    assert selectors.confirmed_hours(area_ids=[community.pk], year=2026) == Decimal("2.00")
    assert selectors.volunteer_hours(r.volunteer) == Decimal("2.00")


def test_a_manual_record_follows_dispute_correct_void(community, organiser):
    r = manual(volunteer(community), area=community, actor=organiser)
    assert r.project is None and r.area == community
    r = records.dispute(record=r, reason="我 10 点才到", volunteer=r.volunteer)
    r = records.correct(
        actor=organiser,
        record=r,
        started_at=at("2026-06-08 10:00"),
        ended_at=at("2026-06-08 11:30"),
        travel_minutes=15,
        note="核实",
    )
    assert (r.state, r.hours) == (R.CORRECTED, Decimal("1.25"))
    records.void(actor=organiser, record=r, note="重复登记")
    r.refresh_from_db()
    assert r.state == R.VOID
    with pytest.raises(VolunteerRefusal):
        records.confirm(actor=organiser, record=r)


def test_records_of_one_volunteer_never_overlap(community, organiser):
    v = volunteer(community)
    first = manual(v, area=community)
    with pytest.raises(VolunteerRefusal, match="时间重叠"):
        manual(v, area=community, start="2026-06-08 11:00", end="2026-06-08 12:00")
    manual(v, area=community, start="2026-06-08 11:30", end="2026-06-08 12:00")  # touching is not overlapping
    records.void(actor=organiser, record=first, note="登记错误")
    manual(
        v, area=community, start="2026-06-08 09:00", end="2026-06-08 10:00"
    )  # a void record frees its time
    manual(volunteer(community, name="李四"), area=community)  # another volunteer may serve at the same time


def test_a_manual_record_may_not_overlap_an_activity_record_nor_the_reverse(community, organiser):
    v = volunteer(community)
    act = activity(project(community), organiser, start="2026-06-09 09:00", end="2026-06-09 12:00")
    s = signups.apply(volunteer=v, activity=act, now=at("2026-06-01 10:00"))
    signups.approve(actor=organiser, signup=s)
    signups.check_in(signup=s, now=at("2026-06-09 09:00"))
    with pytest.raises(VolunteerRefusal, match="已签到的活动"):
        manual(v, area=community, start="2026-06-09 10:00", end="2026-06-09 11:00")
    signups.check_out(signup=s, now=at("2026-06-09 12:00"))
    records.record_signup(actor=organiser, signup=s)
    with pytest.raises(VolunteerRefusal, match="时间重叠"):
        manual(v, area=community, start="2026-06-09 11:00", end="2026-06-09 13:00")


@pytest.mark.parametrize(
    "start, end, travel, message",
    [
        ("2026-06-08 11:00", "2026-06-08 09:00", 0, "晚于开始时间"),
        ("2026-06-10 17:00", "2026-06-10 19:00", 0, "已经结束"),
        ("2026-06-07 09:00", "2026-06-08 10:00", 0, "24 小时"),
        ("2026-06-08 09:00", "2026-06-08 09:30", 30, "服务时长为零"),
    ],
)
def test_a_manual_record_refuses_impossible_times(community, start, end, travel, message):
    with pytest.raises(VolunteerRefusal, match=message):
        manual(volunteer(community), area=community, start=start, end=end, travel=travel)


def test_a_manual_record_needs_content_and_a_place_and_a_published_project(community):
    v = volunteer(community)
    with pytest.raises(VolunteerRefusal, match="服务内容"):
        records.record_manual(
            actor=None, volunteer=v, area=community, started_at=at("2026-06-08 09:00"),
            ended_at=at("2026-06-08 10:00"), content=" ",
        )  # fmt: skip
    with pytest.raises(VolunteerRefusal, match="项目或服务社区"):
        manual(v)
    with pytest.raises(VolunteerRefusal, match="尚未发布"):
        manual(v, project(community, state=Project.State.DRAFT))


def test_a_worker_records_only_in_his_own_area(community, other_community):
    stranger = worker("jinhai", other_community)
    with pytest.raises(VolunteerRefusal, match="管理范围"):
        manual(volunteer(community), area=community, actor=stranger)


def test_a_record_for_a_source_has_the_entered_hours_ending_then(community):
    v = volunteer(community)
    r = records.record_for_source(
        actor=None,
        volunteer=v,
        area=community,
        hours="1.5",
        ended_at=at("2026-06-08 17:00"),
        content="微心愿：送米",
    )
    assert (r.source, r.state, r.hours, r.started_at) == (
        ServiceRecord.Source.WISH,
        R.PENDING,
        Decimal("1.50"),
        at("2026-06-08 15:30"),
    )
    for bad in ("0", "-1", "25", "abc", "nan", "inf"):
        with pytest.raises(VolunteerRefusal):
            records.record_for_source(
                actor=None,
                volunteer=v,
                area=community,
                hours=bad,
                ended_at=at("2026-06-09 17:00"),
                content="x",
            )


def test_the_national_export_names_records_outside_activities(community, organiser):
    p = project(community, state=Project.State.RUNNING, name="河道守护")
    v = volunteer(community)
    records.confirm(actor=organiser, record=manual(v, p))
    wish = records.record_for_source(
        actor=None,
        volunteer=v,
        area=community,
        hours=1,
        ended_at=at("2026-06-09 17:00"),
        content="微心愿：送米",
    )
    records.confirm(actor=organiser, record=wish)
    rows = export.rows(ServiceRecord.objects.all())
    assert [row[4:6] for row in rows] == [["河道守护", "清理河道垃圾"], ["微心愿", "微心愿：送米"]]
    assert rows[1][9] == community.name
