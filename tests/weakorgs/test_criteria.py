"""Each criterion at its boundary, with the day given (the scan's as-of), including windows across the year end."""

from datetime import date

import pytest

from civicgrid.core.actors import SYSTEM
from civicgrid.party.models import Meeting, PartyOrg, Post
from civicgrid.party.services.meetings import meeting_record
from civicgrid.party.services.terms import PostInput, posts_set
from civicgrid.registry.models import Unit
from civicgrid.weakorgs.criteria import NOT_APPLICABLE, criteria_at, evaluate, full_months, window
from civicgrid.weakorgs.models import Criterion
from tests.assessment.factories import local, make_rated
from tests.party.factories import unit

pytestmark = pytest.mark.django_db
C = Criterion.Code


def reasons(org, day, only=None):
    rules = criteria_at(day)
    if only:
        rules = {code: rule for code, rule in rules.items() if code in only}
    found = evaluate(PartyOrg.objects.filter(pk=org.pk), day, rules)
    return {r.code: r.text for r in found[org.pk].reasons} if org.pk in found else {}


def test_full_months_and_windows():
    assert full_months(date(2026, 8, 1), date(2026, 11, 1)) == 3
    assert full_months(date(2026, 8, 1), date(2026, 10, 31)) == 2
    assert full_months(date(2026, 8, 1), date(2026, 12, 2)) == 4
    assert window(date(2027, 1, 2), 0) == (date(2026, 1, 1), date(2026, 12, 31))
    assert window(date(2027, 1, 2), 12) == (date(2026, 1, 1), date(2026, 12, 31))
    assert window(date(2027, 2, 10), 3) == (date(2026, 11, 1), date(2027, 1, 31))


def test_secretary_vacant_exactly_three_months_is_not_over_three(world):
    yinhai = world["yinhai"]
    only = {C.SECRETARY_VACANT}
    assert reasons(yinhai, date(2026, 11, 1), only) == {}  # vacant since 2026-08-01: exactly 3 months
    assert reasons(yinhai, date(2026, 11, 2), only) == {
        C.SECRETARY_VACANT: "书记空缺 3 个月（自 2026-08-01）"
    }
    assert reasons(yinhai, date(2026, 12, 2), only) == {
        C.SECRETARY_VACANT: "书记空缺 4 个月（自 2026-08-01）"
    }
    # Across the year end.
    assert reasons(yinhai, date(2027, 1, 2), only) == {C.SECRETARY_VACANT: "书记空缺 5 个月（自 2026-08-01）"}
    assert reasons(world["jinhai"], date(2027, 1, 2), only) == {}  # a serving 书记


def test_secretary_appointed_later_ends_the_vacancy_and_the_parameter_is_config(world):
    yinhai, term = world["yinhai"], world["term"]
    posts_set(
        actor=SYSTEM,
        term=term,
        posts=[
            PostInput(post=Post.Kind.SECRETARY, person_name="王书记", to_date=date(2026, 7, 31)),
            PostInput(post=Post.Kind.SECRETARY, person_name="新书记", from_date=date(2026, 12, 1)),
        ],
    )
    assert reasons(yinhai, date(2026, 11, 20), {C.SECRETARY_VACANT})
    assert reasons(yinhai, date(2026, 12, 2), {C.SECRETARY_VACANT}) == {}
    Criterion.objects.filter(code=C.SECRETARY_VACANT).update(months=4)
    assert reasons(yinhai, date(2026, 11, 20), {C.SECRETARY_VACANT}) == {}


def test_a_switched_off_criterion_is_not_applied(world):
    Criterion.objects.filter(code=C.SECRETARY_VACANT).update(enabled=False)
    assert C.SECRETARY_VACANT not in criteria_at(date(2026, 12, 2))
    assert C.SECRETARY_VACANT not in reasons(world["yinhai"], date(2026, 12, 2))


def test_a_later_version_replaces_the_earlier_from_its_date(world):
    Criterion.objects.create(
        code=C.SECRETARY_VACANT, months=6, version="2027版", effective_from=date(2027, 1, 1)
    )
    assert criteria_at(date(2026, 12, 31))[C.SECRETARY_VACANT].months == 3
    assert criteria_at(date(2027, 1, 1))[C.SECRETARY_VACANT].months == 6
    assert reasons(world["yinhai"], date(2027, 1, 2), {C.SECRETARY_VACANT}) == {}


def test_term_overdue_from_the_day_after_it_was_due(world):
    yinhai = world["yinhai"]  # elected 2021-07-01, five years: due 2026-07-01
    only = {C.TERM_OVERDUE}
    assert reasons(yinhai, date(2026, 7, 1), only) == {}
    assert reasons(yinhai, date(2026, 7, 2), only) == {
        C.TERM_OVERDUE: "未按期换届，逾期 1 天（应于 2026-07-01 换届）"
    }
    Criterion.objects.filter(code=C.TERM_OVERDUE).update(months=6)
    assert reasons(yinhai, date(2027, 1, 1), only) == {}
    assert reasons(yinhai, date(2027, 1, 2), only) == {
        C.TERM_OVERDUE: "未按期换届，逾期 6 个月（应于 2026-07-01 换届）"
    }


def _hold(org, kind, day):
    meeting_record(actor=SYSTEM, org=org, kind=kind, held_on=day, topic="会议", expected=3, present=3, at=day)


def test_life_not_held_over_the_last_three_months_across_the_year_end(world):
    jinhai = world["jinhai"]  # a branch with a committee and no groups
    for month in (9, 10, 11, 12):
        _hold(jinhai, Meeting.Kind.COMMITTEE, date(2026, month, 10))
        if month != 12:
            _hold(jinhai, Meeting.Kind.THEME_DAY, date(2026, month, 11))
    for kind in (Meeting.Kind.GENERAL_ASSEMBLY, Meeting.Kind.LECTURE):
        _hold(jinhai, kind, date(2026, 8, 12))
        _hold(jinhai, kind, date(2026, 11, 12))
    _hold(jinhai, Meeting.Kind.LIFE_MEETING, date(2026, 1, 20))
    only = {C.LIFE_NOT_HELD}
    assert reasons(jinhai, date(2026, 12, 20), only) == {}  # December still running
    assert reasons(jinhai, date(2027, 1, 2), only) == {
        C.LIFE_NOT_HELD: "近 3 个月组织生活未达标 1 项（主题党日2026年12月应 1 次实 0 次）"
    }
    Criterion.objects.filter(code=C.LIFE_NOT_HELD).update(count=2)
    assert reasons(jinhai, date(2027, 1, 2), only) == {}


def test_life_yearly_meeting_of_the_ended_year_counts(world):
    jinhai = world["jinhai"]
    for month in (10, 11, 12):
        _hold(jinhai, Meeting.Kind.COMMITTEE, date(2026, month, 10))
        _hold(jinhai, Meeting.Kind.THEME_DAY, date(2026, month, 11))
    for kind in (Meeting.Kind.GENERAL_ASSEMBLY, Meeting.Kind.LECTURE):
        _hold(jinhai, kind, date(2026, 11, 12))
    assert reasons(jinhai, date(2027, 1, 2), {C.LIFE_NOT_HELD}) == {
        C.LIFE_NOT_HELD: "近 3 个月组织生活未达标 1 项（组织生活会2026年应 1 次实 0 次）"
    }


def _departments(world):
    water = unit("U-SWJ", world["city"], name="水务局", kind=Unit.Kind.DEPARTMENT)
    traffic = unit("U-JTJ", world["city"], name="交通局", kind=Unit.Kind.DEPARTMENT)
    return water, traffic


def test_last_in_the_ranking_of_its_kind_over_the_last_full_year(world):
    water, traffic = _departments(world)
    housing = world["housing"]
    for u, solved in ((water, "solved"), (traffic, "solved"), (housing, "unsolved")):
        make_rated(u, local(2026, 12, 30, 10), solved=solved)
    make_rated(housing, local(2027, 1, 1, 10))  # outside the window: the year 2026
    centre = unit("U-12345", world["city"], name="热线中心", kind=Unit.Kind.HOTLINE_CENTRE)
    make_rated(
        centre, local(2026, 12, 30, 10), solved="unsolved", contacted=False, satisfaction="unsatisfied"
    )
    Criterion.objects.filter(code=C.RANKING_BOTTOM).update(count=1)
    got = reasons(world["organ"], date(2027, 1, 2), {C.RANKING_BOTTOM})
    assert got == {C.RANKING_BOTTOM: "2026年三率综合排名倒数第 1（职能部门 3 个中第 3 名，综合得分 50.0）"}
    assert reasons(world["organ"], date(2026, 12, 31), {C.RANKING_BOTTOM}) == {}  # 2025: no figures


def test_low_satisfaction_needs_the_minimum_of_rated_tickets(world):
    housing = world["housing"]
    for i in range(9):
        make_rated(housing, local(2026, 3 + i, 5, 10), satisfaction="unsatisfied" if i < 5 else "satisfied")
    only = {C.LOW_SATISFACTION}
    assert reasons(world["organ"], date(2027, 1, 2), only) == {}  # 9 rated: below the minimum of 10
    make_rated(housing, local(2026, 12, 31, 23), satisfaction="satisfied")
    assert reasons(world["organ"], date(2027, 1, 2), only) == {
        C.LOW_SATISFACTION: "群众满意率 50.0%（2026年参评 10 件，低于 60%）"
    }
    make_rated(housing, local(2026, 12, 31, 23), satisfaction="satisfied")  # 6 of 11 ≥ 54.5 %: still below
    Criterion.objects.filter(code=C.LOW_SATISFACTION).update(threshold=50)
    assert reasons(world["organ"], date(2027, 1, 2), only) == {}


def test_the_community_unit_answers_for_a_village_org_and_no_unit_means_not_applicable(world):
    make_rated(world["yinhai_unit"], local(2026, 6, 1, 10), satisfaction="unsatisfied")
    Criterion.objects.filter(code=C.LOW_SATISFACTION).update(count=1)
    got = reasons(world["yinhai"], date(2027, 1, 2), {C.LOW_SATISFACTION})
    assert got == {C.LOW_SATISFACTION: "群众满意率 0.0%（2026年参评 1 件，低于 60%）"}
    # 金海 has no unit and no community unit: a note only, which on its own makes no candidate.
    assert reasons(world["jinhai"], date(2027, 1, 2), {C.LOW_SATISFACTION}) == {}
    found = evaluate(PartyOrg.objects.filter(pk=world["jinhai"].pk), date(2027, 1, 2))
    codes = [r.code for r in found[world["jinhai"].pk].reasons]
    assert NOT_APPLICABLE in codes and C.LIFE_NOT_HELD in codes
