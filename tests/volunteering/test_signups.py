from datetime import date

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.volunteering.errors import VolunteerRefusal
from civicgrid.volunteering.models import Project, SignUp
from civicgrid.volunteering.services import signups
from tests.volunteering.factories import activity, at, project, volunteer

pytestmark = pytest.mark.django_db
St = SignUp.State
BEFORE = at("2026-06-01 10:00")


@pytest.fixture
def act(community, organiser):
    return activity(project(community), organiser)


def test_the_whole_way(community, organiser, act):
    v = volunteer(community)
    s = signups.apply(volunteer=v, activity=act, now=BEFORE)
    assert s.state == St.APPLIED
    s = signups.approve(actor=organiser, signup=s, now=BEFORE)
    s = signups.check_in(signup=s, now=at("2026-06-06 08:55"))
    assert s.state == St.CHECKED_IN
    s = signups.check_out(signup=s, now=at("2026-06-06 11:30"), travel_minutes=20)
    assert (s.state, s.travel_minutes) == (St.CHECKED_OUT, 20)


def test_overlapping_sign_up_is_refused(community, organiser, act):
    v = volunteer(community)
    signups.apply(volunteer=v, activity=act, now=BEFORE)
    other = activity(project(community, name="垃圾分类"), organiser, "2026-06-06 11:00", "2026-06-06 13:00", title="宣传")
    with pytest.raises(VolunteerRefusal, match="时间重叠"):
        signups.apply(volunteer=v, activity=other, now=BEFORE)
    # Back to back is not an overlap.
    later = activity(project(community, name="助学"), organiser, "2026-06-06 12:00", "2026-06-06 14:00", title="辅导")
    assert signups.apply(volunteer=v, activity=later, now=BEFORE).state == St.APPLIED


def test_a_cancelled_sign_up_frees_the_time(community, organiser, act):
    v = volunteer(community)
    s = signups.apply(volunteer=v, activity=act, now=BEFORE)
    signups.cancel(signup=s)
    other = activity(project(community, name="垃圾分类"), organiser, "2026-06-06 10:00", "2026-06-06 11:00", title="宣传")
    assert signups.apply(volunteer=v, activity=other, now=BEFORE).state == St.APPLIED
    with pytest.raises(VolunteerRefusal, match="时间重叠"):
        signups.apply(volunteer=v, activity=act, now=BEFORE)


def test_applying_twice_is_refused(community, act):
    v = volunteer(community)
    signups.apply(volunteer=v, activity=act, now=BEFORE)
    with pytest.raises(VolunteerRefusal, match="已报名"):
        signups.apply(volunteer=v, activity=act, now=BEFORE)


def test_only_recruiting_or_running_projects_take_sign_ups(community, organiser):
    act = activity(project(community, state=Project.State.PUBLISHED), organiser)
    with pytest.raises(VolunteerRefusal, match="不在招募中"):
        signups.apply(volunteer=volunteer(community), activity=act, now=BEFORE)


def test_capacity_is_enforced_at_approval(community, organiser):
    act = activity(project(community), organiser, capacity=1)
    first = signups.apply(volunteer=volunteer(community), activity=act, now=BEFORE)
    second = signups.apply(volunteer=volunteer(community), activity=act, now=BEFORE)
    signups.approve(actor=organiser, signup=first, now=BEFORE)
    with pytest.raises(VolunteerRefusal, match="招募人数"):
        signups.approve(actor=organiser, signup=second, now=BEFORE)


def test_check_in_needs_approval_and_the_time_window(community, organiser, act):
    s = signups.apply(volunteer=volunteer(community), activity=act, now=BEFORE)
    with pytest.raises(VolunteerRefusal, match="尚未录用"):
        signups.check_in(signup=s, now=at("2026-06-06 09:00"))
    signups.approve(actor=organiser, signup=s, now=BEFORE)
    with pytest.raises(VolunteerRefusal, match="1 小时"):
        signups.check_in(signup=s, now=at("2026-06-06 07:30"))
    with pytest.raises(VolunteerRefusal, match="已结束"):
        signups.check_in(signup=s, now=at("2026-06-06 12:00"))
    with pytest.raises(VolunteerRefusal, match="尚未签到"):
        signups.check_out(signup=s, now=at("2026-06-06 10:00"))


def test_forgotten_check_out_is_capped_at_the_scheduled_end(community, organiser, act):
    s = signups.apply(volunteer=volunteer(community), activity=act, now=BEFORE)
    signups.approve(actor=organiser, signup=s, now=BEFORE)
    signups.check_in(signup=s, now=at("2026-06-06 09:05"))
    assert signups.close_forgotten(at("2026-06-06 11:59")) == 0
    assert signups.close_forgotten(at("2026-06-06 20:00")) == 1
    s.refresh_from_db()
    assert s.state == St.CHECKED_OUT and s.checked_out_at == act.ends_at and s.checkout_capped
    assert AuditEvent.objects.filter(action="volunteer.checkout_capped").count() == 1
    assert signups.close_forgotten(at("2026-06-06 21:00")) == 0


def test_minor_without_consent_cannot_sign_up(community, act):
    v = volunteer(
        community, birth="20120301", guardian_name="李华", guardian_relation="母亲", guardian_consent_on=date(2026, 5, 1)
    )
    v.guardian_consent_on = None  # consent withdrawn in the admin
    v.save()
    with pytest.raises(VolunteerRefusal, match="监护人"):
        signups.apply(volunteer=v, activity=act, now=BEFORE)
