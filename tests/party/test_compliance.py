"""Compliance lights: done against required per rule period; amber while the period runs, red after."""

from datetime import date

import pytest

from civicgrid.core.actors import SYSTEM
from civicgrid.party.compliance import (
    AMBER,
    GREEN,
    RED,
    compliance_for,
    light,
    org_compliance,
    orgs_behind,
    period_bounds,
)
from civicgrid.party.models import ComplianceRule, Meeting, PartyOrg
from civicgrid.party.services.meetings import meeting_record
from civicgrid.party.services.orgs import group_save
from civicgrid.party.services.terms import term_start
from tests.party.factories import TOWN, org

pytestmark = pytest.mark.django_db


def test_light_and_period_bounds():
    assert light(1, 1, date(2026, 1, 31), date(2026, 1, 15)) == GREEN
    assert light(0, 1, date(2026, 1, 31), date(2026, 1, 15)) == AMBER
    assert light(0, 1, date(2026, 1, 31), date(2026, 2, 1)) == RED
    assert period_bounds(ComplianceRule.Period.QUARTER, date(2026, 11, 5)) == (
        date(2026, 10, 1),
        date(2026, 12, 31),
    )
    assert period_bounds(ComplianceRule.Period.MONTH, date(2026, 2, 5)) == (
        date(2026, 2, 1),
        date(2026, 2, 28),
    )
    assert period_bounds(ComplianceRule.Period.YEAR, date(2026, 2, 5)) == (
        date(2026, 1, 1),
        date(2026, 12, 31),
    )


def record(branch, kind, day):
    meeting_record(
        actor=SYSTEM, org=branch, kind=kind, held_on=day, topic="会议", expected=5, present=5, at=day
    )


def test_rules_apply_by_kind_committee_and_groups(areas):
    branch = org("B", areas[TOWN])
    committee = org("K", areas[TOWN], kind=PartyOrg.Kind.COMMITTEE, setup=PartyOrg.Setup.ORGAN)
    status = org_compliance(branch, date(2026, 2, 10))
    kinds = sorted(i.meeting_kind for i in status.items)
    assert kinds == sorted(
        ["general_assembly", "lecture", "theme_day", "life_meeting"]
    )  # no committee, no groups
    assert org_compliance(committee, date(2026, 2, 10)).items == []
    term_start(actor=SYSTEM, org=branch, elected_on=date(2025, 1, 1))
    group_save(actor=SYSTEM, org=branch, name="第一党小组")
    assert len(org_compliance(branch, date(2026, 2, 10)).items) == 6


def test_lights_for_current_and_previous_periods(areas):
    branch = org("B", areas[TOWN])
    record(branch, Meeting.Kind.THEME_DAY, date(2026, 1, 20))
    record(branch, Meeting.Kind.LECTURE, date(2026, 1, 21))
    current = {i.meeting_kind: i for i in org_compliance(branch, date(2026, 1, 25)).items}
    assert current["theme_day"].light == GREEN and current["lecture"].light == GREEN
    assert current["general_assembly"].light == AMBER and current["general_assembly"].done == 0
    assert org_compliance(branch, date(2026, 1, 25)).light == AMBER
    previous = {i.meeting_kind: i for i in org_compliance(branch, date(2026, 2, 10), previous=True).items}
    assert previous["theme_day"].light == GREEN  # January
    assert previous["general_assembly"].light == RED and previous["general_assembly"].end == date(
        2025, 12, 31
    )
    assert orgs_behind([branch], date(2026, 2, 10)) == [branch.pk]
    assert compliance_for(PartyOrg.objects.all(), date(2026, 1, 25))[branch.pk].light == AMBER
