from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.contrib.auth.models import AnonymousUser

from civicgrid.core.actors import SYSTEM
from civicgrid.volunteering import selectors
from civicgrid.volunteering.models import Project
from tests.party.factories import staff
from tests.registry.factories import COUNTY, TOWN
from tests.volunteering.factories import at, project, volunteer, worker
from tests.volunteering.helpers import confirmed

pytestmark = pytest.mark.django_db


def test_a_community_worker_sees_his_communitys_projects(community, other_community):
    mine = project(community, name="银海项目")
    project(other_community, name="金海项目")
    user = worker("w3", community)
    assert [p.name for p in selectors.projects_for(user)] == ["银海项目"]
    assert selectors.can_manage_area(user, community.pk) and not selectors.can_manage_area(user, other_community.pk)
    assert list(selectors.activities_for(user)) == list(mine.activities.all())


def test_a_town_worker_sees_every_community_below(areas, community, other_community):
    project(community)
    project(other_community)
    user = worker("town", areas[TOWN])
    assert selectors.projects_for(user).count() == 2


def test_administrator_and_command_line_see_everything(community, other_community):
    project(community)
    project(other_community)
    assert selectors.projects_for(SYSTEM).count() == 2
    assert selectors.projects_for(staff("admin1", ["administrator"])).count() == 2
    assert selectors.projects_for(staff("nounit", ["grid_worker"])).count() == 0
    with pytest.raises(PermissionDenied):
        selectors.projects_for(AnonymousUser())


def test_confirmed_hours_by_area_year_and_person(areas, community, other_community, organiser):
    v = volunteer(community, party_member_id=7)
    confirmed(community, organiser, v)  # 3 h in 2026
    confirmed(other_community, organiser, volunteer(other_community), "2026-07-01 09:00", "2026-07-01 10:00")
    confirmed(community, organiser, v, "2025-12-31 09:00", "2025-12-31 11:00")  # 2 h in 2025
    assert selectors.confirmed_hours() == Decimal("6.00")
    assert selectors.confirmed_hours(year=2026) == Decimal("4.00")
    assert selectors.confirmed_hours(area_ids=[community.pk], year=2026) == Decimal("3.00")
    subtree = selectors.area_subtree_ids([areas[COUNTY]])
    assert selectors.confirmed_hours(area_ids=subtree, year=2026) == Decimal("4.00")
    assert selectors.confirmed_hours(person_ids=[7]) == Decimal("5.00")
    assert selectors.confirmed_hours(area_ids=[], year=2026) == Decimal("0.00")
    assert selectors.confirmed_hours_by_person(year=2026) == {7: Decimal("3.00")}
    assert selectors.activities_count(year=2026) == 2
    assert selectors.activities_count([community.pk], 2025) == 1


def test_records_confirmed_since_gives_the_idempotency_source(community, organiser):
    v = volunteer(community, party_member_id=9)
    r1 = confirmed(community, organiser, v)
    r2 = confirmed(community, organiser, v, "2026-06-08 09:00", "2026-06-08 10:00")
    rows = selectors.records_confirmed_since(at("2026-06-06 12:00"))
    assert [(x.source_kind, x.source_id) for x in rows] == [("volunteering.record", r1.pk), ("volunteering.record", r2.pk)]
    assert rows[0].hours == Decimal("3.00") and rows[0].party_member_id == 9 and rows[0].phone == v.phone
    assert [x.source_id for x in selectors.records_confirmed_since(at("2026-06-07 00:00"))] == [r2.pk]
    assert selectors.records_confirmed_since(at("2026-06-06 12:00"), until=at("2026-06-07 00:00"))[0].source_id == r1.pk


def test_open_activities_are_those_of_recruiting_projects(community, organiser):
    from tests.volunteering.factories import activity

    activity(project(community), organiser)
    activity(project(community, state=Project.State.PUBLISHED, name="未招募"), organiser)
    assert [a.project.name for a in selectors.open_activities(at("2026-06-01 00:00"))] == ["关爱老人"]
    assert not selectors.open_activities(at("2026-06-07 00:00")).exists()
