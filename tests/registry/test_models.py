import pytest
from django.core.exceptions import ValidationError

from civicgrid.registry.models import AdminArea, Grid, Unit

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[110.0, 19.0], [110.1, 19.0], [110.1, 19.1], [110.0, 19.1], [110.0, 19.0]]],
}


@pytest.fixture
def community(db):
    province = AdminArea.objects.create(code="460000", name="海南省", level="province")
    county = AdminArea.objects.create(code="469002", name="琼海市", level="county", parent=province)
    town = AdminArea.objects.create(code="469002100", name="嘉积镇", level="town", parent=county)
    return AdminArea.objects.create(code="469002100001", name="银海社区", level="village", parent=town)


def test_area_code_length_follows_its_level(community):
    area = AdminArea(code="46900210", name="错误", level="town", parent=community.parent.parent)
    with pytest.raises(ValidationError, match="9 位数字"):
        area.full_clean()


def test_area_parent_must_be_a_higher_level(community):
    area = AdminArea(code="469002100002", name="某村", level="village", parent=community)
    with pytest.raises(ValidationError, match="层级必须高于"):
        area.full_clean()


def test_area_path_runs_from_province_down(community):
    assert community.path_display == "海南省 / 琼海市 / 嘉积镇 / 银海社区"


def test_a_village_is_told_from_a_community_by_its_code(community):
    town = community.parent
    village = AdminArea.objects.create(code="469002100201", name="大路村", level="village", parent=town)
    assert village.is_village and not community.is_village and not town.is_village


def test_geometry_is_stored_with_its_bbox(community):
    grid = Grid.objects.create(code="469002100001001", name="一网格", community=community, geometry=SQUARE)
    assert (grid.min_lon, grid.min_lat, grid.max_lon, grid.max_lat) == pytest.approx(
        (110.0, 19.0, 110.1, 19.1)
    )


def test_grid_code_starts_with_its_community_code(community):
    grid = Grid(code="469002100002001", name="错网格", community=community)
    with pytest.raises(ValidationError, match="前 12 位"):
        grid.full_clean()
    grid.code = "46900210000100"
    with pytest.raises(ValidationError, match="15 位数字"):
        grid.full_clean()


def test_dedicated_grid_needs_a_type(community):
    grid = Grid(code="469002100001002", name="市场网格", community=community, kind=Grid.Kind.DEDICATED)
    with pytest.raises(ValidationError, match="专属网格需要选择类别"):
        grid.full_clean()


def test_grid_team_needs_a_grid_and_is_never_a_department(community):
    team = Unit(code="G1", name="工作组", kind=Unit.Kind.GRID_TEAM)
    with pytest.raises(ValidationError, match="必须指定负责的网格"):
        team.full_clean()
    team.grid = Grid.objects.create(code="469002100001001", name="一网格", community=community)
    team.is_functional_department = True
    with pytest.raises(ValidationError, match="不能标为职能部门"):
        team.full_clean()


def test_unit_tree_refuses_a_cycle(db):
    a = Unit.objects.create(code="A", name="甲", kind=Unit.Kind.OTHER)
    b = Unit.objects.create(code="B", name="乙", kind=Unit.Kind.OTHER, parent=a)
    a.parent = b
    with pytest.raises(ValidationError, match="循环"):
        a.full_clean()
