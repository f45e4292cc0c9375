"""One rule for "which units a person acts for", read both ways, and everyone who asks agrees with it."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from civicgrid.assessment.selectors import unit_scope
from civicgrid.core.refusal import Refusal
from civicgrid.notify.services import recipients_for_unit
from civicgrid.registry.models import Role, Unit
from civicgrid.registry.selectors import (
    unit_by_code_or_name,
    units_acted_for,
    units_by_code_or_name,
    users_acting_for,
)
from civicgrid.tickets.permissions import units_of
from tests.registry.factories import COMMUNITY, make_grid, make_hierarchy
from tests.sla.factories import make_unit, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    """Two grids with their teams, a department, and people linked to them in every way there is."""
    areas = make_hierarchy()
    east, west = (make_grid(f"{COMMUNITY}00{n}", areas[COMMUNITY], None) for n in (1, 2))
    east_team = make_unit("G001", "东网格工作组", kind=Unit.Kind.GRID_TEAM, grid=east)
    west_team = make_unit("G002", "西网格工作组", kind=Unit.Kind.GRID_TEAM, grid=west)
    department = make_unit("D001", "住建局")
    leader = make_user("gridleader01")  # linked only through Grid.leader
    worker = make_user("grid001")  # linked only through Grid.workers
    member = make_user("member", units=[east_team])
    handler = make_user("handler", units=[department])
    gone = make_user("gone", is_active=False)
    east.leader = leader.staff
    east.save()
    east.workers.add(worker.staff)
    west.workers.add(gone.staff)
    return SimpleNamespace(
        east_team=east_team,
        west_team=west_team,
        department=department,
        leader=leader,
        worker=worker,
        member=member,
        handler=handler,
        gone=gone,
    )


def test_a_person_acts_for_their_units_and_the_teams_of_the_grids_they_work_in_or_lead(people):
    assert units_acted_for(people.leader) == {people.east_team.pk}
    assert units_acted_for(people.worker) == {people.east_team.pk}
    assert units_acted_for(people.member) == {people.east_team.pk}
    assert units_acted_for(people.handler) == {people.department.pk}


def test_nobody_acts_for_anything_without_a_staff_record():
    assert units_acted_for(None) == set()
    assert units_acted_for(AnonymousUser()) == set()


def test_the_active_people_acting_for_each_unit_are_the_same_rule_reversed(people):
    found = users_acting_for([people.east_team, people.west_team.pk, people.department])

    assert found == {
        people.east_team.pk: sorted([people.leader.pk, people.worker.pk, people.member.pk]),
        people.department.pk: [people.handler.pk],
    }
    active = [people.leader, people.worker, people.member, people.handler]
    for user in active:
        for unit_id in units_acted_for(user):
            assert user.pk in found[unit_id]


def test_permissions_notifications_and_the_league_table_scope_agree(people):
    people.leader.staff.roles.set(Role.objects.filter(code=Role.GRID_LEADER))

    assert units_of(people.leader) == unit_scope(people.leader) == units_acted_for(people.leader)
    assert people.leader in recipients_for_unit(people.east_team)


def test_the_answer_is_kept_for_the_request(people, django_assert_num_queries):
    units_acted_for(people.leader)
    with django_assert_num_queries(0):
        units_acted_for(people.leader)


def test_a_unit_is_named_by_its_code_or_a_unique_full_name():
    housing = make_unit("D001", "住建局")
    make_unit("T1", "综合办")
    make_unit("T2", "综合办")
    found, ambiguous = units_by_code_or_name({"D001", "住建局", "综合办", "水务局"})
    assert found == {"D001": housing, "住建局": housing} and ambiguous == {"综合办"}
    assert unit_by_code_or_name(" 住建局 ") == housing and unit_by_code_or_name("") is None
    with pytest.raises(Refusal, match="有重名"):
        unit_by_code_or_name("综合办")
    with pytest.raises(Refusal, match="没有找到单位「水务局」"):
        unit_by_code_or_name("水务局")
