from decimal import Decimal

import pytest

from civicgrid.volunteering import selectors
from civicgrid.volunteering.errors import VolunteerRefusal
from civicgrid.volunteering.models import ServiceRecord, SignUp
from civicgrid.volunteering.services import records, signups
from tests.volunteering.factories import activity, at, project, volunteer

pytestmark = pytest.mark.django_db
R = ServiceRecord.State


def served(community, organiser, check_in="2026-06-06 08:50", check_out="2026-06-06 12:40", travel=0, v=None):
    act = activity(project(community), organiser)
    s = signups.apply(volunteer=v or volunteer(community), activity=act, now=at("2026-06-01 10:00"))
    signups.approve(actor=organiser, signup=s, now=at("2026-06-01 10:00"))
    signups.check_in(signup=s, now=at(check_in))
    signups.check_out(signup=s, now=at(check_out), travel_minutes=travel)
    return records.record_signup(actor=organiser, signup=s, now=at("2026-06-06 13:00"))


def test_record_is_capped_at_the_schedule_minus_travel(community, organiser):
    r = served(community, organiser, travel=30)
    assert r.hours == Decimal("2.50") and r.state == R.PENDING
    assert (r.started_at, r.ended_at) == (at("2026-06-06 09:00"), at("2026-06-06 12:00"))
    assert r.signup.state == SignUp.State.RECORDED


def test_only_confirmed_hours_count(community, organiser):
    r = served(community, organiser)
    assert selectors.confirmed_hours() == Decimal("0.00")
    records.confirm(actor=organiser, record=r, now=at("2026-06-06 14:00"))
    assert selectors.confirmed_hours() == Decimal("3.00")
    assert selectors.volunteer_hours(r.volunteer) == Decimal("3.00")


def test_dispute_correct_confirm(community, organiser):
    r = served(community, organiser)
    r = records.dispute(record=r, reason="我 10 点才到", volunteer=r.volunteer)
    assert r.state == R.DISPUTED
    with pytest.raises(VolunteerRefusal):
        records.confirm(actor=organiser, record=r)
    r = records.correct(
        actor=organiser, record=r, started_at=at("2026-06-06 10:00"), ended_at=at("2026-06-06 13:00"), note="核实"
    )
    assert (r.state, r.hours) == (R.CORRECTED, Decimal("2.00"))
    assert selectors.confirmed_hours() == Decimal("0.00")
    records.confirm(actor=organiser, record=r)
    assert selectors.confirmed_hours() == Decimal("2.00")


def test_confirmed_is_final_and_void_never_counts(community, organiser):
    r = served(community, organiser)
    records.confirm(actor=organiser, record=r)
    with pytest.raises(VolunteerRefusal):
        records.void(actor=organiser, record=r, note="误录")
    with pytest.raises(VolunteerRefusal):
        records.dispute(record=r, reason="不对", volunteer=r.volunteer)
    r2 = served(community, organiser, v=volunteer(community))
    records.void(actor=organiser, record=r2, note="未到场")
    assert selectors.confirmed_hours() == Decimal("3.00")


def test_a_volunteer_disputes_only_his_own(community, organiser):
    r = served(community, organiser)
    with pytest.raises(VolunteerRefusal, match="本人"):
        records.dispute(record=r, reason="不对", volunteer=volunteer(community))


def test_record_needs_a_check_out(community, organiser):
    act = activity(project(community), organiser)
    s = signups.apply(volunteer=volunteer(community), activity=act, now=at("2026-06-01 10:00"))
    with pytest.raises(VolunteerRefusal, match="已签退"):
        records.record_signup(actor=organiser, signup=s)


def test_stars_follow_confirmed_hours(db):
    day = at("2026-06-01 00:00").date()
    assert selectors.star_of(Decimal("99.99"), day) is None
    assert selectors.star_of(Decimal("100"), day).stars == 1
    assert selectors.star_of(Decimal("650"), day).stars == 3
    assert selectors.star_of(Decimal("1500"), day).stars == 5
    assert selectors.next_star(Decimal("650"), day).min_hours == Decimal("1000")
