"""Derived values in one place: paths, term due dates, probation due date, lost-contact stages, quorum, masking."""

from datetime import date

import pytest

from civicgrid.party.models import (
    CommitteeTerm,
    Meeting,
    MemberRule,
    PartyMember,
    PartyOrg,
    TermRule,
    add_months,
    mask_person_name,
    rebuild_paths,
)
from tests.party.factories import COMMUNITY, TOWN, member, org

pytestmark = pytest.mark.django_db


def test_add_months_clamps_to_the_month_end():
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)
    assert add_months(date(2025, 3, 15), -6) == date(2024, 9, 15)


def test_masked_names():
    assert mask_person_name("张三丰") == "张*丰"
    assert mask_person_name("张三") == "张*"
    assert mask_person_name("欧阳振华") == "欧**华"


def test_paths_follow_creation_and_moves(areas):
    town = org("T", areas[TOWN], kind=PartyOrg.Kind.COMMITTEE, setup=PartyOrg.Setup.ORGAN)
    general = org("G", areas[TOWN], kind=PartyOrg.Kind.GENERAL_BRANCH, parent=town)
    branch = org("B", areas[COMMUNITY], parent=general)
    assert branch.path == f"/{town.pk}/{general.pk}/{branch.pk}/"
    other = org("T2", areas[TOWN], kind=PartyOrg.Kind.COMMITTEE, setup=PartyOrg.Setup.ORGAN)
    general.parent = other
    general.save()
    branch.refresh_from_db()
    assert branch.path == f"/{other.pk}/{general.pk}/{branch.pk}/"
    assert set(PartyOrg.objects.subtree_of(other)) == {other, general, branch}
    PartyOrg.objects.update(path="")
    assert rebuild_paths() == 4
    branch.refresh_from_db()
    assert branch.path == f"/{other.pk}/{general.pk}/{branch.pk}/"


def test_is_active_at(areas):
    o = org("A", areas[TOWN], founded_on=date(2020, 1, 1))
    o.dissolved_on = date(2024, 6, 1)
    assert not o.is_active_at(date(2019, 12, 31))
    assert o.is_active_at(date(2024, 5, 31)) and not o.is_active_at(date(2024, 6, 1))
    assert list(PartyOrg.objects.active_at(date(2021, 1, 1))) == [o]


def test_term_rules_seeded_by_kind_and_village_community(areas):
    day = date(2026, 1, 1)
    branch = org("B", areas[TOWN], setup=PartyOrg.Setup.UNIT)
    community = org("C", areas[COMMUNITY], setup=PartyOrg.Setup.COMMUNITY)
    committee = org("K", areas[TOWN], kind=PartyOrg.Kind.COMMITTEE, setup=PartyOrg.Setup.ORGAN)
    assert TermRule.for_org(branch, day).years == 3
    assert TermRule.for_org(community, day).years == 5
    assert TermRule.for_org(committee, day).years == 5
    assert TermRule.for_org(branch, day).reminder_months == 6
    assert CommitteeTerm.compute_due_on(date(2023, 3, 15), 3) == date(2026, 3, 15)


def test_term_due_soon_and_overdue(areas):
    term = CommitteeTerm(org=org("B", areas[TOWN]), number=1, elected_on=date(2023, 3, 15), term_years=3)
    term.due_on = CommitteeTerm.compute_due_on(term.elected_on, 3)
    assert not term.is_due_within(date(2025, 9, 14), 6)
    assert term.is_due_within(date(2025, 9, 15), 6)
    assert not term.is_overdue(date(2026, 3, 15)) and term.is_overdue(date(2026, 3, 16))
    term.extended_to = date(2026, 12, 31)
    assert not term.is_overdue(date(2026, 6, 1))


def test_probation_due_and_lost_contact_stages(areas):
    m = member(org("B", areas[TOWN]), category="probationary", joined_on=date(2025, 7, 1))
    assert m.probation_due_on() == date(2026, 7, 1)
    m.probation_extended_to = date(2027, 1, 1)
    assert m.probation_due_on() == date(2027, 1, 1)
    m.lost_contact, m.lost_since = True, date(2024, 1, 10)
    rule = MemberRule.at(date(2026, 1, 1))
    assert m.lost_contact_stage(date(2024, 7, 9), rule) == PartyMember.LostStage.LOST
    assert m.lost_contact_stage(date(2024, 7, 10), rule) == PartyMember.LostStage.SUSPEND
    assert m.lost_contact_stage(date(2026, 1, 10), rule) == PartyMember.LostStage.REMOVE


def test_quorum_is_more_than_half_for_assemblies_and_committees():
    assert Meeting.quorum(Meeting.Kind.GENERAL_ASSEMBLY, 10, 6) is True
    assert Meeting.quorum(Meeting.Kind.GENERAL_ASSEMBLY, 10, 5) is False
    assert Meeting.quorum(Meeting.Kind.COMMITTEE, 5, 3) is True
    assert Meeting.quorum(Meeting.Kind.COMMITTEE, 0, 0) is False
    assert Meeting.quorum(Meeting.Kind.LECTURE, 10, 1) is None


def test_members_active_at_a_date(areas):
    b = org("B", areas[TOWN])
    kept = member(b, joined_on=date(2010, 1, 1))
    gone = member(b, joined_on=date(2010, 1, 1))
    PartyMember.objects.filter(pk=gone.pk).update(status="deceased", status_changed_on=date(2025, 1, 1))
    assert set(PartyMember.objects.active_at(date(2024, 12, 31))) == {kept, gone}
    assert set(PartyMember.objects.active_at(date(2025, 1, 1))) == {kept}
