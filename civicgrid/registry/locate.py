"""Point and address → grid (定位到网格).

Each process keeps two caches, built lazily on first use:
- a shapely STRtree over the active grids that have a boundary, for point look-ups (and, kept with it,
  each grid's neighbours once asked for);
- the gazetteer texts (place names, aliases, addresses, grid names) for fuzzy address matching.

Both are dropped by `invalidate()` (called by the registry signals when this process saves a grid or
place) and rebuilt when a cheap signature of the tables (row count, latest `updated_at`) changes,
checked at most every CIVICGRID_GRID_INDEX_CHECK_SECONDS, so that changes made by other processes
(workers, the admin on another gunicorn worker) are picked up too.
"""

import itertools
import math
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.conf import settings
from django.db.models import Count, Max
from rapidfuzz import fuzz, process
from shapely.geometry import shape

from civicgrid.registry.coords import gcj02_to_wgs84, gcj02_to_wgs84_array
from civicgrid.registry.models import AdminArea, Grid, Place

EARTH_RADIUS_M = 6371008.8
_METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180.0

# Grids this close count as neighbours: digitised borders rarely meet exactly (CIVICGRID_ADJACENT_GRID_METRES).
ADJACENT_GRID_METRES = 30

INSIDE = "inside"
NEAREST = "nearest"
OUTSIDE = "outside"

# Ancestors of a community are fetched with the grid in one query: village → town → county → city → province.
_AREA_CHAIN = "community__parent__parent__parent__parent"


@dataclass(frozen=True)
class LocateResult:
    """Where a point falls. `lon`/`lat` are the WGS-84 coordinates actually looked up."""

    grid: Grid | None
    area_path: list[AdminArea]
    method: str
    distance_m: float | None
    message: str
    lon: float
    lat: float

    @property
    def area_path_display(self) -> str:
        return " / ".join(area.name for area in self.area_path)


@dataclass(frozen=True)
class AddressMatch:
    """A gazetteer entry matching an address; `field` is name / alias / address / grid."""

    place: Place | None
    grid: Grid | None
    score: float
    field: str
    matched_text: str


@dataclass
class _GridIndex:
    tree: shapely.STRtree
    geometries: np.ndarray
    ids: np.ndarray
    codes: np.ndarray
    signature: tuple
    generation: int
    checked_at: float = field(default=0.0)
    # (grid id, metres) → ids of the grids near it; filled on demand, dropped with the index.
    adjacency: dict = field(default_factory=dict)


@dataclass
class _AddressIndex:
    texts: list[str]
    place_ids: np.ndarray
    grid_ids: np.ndarray
    fields: list[str]
    originals: list[str]
    area_names: tuple[str, ...]
    postings: dict[str, np.ndarray]
    distinct_chars: np.ndarray
    signature: tuple
    generation: int
    checked_at: float = field(default=0.0)


_lock = threading.RLock()
_generations = itertools.count(1)
_generation = next(_generations)
_grid_index: _GridIndex | None = None
_address_index: _AddressIndex | None = None


def invalidate() -> None:
    """Forget this process's indexes; the next look-up rebuilds them."""
    global _generation, _grid_index, _address_index
    # A build already running keeps the old generation and is rebuilt on its next use.
    _generation = next(_generations)
    _grid_index = None
    _address_index = None


def _grid_signature() -> tuple:
    row = Grid.objects.aggregate(n=Count("id"), latest=Max("updated_at"))
    return row["n"], row["latest"]


def _address_signature() -> tuple:
    place = Place.objects.aggregate(n=Count("id"), latest=Max("updated_at"))
    area = AdminArea.objects.aggregate(n=Count("id"), latest=Max("updated_at"))
    return _grid_signature(), (place["n"], place["latest"]), (area["n"], area["latest"])


def _fresh(cached, signature_func, build_func):
    """Return `cached` if still valid, else a rebuilt index; the caller stores the result."""
    now = time.monotonic()
    interval = settings.CIVICGRID_GRID_INDEX_CHECK_SECONDS
    if cached is not None and cached.generation == _generation and now - cached.checked_at < interval:
        return cached
    generation = _generation
    signature = signature_func()
    if cached is not None and cached.generation == generation and cached.signature == signature:
        cached.checked_at = now
        return cached
    built = build_func(signature, generation)
    built.checked_at = now
    return built


def _build_grid_index(signature, generation) -> _GridIndex:
    rows = list(
        Grid.objects.filter(is_active=True, geometry__isnull=False)
        .order_by("code")
        .values_list("id", "code", "geometry")
    )
    geometries, ids, codes = [], [], []
    for grid_id, code, geojson in rows:
        try:
            geometry = shape(geojson)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, shapely.errors.GEOSException):
            continue
        if geometry.is_empty:
            continue
        if not geometry.is_valid:
            # A hand-drawn bow-tie still has an inside; make_valid keeps the predicates well defined.
            geometry = shapely.make_valid(geometry)
        geometries.append(geometry)
        ids.append(grid_id)
        codes.append(code)
    geometry_array = np.array(geometries, dtype=object)
    shapely.prepare(geometry_array)
    return _GridIndex(
        tree=shapely.STRtree(geometry_array),
        geometries=geometry_array,
        ids=np.array(ids, dtype=np.int64),
        codes=np.array(codes, dtype=object),
        signature=signature,
        generation=generation,
    )


def grid_index() -> _GridIndex:
    global _grid_index
    with _lock:
        index = _fresh(_grid_index, _grid_signature, _build_grid_index)
        if index.generation == _generation:
            _grid_index = index
    return index


def _check_point(lat, lon) -> tuple[float, float]:
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        raise ValueError(f"经纬度必须是数字：纬度 {lat!r}，经度 {lon!r}") from None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise ValueError(f"经纬度必须是有限的数字：纬度 {lat}，经度 {lon}")
    problems = []
    if not -90.0 <= lat <= 90.0:
        problems.append(f"纬度应在 -90 到 90 之间，收到 {lat}")
    if not -180.0 <= lon <= 180.0:
        problems.append(f"经度应在 -180 到 180 之间，收到 {lon}")
    if problems:
        hint = "（是否把经度和纬度写反了？）" if -90.0 <= lon <= 90.0 and -180.0 <= lat <= 180.0 else ""
        raise ValueError(";".join(problems) + hint)
    return lat, lon


def _local_metres(lon0: float, lat0: float):
    """Equirectangular projection centred on the point: exact enough at grid scale, in metres."""
    kx = _METRES_PER_DEGREE * math.cos(math.radians(lat0))
    ky = _METRES_PER_DEGREE
    origin = np.array([lon0, lat0])
    scale = np.array([kx, ky])

    def project(coords: np.ndarray) -> np.ndarray:
        return (coords - origin) * scale

    return project, kx, ky


def _nearest(index: _GridIndex, point, lon: float, lat: float) -> tuple[int, float]:
    """Index into the grid arrays and distance in metres of the grid nearest to the point."""
    project, kx, ky = _local_metres(lon, lat)
    origin = shapely.Point(0.0, 0.0)

    def metres(positions: np.ndarray) -> np.ndarray:
        return shapely.distance(shapely.transform(index.geometries[positions], project), origin)

    # The nearest grid in degrees is not always the nearest in metres (longitude shrinks with
    # latitude), but it bounds the search: whatever is nearer in metres lies inside this box.
    first = np.asarray(index.tree.query_nearest(point, all_matches=True))
    bound = float(metres(first).min())
    box = shapely.box(
        lon - bound / max(kx, 1e-9), lat - bound / ky, lon + bound / max(kx, 1e-9), lat + bound / ky
    )
    candidates = np.union1d(first, index.tree.query(box))
    distances = metres(candidates)
    best = distances.min()
    # Arrays are sorted by code, so the lowest position among equals is the deterministic choice.
    position = int(candidates[np.flatnonzero(distances <= best + 1e-6)[0]])
    return position, float(best)


def format_distance(metres: float) -> str:
    if metres < 1000:
        return f"{max(1, round(metres))} 米"
    return f"{metres / 1000:.1f} 公里"


def _grid_with_areas(grid_id: int) -> Grid:
    return Grid.objects.select_related(_AREA_CHAIN).get(pk=grid_id)


def locate_point(lat, lon, *, gcj02: bool = False) -> LocateResult:
    """Find the grid containing a point (WGS-84, or GCJ-02 from 高德/腾讯 maps when `gcj02=True`).

    A point on the border of several grids goes to the one with the smallest code. A point outside
    every grid goes to the nearest grid within CIVICGRID_LOCATE_NEAREST_METRES, else nowhere.
    """
    lat, lon = _check_point(lat, lon)
    if gcj02:
        lon, lat = gcj02_to_wgs84(lon, lat)
    index = grid_index()
    if len(index.ids) == 0:
        return LocateResult(None, [], OUTSIDE, None, "尚未登记任何带边界的网格，无法定位", lon, lat)

    point = shapely.Point(lon, lat)
    hits = index.tree.query(point, predicate="intersects")
    if len(hits):
        grid = _grid_with_areas(int(index.ids[hits.min()]))
        return LocateResult(
            grid, grid.community.ancestors(), INSIDE, 0.0, f"位于网格 {grid.name}({grid.code})", lon, lat
        )

    position, distance = _nearest(index, point, lon, lat)
    limit = settings.CIVICGRID_LOCATE_NEAREST_METRES
    if distance <= limit:
        grid = _grid_with_areas(int(index.ids[position]))
        message = (
            f"不在任何网格内，距最近网格 {grid.name}（{grid.code}）约 {format_distance(distance)}，已就近归入"
        )
        return LocateResult(grid, grid.community.ancestors(), NEAREST, distance, message, lon, lat)
    message = f"不在本辖区范围内：距最近网格约 {format_distance(distance)}，超过 {format_distance(limit)}"
    return LocateResult(None, [], OUTSIDE, distance, message, lon, lat)


def adjacent_grid_ids(grid_id: int) -> set[int]:
    """Ids of the active grids whose boundary touches this grid's or comes within CIVICGRID_ADJACENT_GRID_METRES.

    Community borders do not matter: a grid of the next community across the street is adjacent. A grid
    without a boundary (or inactive) has no neighbours. Kept with the grid index, so it is recomputed
    whenever the grids change.
    """
    metres = float(getattr(settings, "CIVICGRID_ADJACENT_GRID_METRES", ADJACENT_GRID_METRES))
    index = grid_index()
    key = (int(grid_id), metres)
    found = index.adjacency.get(key)
    if found is None:
        found = index.adjacency[key] = _adjacent(index, int(grid_id), metres)
    return set(found)


def _adjacent(index: _GridIndex, grid_id: int, metres: float) -> frozenset[int]:
    positions = np.flatnonzero(index.ids == grid_id)
    if not len(positions):
        return frozenset()
    position = int(positions[0])
    geometry = index.geometries[position]
    centre = geometry.centroid
    project, _, ky = _local_metres(centre.x, centre.y)
    # A degree of longitude shrinks towards the poles: widen the box by the grid's most poleward latitude.
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    kx_min = _METRES_PER_DEGREE * math.cos(math.radians(min(89.0, max(abs(min_lat), abs(max_lat)))))
    margin_lon, margin_lat = metres / max(kx_min, 1e-9), metres / ky
    box = shapely.box(min_lon - margin_lon, min_lat - margin_lat, max_lon + margin_lon, max_lat + margin_lat)
    candidates = index.tree.query(box)
    candidates = candidates[candidates != position]
    if not len(candidates):
        return frozenset()
    distances = shapely.distance(
        shapely.transform(index.geometries[candidates], project), shapely.transform(geometry, project)
    )
    return frozenset(int(i) for i in index.ids[candidates[distances <= metres]])


def locate_points(lats, lons, *, gcj02: bool = False) -> np.ndarray:
    """Grid ids for many points at once (-1 where a point is in no grid or is not a valid coordinate).

    Inside-only: no nearest-grid fallback. Border points get the grid with the smallest code, as in
    `locate_point`.
    """
    lats = np.asarray(lats, dtype=float).ravel()
    lons = np.asarray(lons, dtype=float).ravel()
    if lats.shape != lons.shape:
        raise ValueError(f"纬度和经度的个数不一致：{lats.size} 个纬度，{lons.size} 个经度")
    result = np.full(lats.shape, -1, dtype=np.int64)
    valid = np.isfinite(lats) & np.isfinite(lons) & (np.abs(lats) <= 90.0) & (np.abs(lons) <= 180.0)
    if gcj02:
        lons, lats = gcj02_to_wgs84_array(lons, lats)
    index = grid_index()
    if len(index.ids) == 0 or not valid.any():
        return result
    rows = np.flatnonzero(valid)
    point_rows, positions = index.tree.query(shapely.points(lons[rows], lats[rows]), predicate="intersects")
    if len(point_rows):
        best = np.full(rows.shape, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(best, point_rows, positions)
        found = best != np.iinfo(np.int64).max
        result[rows[found]] = index.ids[best[found]]
    return result


# --- addresses --------------------------------------------------------------------------------

_NOISE = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")
_PROVINCE_PREFIX = re.compile(r"^[\u4e00-\u9fff]{2,7}?(省|自治区|特别行政区)")
# 市/县/区/镇/乡/街道 also end ordinary words (超市, 小区, 社区, 园区, 古镇...): those are kept.
_AREA_PREFIX = re.compile(
    r"^[\u4e00-\u9fff]{1,8}?(?<!超)(?<!门)(市|县)(?!场|民|政|委)"
    r"|^[\u4e00-\u9fff]{1,6}?(?<!小)(?<!社)(?<!园)(?<!景)(?<!校)(?<!街)(?<!厂)(?<!矿)(?<!营)(?<!城)(?<!片)区"
    r"|^[\u4e00-\u9fff]{1,6}?(?<!古)(?<!城)(镇|乡|街道)(?!政府|中心)"
)
_HOUSE_NUMBER = re.compile(
    r"[0-9零〇一二三四五六七八九十百千]+(号楼|号院|号|栋|幢|座|单元|楼|层|室|户|弄|巷|期|组)"
    r"|[0-9]+(-[0-9]+)+|[0-9]+$"
)
_ADDRESS_MIN_SCORE = 60.0
# Containment (partial) says the right place is named; the plain ratio prefers the candidate that
# explains more of the text, so "银海路金海湾小区" ranks 金海湾小区 above 银海路.
_PARTIAL_WEIGHT = 0.7


def normalise_text(text: str) -> str:
    """Light normalisation for names: full-width → ASCII, lower case, no spaces or punctuation."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text or "").lower())


def normalise_address(text: str, area_names: tuple[str, ...] = ()) -> str:
    """Strip what every address in the jurisdiction shares (省/市/县/区/镇 prefixes, house numbers).

    `area_names` are known area names (longest first) stripped wherever they lead the text.
    """
    text = normalise_text(text)
    stripped = True
    while stripped and text:
        stripped = False
        for name in area_names:
            if text.startswith(name) and len(text) > len(name):
                text, stripped = text[len(name) :], True
                break
        else:
            for pattern in (_PROVINCE_PREFIX, _AREA_PREFIX):
                match = pattern.match(text)
                if match and match.end() < len(text):
                    text, stripped = text[match.end() :], True
                    break
    without_numbers = _HOUSE_NUMBER.sub("", text)
    return without_numbers or text


def _build_address_index(signature, generation) -> _AddressIndex:
    names = {normalise_text(name) for name in AdminArea.objects.values_list("name", flat=True)}
    area_names = tuple(sorted(names - {""}, key=len, reverse=True))
    texts, place_ids, grid_ids, fields, originals = [], [], [], [], []

    def add(text, normalised, place_id, grid_id, kind):
        if normalised:
            texts.append(normalised)
            place_ids.append(place_id)
            grid_ids.append(grid_id)
            fields.append(kind)
            originals.append(text)

    for place_id, name, aliases, address, grid_id in Place.objects.values_list(
        "id", "name", "aliases", "address", "grid_id"
    ):
        add(name, normalise_text(name), place_id, grid_id or -1, "name")
        for alias in Place(aliases=aliases).alias_list():
            add(alias, normalise_text(alias), place_id, grid_id or -1, "alias")
        if address:
            add(address, normalise_address(address, area_names), place_id, grid_id or -1, "address")
    for grid_id, name in Grid.objects.filter(is_active=True).values_list("id", "name"):
        add(name, normalise_text(name), -1, grid_id, "grid")
    postings: dict[str, list[int]] = {}
    for position, normalised in enumerate(texts):
        for char in set(normalised):
            postings.setdefault(char, []).append(position)
    return _AddressIndex(
        texts=texts,
        place_ids=np.array(place_ids, dtype=np.int64),
        grid_ids=np.array(grid_ids, dtype=np.int64),
        fields=fields,
        originals=originals,
        area_names=area_names,
        postings={char: np.array(positions, dtype=np.int64) for char, positions in postings.items()},
        distinct_chars=np.array([len(set(t)) for t in texts], dtype=np.int64),
        signature=signature,
        generation=generation,
    )


def address_index() -> _AddressIndex:
    global _address_index
    with _lock:
        index = _fresh(_address_index, _address_signature, _build_address_index)
        if index.generation == _generation:
            _address_index = index
    return index


def _scores(query: str, texts: list[str]) -> np.ndarray:
    partial = process.cdist([query], texts, scorer=fuzz.partial_ratio, dtype=np.float32)[0]
    whole = process.cdist([query], texts, scorer=fuzz.ratio, dtype=np.float32)[0]
    return _PARTIAL_WEIGHT * partial + (1.0 - _PARTIAL_WEIGHT) * whole


def _sharing_characters(index: _AddressIndex, queries: list[str]) -> np.ndarray:
    """Positions of texts sharing at least two distinct characters with a query (one for 1-character texts).

    Sharing fewer cannot reach the minimum score (both ratios are then at most 50), so the costly
    partial_ratio only runs on these.
    """
    keep = np.zeros(len(index.texts), dtype=bool)
    for query in queries:
        chars = set(query)
        postings = [index.postings[c] for c in chars if c in index.postings]
        if not postings:
            continue
        shared = np.bincount(np.concatenate(postings), minlength=len(index.texts))
        keep |= shared >= np.minimum(2, np.minimum(len(chars), index.distinct_chars))
    return np.flatnonzero(keep)


def locate_address(text: str, *, limit: int = 5, min_score: float = _ADDRESS_MIN_SCORE) -> list[AddressMatch]:
    """Places and grids whose name, alias or address best match a free-text address, best first.

    Each place or grid appears once, with its best-matching field. A place without a grid but with
    coordinates gets the grid its point falls in. Whatever `min_score`, a match must score above 50.
    """
    index = address_index()
    light = normalise_text(text)
    full = normalise_address(text, index.area_names)
    if not index.texts or not light:
        return []
    queries = [light] if full in ("", light) else [light, full]
    positions = _sharing_characters(index, queries)
    if not len(positions):
        return []
    texts = [index.texts[i] for i in positions]
    scores = np.zeros(len(index.texts), dtype=np.float32)
    scores[positions] = np.max([_scores(query, texts) for query in queries], axis=0)

    candidates = np.flatnonzero((scores >= min_score) & (scores > 50.0))
    # Best score first; among equals the longer (more specific) text, then a stable order.
    lengths = np.array([len(index.texts[i]) for i in candidates])
    order = candidates[np.lexsort((candidates, -lengths, -scores[candidates]))]
    picked, seen = [], set()
    for i in order:
        owner = (
            ("place", int(index.place_ids[i]))
            if index.place_ids[i] >= 0
            else ("grid", int(index.grid_ids[i]))
        )
        if owner in seen:
            continue
        seen.add(owner)
        picked.append(i)
        if len(picked) >= limit:
            break
    if not picked:
        return []

    places = Place.objects.select_related("grid").in_bulk(
        [int(index.place_ids[i]) for i in picked if index.place_ids[i] >= 0]
    )
    grids = Grid.objects.in_bulk([int(index.grid_ids[i]) for i in picked if index.place_ids[i] < 0])
    matches = []
    for i in picked:
        if index.place_ids[i] >= 0:
            place = places.get(int(index.place_ids[i]))
            if place is None:
                continue
            grid = place.grid or _grid_at(place)
        else:
            place, grid = None, grids.get(int(index.grid_ids[i]))
            if grid is None:
                continue
        matches.append(
            AddressMatch(place, grid, round(float(scores[i]), 1), index.fields[i], index.originals[i])
        )
    return matches


# A trusted place （地址可信）： an address matched at least this well to a gazetteer entry that lies in a grid,
# with no match as good in another grid among the best ADDRESS_CANDIDATES, places a ticket in that grid
# without a person. A road through several grids matches equally well in each and places nothing.
ADDRESS_TRUST_SCORE = 85
ADDRESS_CANDIDATES = 3


@dataclass(frozen=True)
class AddressPlacement:
    """What a free-text address says about where a ticket is."""

    matches: list[AddressMatch]
    trusted: AddressMatch | None = None  # the match that places the ticket on its own
    ambiguous: bool = False  # good enough to trust, but as good in several grids: a person chooses

    @property
    def grid(self) -> Grid | None:
        return self.trusted.grid if self.trusted else None


def place_address(text: str) -> AddressPlacement:
    """The best matches for an address and, by the trusted-place rule above, the one that places a ticket."""
    matches = locate_address(text, limit=ADDRESS_CANDIDATES)
    best = matches[0] if matches else None
    if best is None or best.grid is None or best.score < ADDRESS_TRUST_SCORE:
        return AddressPlacement(matches)
    if any(m.score >= best.score and m.grid != best.grid for m in matches[1:]):
        return AddressPlacement(matches, ambiguous=True)
    return AddressPlacement(matches, trusted=best)


def _grid_at(place: Place) -> Grid | None:
    if place.lat is None or place.lon is None:
        return None
    grid_id = int(locate_points([place.lat], [place.lon])[0])
    return Grid.objects.filter(pk=grid_id).first() if grid_id >= 0 else None
