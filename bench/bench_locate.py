"""Benchmark grid look-ups on 10,000 generated grids and address matching on ~10,000 places.

Run: .venv/bin/python bench/bench_locate.py  (uses a fresh SQLite database in a temporary directory)
"""

import atexit
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ["DJANGO_SETTINGS_MODULE"] = "civicgrid.settings"
os.environ["CIVICGRID_DATA_DIR"] = tempfile.mkdtemp(prefix="civicgrid-bench-")
atexit.register(shutil.rmtree, os.environ["CIVICGRID_DATA_DIR"], ignore_errors=True)
os.environ.pop("DATABASE_URL", None)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402

from civicgrid.registry import locate  # noqa: E402
from civicgrid.registry.geometry import bbox_of  # noqa: E402
from civicgrid.registry.models import AdminArea, Grid, Place  # noqa: E402

SIDE = 100
CELL = 0.002  # degrees, about 200 m: a lattice of 100 x 100 grids covers ~20 km x 20 km
WEST, SOUTH = 110.30, 19.90
SINGLE_LOOKUPS = 5_000
BATCH_POINTS = 1_000_000
ADDRESS_QUERIES = 500
PLACES = 10_000

SYLLABLES = "金银海湾椰林滨江碧水蓝天绿洲明珠阳光花园锦绣华府龙华秀英琼山美兰东湖西岸南港北城新村富康和平幸福"
SUFFIXES = ["小区", "花园", "大厦", "市场", "学校", "幼儿园", "公寓", "广场", "酒店", "医院", "名苑", "新村"]


def build_areas() -> list[AdminArea]:
    province = AdminArea(code="460000", name="海南省", level=AdminArea.Level.PROVINCE)
    province.save()
    city = AdminArea(code="460100", name="海口市", level=AdminArea.Level.CITY, parent=province)
    city.save()
    county = AdminArea(code="460105", name="秀英区", level=AdminArea.Level.COUNTY, parent=city)
    county.save()
    town = AdminArea(code="460105001", name="秀英街道", level=AdminArea.Level.TOWN, parent=county)
    town.save()
    communities = [
        AdminArea(
            code=f"460105001{row + 1:03d}",
            name=f"第{row + 1}社区",
            level=AdminArea.Level.VILLAGE,
            parent=town,
        )
        for row in range(SIDE)
    ]
    return AdminArea.objects.bulk_create(communities)


def build_grids(communities: list[AdminArea]) -> None:
    rng = np.random.default_rng(12345)
    # Jitter shared lattice vertices so neighbouring quadrilaterals stay edge to edge.
    lon = WEST + np.arange(SIDE + 1)[None, :] * CELL + rng.uniform(-0.2, 0.2, (SIDE + 1, SIDE + 1)) * CELL
    lat = SOUTH + np.arange(SIDE + 1)[:, None] * CELL + rng.uniform(-0.2, 0.2, (SIDE + 1, SIDE + 1)) * CELL
    grids = []
    for row in range(SIDE):
        for col in range(SIDE):
            ring = [
                [lon[row, col], lat[row, col]],
                [lon[row, col + 1], lat[row, col + 1]],
                [lon[row + 1, col + 1], lat[row + 1, col + 1]],
                [lon[row + 1, col], lat[row + 1, col]],
            ]
            ring = [[float(x), float(y)] for x, y in ring]
            geometry = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
            grid = Grid(
                code=f"{communities[row].code}{col + 1:03d}",
                name=f"{communities[row].name}第{col + 1}网格",
                community=communities[row],
                geometry=geometry,
                households=300,
            )
            grid.min_lon, grid.min_lat, grid.max_lon, grid.max_lat = bbox_of(geometry)
            grids.append(grid)
    Grid.objects.bulk_create(grids, batch_size=1000)


def build_places() -> list[Place]:
    rng = random.Random(7)
    places, seen = [], set()
    while len(places) < PLACES:
        name = "".join(rng.sample(SYLLABLES, rng.choice([2, 3, 4]))) + rng.choice(SUFFIXES)
        address = f"海南省海口市秀英区{''.join(rng.sample(SYLLABLES, 2))}路{rng.randint(1, 300)}号"
        if (name, address) in seen:
            continue
        seen.add((name, address))
        aliases = name[:-2] if rng.random() < 0.3 else ""
        places.append(Place(name=name, aliases=aliases, address=address))
    return Place.objects.bulk_create(places, batch_size=1000)


def random_points(rng, n):
    lats = rng.uniform(SOUTH, SOUTH + SIDE * CELL, n)
    lons = rng.uniform(WEST, WEST + SIDE * CELL, n)
    return lats, lons


def main() -> None:
    call_command("migrate", verbosity=0)
    build_grids(build_areas())
    places = build_places()

    locate.invalidate()
    started = time.perf_counter()
    index = locate.grid_index()
    print(f"index build ({len(index.ids)} grids): {time.perf_counter() - started:.3f} s")

    rng = np.random.default_rng(1)
    lats, lons = random_points(rng, SINGLE_LOOKUPS)
    started = time.perf_counter()
    for lat, lon in zip(lats, lons, strict=True):
        locate.locate_point(lat, lon)
    print(
        f"locate_point (single, incl. grid + area path query): {SINGLE_LOOKUPS / (time.perf_counter() - started):,.0f} /s"
    )
    # The same points, one call each, without fetching the Grid row: what the spatial look-up costs.
    started = time.perf_counter()
    for lat, lon in zip(lats, lons, strict=True):
        locate.locate_points([lat], [lon])
    print(
        f"locate_points (single point per call, ids only): {SINGLE_LOOKUPS / (time.perf_counter() - started):,.0f} /s"
    )

    lats, lons = random_points(rng, BATCH_POINTS)
    started = time.perf_counter()
    ids = locate.locate_points(lats, lons)
    elapsed = time.perf_counter() - started
    print(f"locate_points (batch of {BATCH_POINTS:,}): {BATCH_POINTS / elapsed:,.0f} /s")
    print(f"locate_points points inside a grid: {(ids >= 0).mean():.1%}")
    sample = rng.choice(BATCH_POINTS, 200, replace=False)
    single = []
    for i in sample:
        result = locate.locate_point(lats[i], lons[i])
        single.append(result.grid.pk if result.method == locate.INSIDE else -1)
    print(f"batch agrees with single look-ups on a 200-point sample: {ids[sample].tolist() == single}")

    text_rng = random.Random(3)
    queries = [
        f"海口市秀英区{p.name}{text_rng.randint(1, 20)}栋" for p in text_rng.sample(places, ADDRESS_QUERIES)
    ]
    locate.address_index()
    started = time.perf_counter()
    hits = sum(bool(locate.locate_address(q, limit=5)) for q in queries)
    elapsed = time.perf_counter() - started
    print(f"locate_address ({len(places):,} places): {ADDRESS_QUERIES / elapsed:,.0f} /s")
    print(f"locate_address queries with a match: {hits / ADDRESS_QUERIES:.0%}")


if __name__ == "__main__":
    main()
