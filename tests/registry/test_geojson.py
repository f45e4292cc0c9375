import json

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.registry import locate
from civicgrid.registry.geojson import (
    GeoJSONImportError,
    export_geojson,
    import_areas,
    import_grids,
    parse_geojson,
)
from civicgrid.registry.models import AdminArea, Grid
from tests.registry.factories import (
    COMMUNITY,
    OTHER_COMMUNITY,
    TOWN,
    cell,
    collection,
    feature,
    make_area,
    make_grid,
    make_hierarchy,
    square,
)

pytestmark = pytest.mark.django_db

Level = AdminArea.Level

BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[110.0, 19.0], [110.1, 19.1], [110.1, 19.0], [110.0, 19.1], [110.0, 19.0]]],
}


@pytest.fixture(autouse=True)
def _fresh_index():
    locate.invalidate()
    yield
    locate.invalidate()


def datav(code, name, parent=None, geometry=None, **extra):
    """A feature shaped like the DataV files: adcode, name and parent as {"adcode": ...}."""
    properties = {"adcode": code, "name": name, **extra}
    if parent is not None:
        properties["parent"] = {"adcode": parent}
    return feature(geometry or square(110.0 + (code % 97) * 0.01, 19.0), **properties)


def counties():
    return collection(
        datav(460105, "秀英区", 460100, square(110.1, 19.9)),
        datav(460106, "龙华区", 460100, square(110.2, 19.9)),
        datav(469002, "琼海市", 460000, square(110.4, 19.2)),
    )


def snapshot():
    return AdminArea.objects.count(), Grid.objects.count(), AuditEvent.objects.count()


class TestImportAreas:
    def test_it_creates_areas_with_bounding_boxes_and_one_audit_row(self):
        make_area("460000", "海南省", Level.PROVINCE)
        make_area("460100", "海口市", Level.CITY, AdminArea.objects.get(code="460000"))
        result = import_areas(counties(), level="county")
        assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
        assert result.codes == ["460105", "460106", "469002"]
        xiuying = AdminArea.objects.get(code="460105")
        assert (xiuying.level, xiuying.parent.code) == (Level.COUNTY, "460100")
        assert (xiuying.min_lon, xiuying.min_lat, xiuying.max_lon, xiuying.max_lat) == pytest.approx(
            (110.1, 19.9, 110.11, 19.91)
        )
        assert AdminArea.objects.get(code="469002").parent.code == "460000"
        event = AuditEvent.objects.get(action="registry.areas_imported")
        assert event.payload["created"] == ["460105", "460106", "469002"]
        assert "新增 3" in event.summary

    def test_it_upserts_by_code(self):
        import_areas(counties(), level="county", parent_code="460000", parent_name="海南省")
        count = AdminArea.objects.count()
        again = import_areas(counties(), level="county", parent_code="460000", parent_name="海南省")
        assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
        assert again.created_parents == []
        renamed = counties()
        renamed["features"][0]["properties"]["name"] = "秀英新区"
        third = import_areas(renamed, level="county", parent_code="460000")
        assert (third.created, third.updated, third.unchanged) == (0, 1, 2)
        assert AdminArea.objects.count() == count
        assert AdminArea.objects.get(code="460105").name == "秀英新区"
        assert AuditEvent.objects.filter(action="registry.areas_imported").count() == 3

    def test_it_normalises_codes_to_strings(self):
        data = collection(
            feature(square(110, 19), code=460105.0, name="秀英区"),
            feature(square(111, 19), code=" 460106 ", name="龙华区"),
        )
        import_areas(data, level="county", code_field="code")
        assert set(AdminArea.objects.values_list("code", flat=True)) == {"460105", "460106"}

    def test_it_makes_features_without_parent_roots(self):
        data = collection(feature(square(110, 19), adcode=460000, name="海南省"))
        import_areas(data, level="province")
        assert AdminArea.objects.get(code="460000").parent is None

    @pytest.mark.parametrize(
        "level, parent_code, created_level",
        [
            ("county", "460000", Level.PROVINCE),
            ("county", "460100", Level.CITY),
            ("city", "460000", Level.PROVINCE),
        ],
    )
    def test_it_creates_a_missing_parent_one_level_up(self, level, parent_code, created_level):
        data = collection(datav(469002 if level == "county" else 460200, "某地", 999999))
        result = import_areas(data, level=level, parent_code=parent_code, parent_name="上级")
        parent = AdminArea.objects.get(code=parent_code)
        assert (parent.level, parent.name, parent.parent) == (created_level, "上级", None)
        assert result.created_parents == [parent_code]
        assert "已按指定的上级导入" in result.warnings[-1]

    def test_it_creates_town_and_village_parents_at_the_level_above(self):
        make_hierarchy()
        villages = collection(feature(square(110, 19), adcode="469002101001", name="某村"))
        import_areas(villages, level="village", parent_code="469002101", parent_name="某镇")
        assert AdminArea.objects.get(code="469002101").level == Level.TOWN

    def test_it_uses_an_existing_parent_code(self):
        make_hierarchy()
        import_areas(collection(datav(469002101, "长坡镇")), level="town", parent_code="469002")
        assert AdminArea.objects.get(code="469002101").parent.code == "469002"

    def test_it_accepts_a_scalar_parent_property(self):
        make_area("460000", "海南省", Level.PROVINCE)
        data = collection(feature(square(110, 19), code="469002", name="琼海市", parent_code="460000"))
        import_areas(data, level="county", code_field="code", parent_field="parent_code")
        assert AdminArea.objects.get(code="469002").parent.code == "460000"

    def test_it_finds_parents_in_the_same_file(self):
        data = collection(
            datav(460105, "秀英区", 460100, level="district"),
            datav(460100, "海口市", 460000, level="city"),
            datav(460000, "海南省", level="province"),
        )
        result = import_areas(data, level="county", level_field="level")
        assert result.created == 3
        assert AdminArea.objects.get(code="460105").path_display == "海南省 / 海口市 / 秀英区"

    def test_it_can_import_the_counties_hierarchically_after_the_cities(self):
        cities = collection(datav(460100, "海口市", 460000), datav(469002, "琼海市", 460000))
        import_areas(cities, level="city", parent_code="460000", parent_name="海南省")
        result = import_areas(counties(), level="county")
        assert (result.created, result.updated) == (2, 1)
        qionghai = AdminArea.objects.get(code="469002")
        assert (qionghai.level, qionghai.parent.code) == (Level.COUNTY, "460000")
        assert AdminArea.objects.get(code="460106").path_display == "海南省 / 海口市 / 龙华区"

    def test_it_repairs_negligible_invalidity_with_a_warning(self):
        # Two islands sharing an edge (as in DataV's 文昌市) make an invalid MultiPolygon of the same area.
        touching = {
            "type": "MultiPolygon",
            "coordinates": [square(110, 19)["coordinates"], square(110.01, 19)["coordinates"]],
        }
        result = import_areas(collection(datav(469005, "文昌市", geometry=touching)), level="county")
        assert result.created == 1
        assert "自相交" in result.warnings[0] and "已自动修复" in result.warnings[0]
        stored = AdminArea.objects.get(code="469005").geometry
        assert stored["type"] in ("Polygon", "MultiPolygon")
        again = import_areas(collection(datav(469005, "文昌市", geometry=touching)), level="county")
        assert again.unchanged == 1


def problems_of(call) -> str:
    before = snapshot()
    with pytest.raises(GeoJSONImportError) as excinfo:
        call()
    assert snapshot() == before, "a refused import writes nothing"
    assert isinstance(excinfo.value, ValueError)
    return str(excinfo.value)


class TestImportAreasErrors:
    @pytest.mark.parametrize(
        "data, words",
        [
            ({"type": "Feature"}, ["不是 GeoJSON FeatureCollection"]),
            ([1, 2], ["不是 GeoJSON FeatureCollection"]),
            ({"type": "FeatureCollection", "features": []}, ["没有任何要素"]),
            (collection({"type": "Point"}), ["第 1 个要素", "不是 GeoJSON Feature"]),
            (
                collection(feature(square(110, 19), name="无代码")),
                ["第 1 个要素（无代码）", "缺少字段 adcode"],
            ),
            (collection(feature(square(110, 19), adcode=469002)), ["代码 469002", "缺少字段 name"]),
            (
                collection(
                    feature({"type": "Point", "coordinates": [110, 19]}, adcode=469002, name="琼海市")
                ),
                ["第 1 个要素（代码 469002、琼海市）", "Polygon 或 MultiPolygon", "Point"],
            ),
            (collection(feature(None, adcode=469002, name="琼海市")), ["琼海市", "缺少几何图形"]),
            (
                collection(feature({"type": "Polygon", "coordinates": []}, adcode=469002, name="琼海市")),
                ["琼海市", "几何图形为空"],
            ),
            (
                collection(
                    feature({"type": "Polygon", "coordinates": [[[1, 2], [3]]]}, adcode=469002, name="琼海市")
                ),
                ["琼海市", "无法解析"],
            ),
            (
                collection(feature(BOWTIE, adcode=469002, name="琼海市")),
                ["琼海市", "几何图形无效：自相交", "附近"],
            ),
            (
                collection(feature(square(12_300_000, 2_100_000), adcode=469002, name="琼海市")),
                ["琼海市", "坐标超出经纬度范围"],
            ),
            (collection(feature(square(19, 110), adcode=469002, name="琼海市")), ["坐标超出经纬度范围"]),
            (
                collection(feature(square(110, 19), adcode=46900, name="琼海市")),
                ["代码 46900 应为 6 位（县/区），实际 5 位"],
            ),
            (collection(feature(square(110, 19), adcode="46900X", name="琼海市")), ["应为纯数字"]),
            (
                collection(datav(469002, "琼海市"), datav(469002, "琼海市(重复)")),
                ["第 2 个要素（代码 469002、琼海市(重复)）", "在文件中重复", "与第 1 个要素"],
            ),
            (collection(datav(460105, "秀英区", 460100)), ["秀英区", "上级区划 460100 不存在"]),
            (collection(datav(460105, "秀英区", 460105)), ["上级区划不能是自身"]),
            (collection(feature(square(110, 19), adcode=469002, name="名" * 101)), ["名称超过 100 个字符"]),
        ],
    )
    def test_it_refuses_bad_files_and_names_the_feature(self, data, words):
        message = problems_of(lambda: import_areas(data, level="county"))
        assert message.startswith("GeoJSON 导入失败")
        for word in words:
            assert word in message

    def test_it_reports_every_problem_at_once(self):
        data = collection(
            datav(460105, "秀英区", 460100),
            feature(BOWTIE, adcode=4601, name="坏区"),
            datav(469002, "琼海市"),
        )
        error = pytest.raises(GeoJSONImportError, import_areas, data, level="county").value
        assert len(error.problems) == 3
        assert "第 1 个要素" in error.problems[0] and "上级区划 460100 不存在" in error.problems[0]
        assert all("第 2 个要素（代码 4601、坏区）" in p for p in error.problems[1:])
        assert AdminArea.objects.count() == 0

    def test_it_refuses_an_unknown_parent_code_without_a_name(self):
        message = problems_of(lambda: import_areas(counties(), level="county", parent_code="460000"))
        assert "上级区划 460000 不存在" in message and "名称" in message

    def test_it_refuses_a_parent_name_without_a_code(self):
        assert "没有提供上级区划代码" in problems_of(
            lambda: import_areas(counties(), level="county", parent_name="海南省")
        )

    def test_it_refuses_a_parent_code_of_the_wrong_length(self):
        assert "上级区划代码 4600 应为 6 位" in problems_of(
            lambda: import_areas(counties(), level="county", parent_code="4600", parent_name="海南省")
        )

    def test_it_refuses_a_parent_that_is_not_higher(self):
        make_hierarchy()
        data = collection(feature(square(110, 19), adcode="469002102", name="某镇", parent="469002100"))
        assert "上级区划 469002100 的层级为乡镇/街道，应高于本级（乡镇/街道）" in problems_of(
            lambda: import_areas(data, level="town")
        )

    def test_it_refuses_to_demote_an_area_to_the_level_of_its_children(self):
        province = make_area("460000", "海南省", Level.PROVINCE)
        city = make_area("460100", "海口市", Level.CITY, province)
        make_area("460105", "秀英区", Level.COUNTY, city)
        message = problems_of(
            lambda: import_areas(collection(datav(460100, "海口市", 460000)), level="county")
        )
        assert (
            "第 1 个要素（代码 460100、海口市）：不能改为县/区级：其下级区划 秀英区（460105）为县/区级"
            in message
        )
        # Children moved away in the same file no longer constrain it.
        moved_too = collection(datav(460100, "海口市", 460000), datav(460105, "秀英区", 460000))
        assert import_areas(moved_too, level="county").updated == 2

    def test_it_refuses_an_unknown_level(self):
        with pytest.raises(GeoJSONImportError, match="未知的层级"):
            import_areas(counties(), level="planet")

    def test_it_explains_bad_json(self):
        with pytest.raises(GeoJSONImportError, match="不是有效的 JSON：第 1 行"):
            parse_geojson('{"type": "FeatureCollection",')
        assert parse_geojson("\ufeff" + json.dumps(counties()).encode().decode()) == counties()
        assert parse_geojson(json.dumps(counties(), ensure_ascii=False).encode("utf-8-sig")) == counties()


def grid_feature(code, geometry, name=None, **properties):
    return feature(geometry, code=code, name=name or f"网格{code[-3:]}", **properties)


class TestImportGrids:
    @pytest.fixture(autouse=True)
    def areas(self):
        return make_hierarchy()

    def test_it_creates_grids_in_their_communities(self):
        data = collection(
            grid_feature(f"{COMMUNITY}001", cell(0, 0), kind="基础网格", households="320"),
            grid_feature(f"{OTHER_COMMUNITY}002", cell(1, 0), kind="market", households=410),
        )
        result = import_grids(data, kind_field="kind", households_field="households")
        assert (result.created, result.updated, result.warnings) == (2, 0, [])
        first, second = Grid.objects.order_by("code")
        assert (first.community.code, first.kind, first.households) == (COMMUNITY, Grid.Kind.BASIC, 320)
        assert (second.community.code, second.kind, second.dedicated_type) == (
            OTHER_COMMUNITY,
            Grid.Kind.DEDICATED,
            Grid.DedicatedType.MARKET,
        )
        assert first.min_lon == pytest.approx(110.46)
        assert AuditEvent.objects.filter(action="registry.grids_imported").count() == 1

    def test_it_upserts_and_keeps_fields_it_was_not_given(self):
        data = collection(grid_feature(f"{COMMUNITY}001", cell(0, 0), households=320))
        import_grids(data, households_field="households")
        again = import_grids(data)
        assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
        data["features"][0]["geometry"] = cell(0, 1)
        third = import_grids(data)
        assert third.updated == 1
        grid = Grid.objects.get()
        assert grid.households == 320 and grid.min_lat == pytest.approx(19.25)

    def test_it_makes_new_grids_visible_to_locate(self):
        import_grids(collection(grid_feature(f"{COMMUNITY}001", cell(0, 0))))
        assert locate.locate_point(19.245, 110.465).grid.code == f"{COMMUNITY}001"

    def test_it_takes_the_community_from_a_field_that_must_agree(self):
        data = collection(grid_feature(f"{COMMUNITY}001", cell(0, 0), community=COMMUNITY))
        import_grids(data, community_field="community")
        bad = collection(grid_feature(f"{COMMUNITY}002", cell(1, 0), community=OTHER_COMMUNITY))
        assert "不一致" in problems_of(lambda: import_grids(bad, community_field="community"))

    @pytest.mark.parametrize(
        "properties, kwargs, words",
        [
            ({"code": "46900210000100"}, {}, ["网格编码 46900210000100 应为 15 位数字"]),
            ({"code": "469002100009001"}, {}, ["所属村/社区 469002100009 不存在"]),
            ({"kind": "castle"}, {"kind_field": "kind"}, ["网格类型 'castle' 无法识别"]),
            ({"households": -3}, {"households_field": "households"}, ["户数应为非负整数"]),
            ({"households": "很多"}, {"households_field": "households"}, ["户数应为非负整数"]),
            ({}, {"community_field": "community"}, ["缺少字段 community"]),
        ],
    )
    def test_it_refuses_bad_grids(self, properties, kwargs, words):
        props = {"code": f"{COMMUNITY}001", "name": "网格一", **properties}
        message = problems_of(lambda: import_grids(collection(feature(cell(0, 0), **props)), **kwargs))
        assert f"第 1 个要素（代码 {props['code']}、网格一）" in message
        for word in words:
            assert word in message

    def test_it_refuses_a_community_that_is_not_a_village(self):
        make_area("469002101", "长坡镇", Level.TOWN)
        make_area("469002101000", "错层级", Level.TOWN)
        data = collection(grid_feature("469002101000001", cell(0, 0)))
        assert "错层级（469002101000）的层级为乡镇/街道，不是村/社区" in problems_of(
            lambda: import_grids(data)
        )

    def test_it_refuses_bad_geometry_like_areas(self):
        data = collection(
            grid_feature(f"{COMMUNITY}001", BOWTIE), grid_feature(f"{COMMUNITY}001", cell(0, 0))
        )
        message = problems_of(lambda: import_grids(data))
        assert "自相交" in message and "在文件中重复" in message

    def test_it_refuses_grids_that_overlap_significantly(self):
        data = collection(
            grid_feature(f"{COMMUNITY}001", cell(0, 0)),
            grid_feature(f"{COMMUNITY}002", square(110.465, 19.24)),
        )
        message = problems_of(lambda: import_grids(data))
        assert "第 1 个要素（代码 469002100001001、网格001）与第 2 个要素" in message and "50.0%" in message

    def test_it_warns_about_small_overlaps_and_ignores_slivers(self):
        data = collection(
            grid_feature(f"{COMMUNITY}001", cell(0, 0)),
            grid_feature(f"{COMMUNITY}002", square(110.4695, 19.24)),
            grid_feature(f"{COMMUNITY}003", square(110.4795 + 0.00099, 19.24)),
        )
        result = import_grids(data)
        assert result.created == 3
        assert len(result.warnings) == 1 and "重叠" in result.warnings[0] and "5.0%" in result.warnings[0]

    def test_it_warns_about_overlaps_with_registered_grids(self, areas):
        make_grid(f"{OTHER_COMMUNITY}001", areas[OTHER_COMMUNITY], cell(0, 0), name="已有网格")
        data = collection(
            grid_feature(f"{COMMUNITY}001", square(110.465, 19.24)),
            grid_feature(f"{COMMUNITY}002", cell(3, 3)),
        )
        result = import_grids(data)
        assert result.created == 2
        assert result.warnings == [
            f"第 1 个要素（代码 {COMMUNITY}001、网格001）与已有网格 已有网格（{OTHER_COMMUNITY}001）重叠，"
            "占较小者面积的 50.0%"
        ]


class TestExport:
    @pytest.fixture
    def areas(self):
        areas = make_hierarchy()
        for code, lon in [(COMMUNITY, 110.46), (OTHER_COMMUNITY, 110.48)]:
            areas[code].geometry = square(lon, 19.24, 0.02)
            areas[code].save()
        make_grid(f"{COMMUNITY}001", areas[COMMUNITY], cell(0, 0), households=300, name="一号网格")
        make_grid(f"{COMMUNITY}002", areas[COMMUNITY], cell(1, 0), households=200)
        make_grid(
            f"{OTHER_COMMUNITY}001",
            areas[OTHER_COMMUNITY],
            cell(2, 0),
            households=50,
            kind=Grid.Kind.DEDICATED,
            dedicated_type=Grid.DedicatedType.SCHOOL,
        )
        make_grid(
            f"{OTHER_COMMUNITY}002", areas[OTHER_COMMUNITY], cell(3, 0), households=999, is_active=False
        )
        make_grid(f"{OTHER_COMMUNITY}003", areas[OTHER_COMMUNITY], None)
        return areas

    def test_it_exports_grids(self, areas):
        data = export_geojson("grid")
        assert data["type"] == "FeatureCollection"
        assert [f["properties"]["code"] for f in data["features"]] == [
            f"{COMMUNITY}001",
            f"{COMMUNITY}002",
            f"{OTHER_COMMUNITY}001",
        ]
        first = data["features"][0]
        assert first["properties"] == {
            "code": f"{COMMUNITY}001",
            "name": "一号网格",
            "level": "grid",
            "kind": "basic",
            "dedicated_type": "",
            "parent": COMMUNITY,
            "households": 300,
        }
        assert first["geometry"] == cell(0, 0)
        json.dumps(data)

    def test_it_exports_an_area_level_with_households(self, areas):
        data = export_geojson("village")
        properties = [f["properties"] for f in data["features"]]
        assert properties == [
            {"code": COMMUNITY, "name": "银海社区", "level": "village", "parent": TOWN, "households": 500},
            {
                "code": OTHER_COMMUNITY,
                "name": "金海社区",
                "level": "village",
                "parent": TOWN,
                "households": 50,
            },
        ]
        assert export_geojson("province")["features"] == [], "areas without a boundary are left out"

    def test_it_round_trips_through_import(self, areas):
        grids = export_geojson("grid")
        villages = export_geojson("village")
        area_result = import_areas(villages, level="village", code_field="code", parent_field="parent")
        grid_result = import_grids(grids, kind_field="kind", households_field="households")
        assert (area_result.unchanged, area_result.created, area_result.updated) == (2, 0, 0)
        assert (grid_result.unchanged, grid_result.created, grid_result.updated) == (3, 0, 0)

        Grid.objects.all().delete()
        import_grids(grids, kind_field="kind", households_field="households")
        assert export_geojson("grid") == grids

    def test_it_refuses_an_unknown_level(self):
        with pytest.raises(ValueError, match="未知的层级"):
            export_geojson("planet")
