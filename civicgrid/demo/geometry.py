"""Tiling a boundary into towns, communities and grids with relaxed Voronoi cells."""

import math
import random

import shapely
from shapely.geometry import MultiPoint, Point, Polygon, mapping, shape
from shapely.ops import unary_union

PRECISION = 1e-6  # ~0.1 m: GeoJSON keeps six decimals


def synthetic_boundary(rng: random.Random, centre=(110.47, 19.24), radius_deg=0.075, vertices=48) -> Polygon:
    """An irregular, city-sized blob (about 15 km across) around `centre`."""
    harmonics = [(k, rng.uniform(0.02, 0.09), rng.uniform(0, 2 * math.pi)) for k in (2, 3, 5, 7)]
    points = []
    for i in range(vertices):
        t = 2 * math.pi * i / vertices
        r = radius_deg * (1 + sum(a * math.sin(k * t + p) for k, a, p in harmonics))
        points.append(
            (centre[0] + r * math.cos(t) / math.cos(math.radians(centre[1])), centre[1] + r * math.sin(t))
        )
    return shapely.make_valid(Polygon(points))


def boundary_from_geojson(data: dict):
    """The union of all polygonal features of a GeoJSON object, with the first feature's properties."""
    if data.get("type") == "FeatureCollection":
        features = data.get("features") or []
    elif data.get("type") == "Feature":
        features = [data]
    else:
        features = [{"type": "Feature", "properties": {}, "geometry": data}]
    geoms = [shape(f["geometry"]) for f in features if f.get("geometry")]
    polygons = [g for g in geoms if g.geom_type in ("Polygon", "MultiPolygon")]
    if not polygons:
        raise ValueError("边界文件中没有多边形要素")
    props = features[0].get("properties") or {}
    return shapely.make_valid(unary_union(polygons)), props


def random_points_in(geom, n: int, rng: random.Random) -> list[Point]:
    minx, miny, maxx, maxy = geom.bounds
    prepared = shapely.prepared.prep(geom)
    points, tries = [], 0
    while len(points) < n and tries < n * 2000:
        tries += 1
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if prepared.contains(p):
            points.append(p)
    while len(points) < n:  # extremely thin shapes: fall back to points on the surface
        points.append(geom.representative_point())
    return points


def _polygonal(geom):
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return unary_union(parts) if parts else Polygon()


def split(geom, n: int, rng: random.Random, relax: int = 2) -> list:
    """Cut `geom` into `n` cells that tile it exactly (clipped Voronoi with Lloyd relaxation)."""
    if n <= 1:
        return [geom]
    seeds = random_points_in(geom, n, rng)
    for round_ in range(relax + 1):
        cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=geom)
        ordered = []
        for seed in seeds:  # voronoi output order is not the seed order
            ordered.append(next(c for c in cells.geoms if c.covers(seed)))
        clipped = [_polygonal(c.intersection(geom)) for c in ordered]
        if round_ == relax or any(c.is_empty for c in clipped):
            break
        seeds = [c.representative_point() if not c.centroid.within(geom) else c.centroid for c in clipped]
    cells = [shapely.set_precision(c, PRECISION) for c in clipped if not c.is_empty]
    return [c for c in cells if not c.is_empty]


def reading_order(cells: list) -> list:
    """North to south in bands, west to east within a band (how grid sequence numbers are assigned)."""
    if not cells:
        return cells
    miny = min(c.bounds[1] for c in cells)
    maxy = max(c.bounds[3] for c in cells)
    band = max((maxy - miny) / max(1, round(math.sqrt(len(cells)))), 1e-9)
    return sorted(cells, key=lambda c: (math.floor((maxy - c.centroid.y) / band), c.centroid.x))


def to_geojson(geom) -> dict:
    data = mapping(geom)
    return {"type": data["type"], "coordinates": _lists(data["coordinates"])}


def _lists(value):
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (int, float)):
        return [round(float(v), 6) for v in value]
    return [_lists(v) for v in value]
