"""Warnings as data: branch size, missing committee, temporary organisations, terms, probation, lost contact,
transfers; on frozen dates."""

from datetime import date

import pytest

from civicgrid.core.actors import SYSTEM
from civicgrid.party import warnings as w
from civicgrid.party.services.terms import term_start
from civicgrid.party.services.transfers import transfer_send
from tests.party.factories import COMMUNITY, TOWN, member, org

pytestmark = pytest.mark.django_db


def codes(found):
    return sorted(x.code for x in found)


def test_branch_over_fifty_and_no_committee(areas):
    branch = org("B", areas[TOWN])
    for _ in range(51):
        member(branch)
    found = w.org_warnings(branch, date(2026, 1, 1))
    assert codes(found) == [w.BRANCH_TOO_BIG, w.NO_COMMITTEE]
    term_start(actor=SYSTEM, org=branch, elected_on=date(2025, 1, 1))
    assert codes(w.org_warnings(branch, date(2026, 1, 1))) == [w.BRANCH_TOO_BIG]


def test_seven_full_members_need_a_committee_six_do_not(areas):
    branch = org("B", areas[TOWN])
    for _ in range(6):
        member(branch)
    member(branch, category="probationary", joined_on=date(2025, 12, 1))
    assert w.NO_COMMITTEE not in codes(w.org_warnings(branch, date(2026, 1, 1)))
    member(branch)
    assert w.NO_COMMITTEE in codes(w.org_warnings(branch, date(2026, 1, 1)))


def test_temporary_org_past_end_incomplete_and_with_members(areas):
    temp = org("L", areas[TOWN], is_temporary=True, end_date=date(2025, 12, 31))
    member(temp)
    found = {x.code: x for x in w.org_warnings(temp, date(2026, 1, 1))}
    assert set(found) == {w.TEMPORARY_EXPIRED, w.TEMPORARY_INCOMPLETE, w.MEMBER_IN_TEMPORARY}
    assert found[w.TEMPORARY_EXPIRED].level == w.DANGER
    assert "临时任务、批准组织" in found[w.TEMPORARY_INCOMPLETE].text


def test_term_due_soon_then_overdue(areas):
    branch = org("B", areas[COMMUNITY])
    term_start(actor=SYSTEM, org=branch, elected_on=date(2021, 5, 1))  # due 2026-05-01
    assert codes(w.org_warnings(branch, date(2025, 10, 31))) == []
    assert codes(w.org_warnings(branch, date(2025, 11, 1))) == [w.TERM_DUE_SOON]
    assert codes(w.org_warnings(branch, date(2026, 5, 2))) == [w.TERM_OVERDUE]


def test_member_timers(areas):
    branch = org("B", areas[TOWN])
    prob = member(branch, category="probationary", joined_on=date(2025, 7, 1))
    lost = member(branch)
    lost.lost_contact, lost.lost_since = True, date(2025, 6, 1)
    lost.save()
    assert codes(w.member_warnings(prob, date(2026, 5, 31))) == []
    assert codes(w.member_warnings(prob, date(2026, 6, 1))) == [w.PROBATION_DUE]
    assert w.member_warnings(prob, date(2026, 7, 2))[0].level == w.DANGER
    assert codes(w.member_warnings(lost, date(2025, 11, 30))) == []
    assert codes(w.member_warnings(lost, date(2025, 12, 1))) == [w.LOST_SUSPEND]
    assert codes(w.member_warnings(lost, date(2027, 6, 1))) == [w.LOST_REMOVE]
    assert codes(w.org_warnings(branch, date(2026, 6, 1))) == sorted([w.PROBATION_DUE, w.LOST_SUSPEND])


def test_transfer_overdue_warns_both_ends(areas):
    a, b = org("A", areas[TOWN]), org("B", areas[TOWN])
    transfer_send(actor=SYSTEM, member=member(a), direction="out", to_org=b, sent_on=date(2026, 1, 1))
    found = w.warnings_for_orgs([a, b], date(2026, 4, 2))
    assert codes(found[a.pk]) == [w.TRANSFER_OVERDUE] and codes(found[b.pk]) == [w.TRANSFER_OVERDUE]
    assert w.warnings_for_orgs([a.pk], date(2026, 4, 1))[a.pk] == []
