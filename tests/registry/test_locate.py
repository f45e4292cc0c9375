import math
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from civicgrid.registry import locate
from civicgrid.registry.coords import wgs84_to_gcj02
from civicgrid.registry.models import Grid
from tests.registry.factories import (
    CELL,
    COMMUNITY,
    ORIGIN_LAT,
    ORIGIN_LON,
    OTHER_COMMUNITY,
    cell,
    cell_centre,
    make_grid,
    make_hierarchy,
    make_lattice,
    make_place,
)

pytestmark = pytest.mark.django_db

A, B, C, D = (f"{COMMUNITY}001", f"{COMMUNITY}002", f"{OTHER_COMMUNITY}003", f"{OTHER_COMMUNITY}004")


@pytest.fixture(autouse=True)
def _fresh_index(settings):
    # Test transactions roll back without signals: each test starts from an empty cache.
    settings.CIVICGRID_LOCATE_NEAREST_METRES = 300
    settings.CIVICGRID_GRID_INDEX_CHECK_SECONDS = 5
    locate.invalidate()
    yield
    locate.invalidate()


@pytest.fixture
def areas():
    return make_hierarchy()


@pytest.fixture
def grids(areas):
    return make_lattice(areas)


def east_of_lattice(metres: float, lat: float) -> float:
    """Longitude `metres` east of the lattice's eastern edge at latitude `lat`."""
    return (
        ORIGIN_LON + 2 * CELL + metres / (locate.EARTH_RADIUS_M * math.pi / 180 * math.cos(math.radians(lat)))
    )


class TestLocatePoint:
    def test_it_finds_the_grid_containing_the_point(self, grids):
        result = locate.locate_point(*cell_centre(1, 0))
        assert result.grid == grids[B]
        assert result.method == locate.INSIDE
        assert result.distance_m == 0
        assert [a.name for a in result.area_path] == ["海南省", "琼海市", "嘉积镇", "银海社区"]
        assert result.area_path_display == "海南省 / 琼海市 / 嘉积镇 / 银海社区"
        assert result.message == f"位于网格 银海社区第2网格({B})"

    def test_it_reads_the_area_path_in_one_query(self, grids, django_assert_num_queries):
        locate.locate_point(*cell_centre(0, 1))
        with django_assert_num_queries(1):
            result = locate.locate_point(*cell_centre(0, 1))
            assert result.area_path_display == "海南省 / 琼海市 / 嘉积镇 / 金海社区"

    def test_it_gives_a_shared_border_to_the_smallest_code(self, grids):
        lat = ORIGIN_LAT + CELL / 2
        on_border = ORIGIN_LON + CELL
        for _ in range(3):
            assert locate.locate_point(lat, on_border).grid.code == A
        corner_of_four = locate.locate_point(ORIGIN_LAT + CELL, ORIGIN_LON + CELL)
        assert corner_of_four.grid.code == A and corner_of_four.method == locate.INSIDE
        between_c_and_d = locate.locate_point(ORIGIN_LAT + 1.5 * CELL, ORIGIN_LON + CELL)
        assert between_c_and_d.grid.code == C

    def test_it_snaps_a_point_just_outside_to_the_nearest_grid(self, grids):
        lat = ORIGIN_LAT + 0.25 * CELL
        result = locate.locate_point(lat, east_of_lattice(85, lat))
        assert result.grid == grids[B]
        assert result.method == locate.NEAREST
        assert result.distance_m == pytest.approx(85, abs=0.5)
        assert result.area_path[-1].code == COMMUNITY
        assert result.message == f"不在任何网格内，距最近网格 银海社区第2网格（{B}）约 85 米，已就近归入"

    def test_it_measures_the_nearest_grid_in_metres_not_degrees(self, areas):
        # 0.0025° east is ~262 m here and 0.0024° north ~267 m: in degrees the northern grid looks nearer.
        make_grid(f"{COMMUNITY}001", areas[COMMUNITY], cell(1, 0))
        make_grid(f"{COMMUNITY}002", areas[COMMUNITY], cell(0, 1))
        lat, lon = ORIGIN_LAT + CELL - 0.0024, ORIGIN_LON + CELL - 0.0025
        result = locate.locate_point(lat, lon)
        assert result.grid.code == f"{COMMUNITY}001"
        metres_per_degree = locate.EARTH_RADIUS_M * math.pi / 180
        assert result.distance_m == pytest.approx(0.0025 * metres_per_degree * math.cos(math.radians(lat)))

    def test_it_reports_a_point_beyond_the_limit_as_outside(self, grids):
        lat = ORIGIN_LAT + 0.25 * CELL
        result = locate.locate_point(lat, east_of_lattice(12_300, lat))
        assert result.grid is None
        assert result.method == locate.OUTSIDE
        assert result.area_path == []
        assert result.distance_m == pytest.approx(12_300, rel=1e-3)
        assert result.message == "不在本辖区范围内：距最近网格约 12.3 公里，超过 300 米"

    def test_it_takes_the_limit_from_settings(self, grids, settings):
        settings.CIVICGRID_LOCATE_NEAREST_METRES = 50
        lat = ORIGIN_LAT + 0.25 * CELL
        result = locate.locate_point(lat, east_of_lattice(85, lat))
        assert result.method == locate.OUTSIDE
        assert "超过 50 米" in result.message

    def test_it_says_so_when_there_are_no_grids(self, areas):
        result = locate.locate_point(19.24, 110.46)
        assert result.method == locate.OUTSIDE and result.grid is None and result.distance_m is None
        assert "尚未登记" in result.message

    def test_it_ignores_inactive_grids_and_grids_without_boundary(self, grids, areas):
        grids[A].is_active = False
        grids[A].save()
        make_grid(f"{COMMUNITY}009", areas[COMMUNITY], None)
        result = locate.locate_point(*cell_centre(0, 0))
        assert result.grid is None, "the centre of the disabled grid is ~500 m from the others"

    @pytest.mark.parametrize(
        "lat, lon, words",
        [
            (91, 110, ["纬度应在 -90 到 90 之间"]),
            (19.2, 181, ["经度应在 -180 到 180 之间"]),
            (110.46, 19.24, ["纬度应在 -90 到 90 之间", "写反"]),
            (float("nan"), 110, ["有限"]),
            ("abc", 110, ["必须是数字"]),
            (None, 110, ["必须是数字"]),
        ],
    )
    def test_it_rejects_bad_coordinates_in_chinese(self, grids, lat, lon, words):
        with pytest.raises(ValueError) as excinfo:
            locate.locate_point(lat, lon)
        for word in words:
            assert word in str(excinfo.value)

    def test_it_converts_gcj02_input(self, grids):
        # The GCJ-02 offset here is ~460 m east: this point's GCJ-02 coordinates lie in the next grid.
        lat, lon = ORIGIN_LAT + 0.5 * CELL, ORIGIN_LON + 0.8 * CELL
        gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
        converted = locate.locate_point(gcj_lat, gcj_lon, gcj02=True)
        assert converted.grid.code == A
        assert converted.lon == pytest.approx(lon, abs=1e-8) and converted.lat == pytest.approx(lat, abs=1e-8)
        assert locate.locate_point(gcj_lat, gcj_lon).grid.code == B


class TestIndexFreshness:
    def test_it_sees_a_grid_added_in_this_process(self, grids, areas):
        lat, lon = cell_centre(2, 0)
        assert locate.locate_point(lat, lon).grid is None
        make_grid(f"{COMMUNITY}005", areas[COMMUNITY], cell(2, 0))
        assert locate.locate_point(lat, lon).grid.code == f"{COMMUNITY}005"

    def test_it_sees_a_changed_boundary(self, grids):
        lat, lon = cell_centre(3, 3)
        assert locate.locate_point(lat, lon).grid is None
        grid = grids[D]
        grid.geometry = cell(3, 3)
        grid.save()
        assert locate.locate_point(lat, lon).grid == grid
        assert locate.locate_point(*cell_centre(1, 1)).grid is None

    def test_it_forgets_a_deleted_grid(self, grids):
        assert locate.locate_point(*cell_centre(1, 1)).grid == grids[D]
        grids[D].delete()
        assert locate.locate_point(*cell_centre(1, 1)).grid is None

    def test_it_picks_up_changes_made_by_other_processes_after_the_check_interval(
        self, grids, areas, settings
    ):
        settings.CIVICGRID_GRID_INDEX_CHECK_SECONDS = 3600
        lat, lon = cell_centre(3, 3)
        assert locate.locate_point(lat, lon).grid is None
        # QuerySet.update sends no signal, like a change made by another process.
        Grid.objects.filter(code=D).update(
            geometry=cell(3, 3), updated_at=timezone.now() + timedelta(seconds=1)
        )
        assert locate.locate_point(lat, lon).grid is None, "checked at most once per interval"
        settings.CIVICGRID_GRID_INDEX_CHECK_SECONDS = 0
        assert locate.locate_point(lat, lon).grid.code == D

    def test_it_notices_rows_added_without_signals(self, grids, areas, settings):
        settings.CIVICGRID_GRID_INDEX_CHECK_SECONDS = 0
        locate.locate_point(*cell_centre(0, 0))
        Grid.objects.bulk_create(
            [Grid(code=f"{COMMUNITY}007", name="新网格", community=areas[COMMUNITY], geometry=cell(5, 5))]
        )
        assert locate.locate_point(*cell_centre(5, 5)).grid.code == f"{COMMUNITY}007"

    def test_it_reuses_the_index_between_checks(self, grids, django_assert_num_queries):
        locate.locate_point(*cell_centre(0, 0))
        with django_assert_num_queries(1):
            locate.locate_point(*cell_centre(1, 1))


class TestLocatePoints:
    def test_it_agrees_with_single_look_ups(self, grids):
        rng = np.random.default_rng(3)
        lats = np.concatenate(
            [
                rng.uniform(ORIGIN_LAT - CELL, ORIGIN_LAT + 3 * CELL, 300),
                [ORIGIN_LAT + CELL / 2, ORIGIN_LAT + CELL, ORIGIN_LAT + 1.5 * CELL],
            ]
        )
        lons = np.concatenate(
            [rng.uniform(ORIGIN_LON - CELL, ORIGIN_LON + 3 * CELL, 300), [ORIGIN_LON + CELL] * 3]
        )
        batched = locate.locate_points(lats, lons)
        single = []
        for lat, lon in zip(lats, lons, strict=True):
            result = locate.locate_point(lat, lon)
            single.append(result.grid.pk if result.method == locate.INSIDE else -1)
        assert batched.tolist() == single
        assert (batched == -1).any() and (batched != -1).sum() > 50

    def test_it_converts_gcj02_batches(self, grids):
        lat, lon = ORIGIN_LAT + 0.5 * CELL, ORIGIN_LON + 0.8 * CELL
        gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
        assert locate.locate_points([gcj_lat], [gcj_lon], gcj02=True).tolist() == [grids[A].pk]
        assert locate.locate_points([gcj_lat], [gcj_lon]).tolist() == [grids[B].pk]

    def test_it_marks_invalid_points_instead_of_failing(self, grids):
        lat, lon = cell_centre(0, 0)
        result = locate.locate_points([lat, float("nan"), 95.0, lat], [lon, lon, lon, 200.0])
        assert result.tolist() == [grids[A].pk, -1, -1, -1]

    def test_it_handles_no_points_and_no_grids(self, areas):
        assert locate.locate_points([], []).tolist() == []
        assert locate.locate_points([19.24], [110.46]).tolist() == [-1]

    def test_it_rejects_arrays_of_different_lengths(self, grids):
        with pytest.raises(ValueError, match="个数不一致"):
            locate.locate_points([19.2, 19.3], [110.4])


class TestLocateAddress:
    @pytest.fixture
    def places(self, grids):
        lat, lon = cell_centre(1, 1)
        return {
            "compound": make_place(
                "金海湾小区",
                aliases="金海湾,金海湾花园",
                address="海南省琼海市嘉积镇银海路88号",
                grid=grids[A],
            ),
            "road": make_place("银海路", kind="road", grid=grids[B]),
            "market": make_place("嘉积农贸市场", address="琼海市嘉积镇爱华路", grid=grids[C]),
            "hospital": make_place("琼海市人民医院", lat=lat, lon=lon),
            "other_hospital": make_place("万宁市人民医院"),
        }

    def test_it_finds_a_place_in_a_noisy_address(self, places, grids):
        matches = locate.locate_address("琼海市嘉积镇银海路 金海湾小区3栋")
        assert matches[0].place == places["compound"]
        assert matches[0].grid == grids[A]
        assert matches[0].score >= 85

    def test_it_scores_an_exact_name_100(self, places):
        best = locate.locate_address("金海湾小区")[0]
        assert (best.place, best.score, best.field) == (places["compound"], 100.0, "name")

    def test_it_matches_aliases(self, places):
        best = locate.locate_address("金海湾花园")[0]
        assert (best.place, best.field, best.matched_text) == (places["compound"], "alias", "金海湾花园")

    def test_it_tolerates_a_typo(self, places):
        best = locate.locate_address("金海弯小区")[0]
        assert best.place == places["compound"]
        assert 60 <= best.score < 100

    def test_it_matches_grid_names(self, places, grids):
        best = locate.locate_address("金海社区第4网格")[0]
        assert best.place is None and best.grid == grids[D] and best.field == "grid"

    def test_it_prefers_the_place_in_the_named_city(self, places):
        assert locate.locate_address("琼海市人民医院")[0].place == places["hospital"]
        assert locate.locate_address("万宁市人民医院")[0].place == places["other_hospital"]

    def test_it_locates_a_place_without_grid_by_its_coordinates(self, places, grids):
        best = locate.locate_address("琼海市人民医院")[0]
        assert best.grid == grids[D]

    def test_it_lists_each_place_once_and_respects_the_limit(self, places):
        matches = locate.locate_address("金海湾", limit=10)
        assert len(
            {(m.place and m.place.pk, m.grid and m.grid.pk, m.field == "grid") for m in matches}
        ) == len(matches)
        assert [m.place for m in matches if m.place].count(places["compound"]) == 1
        assert len(locate.locate_address("人民医院", limit=1)) == 1

    @pytest.mark.parametrize("text", ["完全无关的东西", "", "   ", "123"])
    def test_it_returns_nothing_when_nothing_matches(self, places, text):
        assert locate.locate_address(text) == []

    def test_it_sees_new_places(self, places):
        assert locate.locate_address("椰林幼儿园") == []
        make_place("椰林幼儿园")
        assert locate.locate_address("椰林幼儿园")[0].place.name == "椰林幼儿园"


class TestPlaceAddress:
    """The trusted-place rule: one definition for the register service, the duplicate search and the console."""

    @pytest.fixture
    def places(self, grids):
        return {
            "compound": make_place("金海湾小区", grid=grids[A]),
            "north": make_place("海湾大道北段", aliases="海湾大道", grid=grids[B]),
            "south": make_place("海湾大道南段", aliases="海湾大道", grid=grids[C]),
            "far": make_place("万宁市人民医院"),
        }

    def test_a_good_match_in_one_grid_is_trusted(self, places, grids):
        placed = locate.place_address("琼海市嘉积镇金海湾小区3栋")
        assert placed.trusted.place == places["compound"] and placed.grid == grids[A]
        assert not placed.ambiguous and placed.matches[0] == placed.trusted

    def test_a_road_through_several_grids_places_nothing(self, places):
        placed = locate.place_address("海湾大道")
        assert placed.ambiguous and placed.trusted is None and placed.grid is None
        assert {m.place for m in placed.matches} >= {places["north"], places["south"]}

    def test_a_weak_match_is_listed_but_not_trusted(self, places):
        placed = locate.place_address("金海弯小区附近的空地")
        assert placed.matches and placed.matches[0].score < locate.ADDRESS_TRUST_SCORE
        assert placed.trusted is None and not placed.ambiguous

    def test_a_place_in_no_grid_is_not_trusted(self, places):
        placed = locate.place_address("万宁市人民医院")
        assert placed.matches[0].place == places["far"] and placed.matches[0].score == 100.0
        assert placed.trusted is None and placed.grid is None

    def test_nothing_matched(self, places):
        assert locate.place_address("完全无关的东西") == locate.AddressPlacement([])


@pytest.mark.parametrize(
    "text, expected",
    [
        ("琼海市嘉积镇银海路 金海湾小区3栋", "银海路金海湾小区"),
        ("海南省琼海市嘉积镇银海路88号", "银海路"),
        ("金海湾小区二期5号楼2单元301室", "金海湾小区"),
        ("美兰区海甸岛 2-3-301", "海甸岛"),
        ("琼中黎族苗族自治县营根镇", "营根镇"),
        ("ＡＢＣ大厦", "abc大厦"),
        # Words that merely end in 市/区/镇 are kept.
        ("嘉积农贸市场", "嘉积农贸市场"),
        ("万宁超市", "万宁超市"),
        ("金海湾小区", "金海湾小区"),
        ("古镇客栈", "古镇客栈"),
        ("琼海市", "琼海市"),
    ],
)
def test_it_normalises_addresses(text, expected):
    assert locate.normalise_address(text) == expected


def test_it_strips_known_area_names():
    assert locate.normalise_address("琼海嘉积银海路", ("琼海", "嘉积")) == "银海路"
