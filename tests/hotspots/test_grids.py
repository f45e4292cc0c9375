"""Same or adjacent grids: a request naming no place is compared with those of its grid and of the grids whose
boundaries touch it, never with those of a grid further away."""

from datetime import datetime, timedelta

from civicgrid.hotspots import selectors
from civicgrid.hotspots.engine import Record, cluster
from civicgrid.registry.models import Grid
from tests.hotspots.factories import COMMUNITY

TEXT = "晚上有人在楼下烧烤，油烟和噪音很大，窗户都不敢开"


def _square(x0, y0, size=0.01):
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def _records(grids):
    start = datetime(2026, 3, 2, 9)
    return [
        Record(
            ref=i, text=f"{TEXT}（第{i}次）", time=start + timedelta(hours=5 * i), grid=g, fallback_place=g
        )
        for i, g in enumerate(grids)
    ]


def test_records_of_adjacent_grids_are_linked_and_far_ones_are_not():
    records = _records(["g1", "g2", "g3", "g3"])
    clusters = cluster(records, neighbours={"g1": {"g2"}, "g2": {"g1"}, "g3": set()})
    assert sorted(sorted(c.members) for c in clusters) == [[0, 1], [2, 3]]
    # Without the adjacency, g1 and g2 are apart.
    assert [sorted(c.members) for c in cluster(records)] == [[2, 3]]


def test_a_neighbour_of_a_neighbour_is_not_adjacent():
    records = _records(["g1", "g3"])
    assert cluster(records, neighbours={"g1": {"g2"}, "g2": {"g1", "g3"}, "g3": {"g2"}}) == []


def test_neighbours_come_from_the_boundaries_and_are_computed_once(world):
    community = world["areas"][COMMUNITY]
    a, b, far = (
        Grid.objects.create(
            code=f"4690021000010{n:02d}", name=f"测试网格{n}", community=community, geometry=geo
        )
        for n, geo in enumerate([_square(110.0, 19.0), _square(110.01, 19.0), _square(110.05, 19.0)], start=1)
    )
    neighbours = selectors.grid_neighbours()
    assert neighbours[f"g{a.pk}"] == {f"g{b.pk}"} and neighbours[f"g{far.pk}"] == set()
    calls = []
    original = selectors._adjacent
    selectors._adjacent = lambda geometries: calls.append(1) or original(geometries)
    try:
        selectors.grid_neighbours()
        assert calls == []  # the same boundaries: the cached adjacency
        far.geometry = _square(110.02, 19.0)  # redrawn to touch b
        far.save()
        assert f"g{far.pk}" in selectors.grid_neighbours()[f"g{b.pk}"] and calls == [1]
    finally:
        selectors._adjacent = original
