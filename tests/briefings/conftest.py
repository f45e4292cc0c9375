"""Briefing fixtures: 海南省 → 琼海市 → 嘉积镇 (银海社区, 金海社区) and 博鳌镇; the 12345 centre, two departments, a
town, a community and a grid team; a leader, a supervisor, an administrator, an operator and a unit handler.
Stored files go to a temporary media directory."""

import pytest

from civicgrid.registry.models import AdminArea, Role, Unit
from tests.assessment.factories import local, make_ticket
from tests.party.factories import staff, unit
from tests.registry.factories import COMMUNITY, COUNTY, TOWN, make_area, make_hierarchy

__all__ = ["local", "make_ticket"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


class World(dict):
    def __getattr__(self, name):
        return self[name]


def make_world() -> World:
    areas = make_hierarchy()
    county, town, community = areas[COUNTY], areas[TOWN], areas[COMMUNITY]
    boao = make_area("469002101", "博鳌镇", AdminArea.Level.TOWN, county)
    centre = unit("U-12345", county, name="琼海市12345热线中心", kind=Unit.Kind.HOTLINE_CENTRE)
    housing = unit("U-ZJJ", county, name="琼海市住房和城乡建设局", kind=Unit.Kind.DEPARTMENT)
    water = unit("U-SWJ", county, name="琼海市水务局", kind=Unit.Kind.DEPARTMENT)
    town_unit = unit("U-JJZ", town, name="嘉积镇人民政府", kind=Unit.Kind.TOWN)
    community_unit = unit("U-YHSQ", community, name="银海社区居委会", kind=Unit.Kind.COMMUNITY)
    grid_team = unit("U-WG01", community, name="银海第一网格工作组", kind=Unit.Kind.GRID_TEAM)
    return World(
        areas=areas,
        county=county,
        town=town,
        community=community,
        boao=boao,
        centre=centre,
        housing=housing,
        water=water,
        town_unit=town_unit,
        community_unit=community_unit,
        grid_team=grid_team,
        leader=staff("leader", [Role.LEADER], units=[centre]),
        supervisor=staff("supervisor", [Role.SUPERVISOR], units=[centre]),
        admin=staff("admin", [Role.ADMINISTRATOR], units=[centre]),
        operator=staff("operator", [Role.OPERATOR], units=[centre]),
        handler=staff("zjj", [Role.UNIT_HANDLER], units=[housing]),
    )


@pytest.fixture
def world(db) -> World:
    return make_world()
