from datetime import date

import pytest

from civicgrid.demo.city import build_city
from civicgrid.demo.routing_tables import CATALOGUE, DIRECT_TABLE, build_routing_tables
from civicgrid.registry.models import Grid, Unit
from civicgrid.routing.models import Category, DirectDispatchRule, DispatchCatalogueEntry
from civicgrid.routing.route import department_owner, route
from civicgrid.routing.vocabulary import DispatchMode
from tests.routing.factories import local, make_ticket

pytestmark = pytest.mark.django_db

SINCE = date(2026, 1, 1)
AT = local(2026, 3, 2, 10)


@pytest.fixture
def city(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    city = build_city(seed=1, grids=12, log=lambda msg: None).city
    build_routing_tables(city=city, effective_from=SINCE)
    return city


def unit(city, suffix) -> Unit:
    return Unit.objects.get(code=f"{city.code}-{suffix}")


def category(name) -> Category:
    return Category.objects.get(version="2026.1", name=name)


def test_building_twice_changes_nothing(city):
    before = (
        list(DispatchCatalogueEntry.objects.values_list("pk", "category_id", "unit_id")),
        list(DirectDispatchRule.objects.values_list("pk", "category_id", "mode", "lead_unit_id")),
    )

    assert build_routing_tables(city=city, effective_from=SINCE) == {"catalogue": 40, "direct": 10}

    after = (
        list(DispatchCatalogueEntry.objects.values_list("pk", "category_id", "unit_id")),
        list(DirectDispatchRule.objects.values_list("pk", "category_id", "mode", "lead_unit_id")),
    )
    assert after == before
    assert (len(before[0]), len(before[1])) == (len(CATALOGUE), len(DIRECT_TABLE))


def test_every_row_passes_validation_and_no_grid_item_belongs_to_a_department(city):
    for row in [*DispatchCatalogueEntry.objects.all(), *DirectDispatchRule.objects.all()]:
        row.full_clean()
    for rule in DirectDispatchRule.objects.filter(mode=DirectDispatchRule.Mode.SIMPLE):
        assert department_owner(rule.category, SINCE) is None, rule.category.name
    # The utilities own their matters like departments do.
    assert department_owner(category("停水"), SINCE) == unit(city, "SWJT")
    assert department_owner(category("燃气安全"), SINCE) == unit(city, "RQGS")


def test_every_active_leaf_category_routes_somewhere(city):
    grid = Grid.objects.filter(teams__isnull=False).order_by("code").first()
    team = Unit.objects.get(kind=Unit.Kind.GRID_TEAM, grid=grid)
    leaves = Category.objects.filter(version="2026.1", is_active=True, children__isnull=True)

    decisions = {leaf.name: route(make_ticket(leaf, grid), at=AT) for leaf in leaves}

    assert len(decisions) > 80
    unrouted = {name: d.reason for name, d in decisions.items() if not d.mode or d.lead is None}
    assert unrouted == {}
    for name in ["邻里纠纷", "小区设施", "楼道堆物", "环境卫生", "犬只管理"]:
        assert (decisions[name].mode, decisions[name].lead) == (DispatchMode.DIRECT_TO_GRID, team)
    stalls = decisions["占道经营"]
    assert (stalls.mode, stalls.lead, stalls.co_units) == (
        DispatchMode.JOINT,
        unit(city, "ZHZFJ"),
        [unit(city, "SCJGJ"), team],
    )
    fumes = decisions["餐饮油烟"]
    assert (fumes.lead, fumes.co_units) == (unit(city, "STHJJ"), [unit(city, "ZHZFJ"), team])
    assert decisions["违章建筑"].co_units == [unit(city, "ZJJ"), team]
    assert (decisions["物业服务质量"].mode, decisions["物业服务质量"].lead) == (
        DispatchMode.TO_DEPARTMENT,
        unit(city, "ZJJ"),
    )
    assert decisions["商业经营噪音"].lead == unit(city, "ZHZFJ")
    assert decisions["工业企业噪音"].lead == unit(city, "STHJJ")
    assert decisions["停电"].lead == unit(city, "GDJ")
    assert decisions["农村饮水"].lead == unit(city, "SWJ")
    grid_items = {name for name, d in decisions.items() if d.mode == DispatchMode.DIRECT_TO_GRID}
    assert grid_items == {"邻里纠纷", "小区设施", "楼道堆物", "环境卫生", "犬只管理", "社区事务"}


def test_a_missing_unit_is_reported_in_chinese(city):
    Unit.objects.filter(code=f"{city.code}-YBJ").update(code="gone")

    with pytest.raises(ValueError, match=f"示范城市缺少单位 {city.code}-YBJ"):
        build_routing_tables(city=city, effective_from=SINCE)
