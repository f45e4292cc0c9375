"""Small builders for areas, grids, places and GeoJSON documents used by the registry tests."""

from civicgrid.registry.models import AdminArea, Grid, Place

Level = AdminArea.Level

# Real codes, so the paths read like the ones staff see: 海南省 / 琼海市 / 嘉积镇 / 银海社区.
PROVINCE = "460000"
COUNTY = "469002"
TOWN = "469002100"
COMMUNITY = "469002100001"
OTHER_COMMUNITY = "469002100002"

# Lower-left corner of the test lattice, in Qionghai; cells are 0.01° (about 1 km) squares.
ORIGIN_LON = 110.46
ORIGIN_LAT = 19.24
CELL = 0.01


def square(lon: float, lat: float, size: float = CELL) -> dict:
    """A GeoJSON Polygon with its lower-left corner at (lon, lat)."""
    return {
        "type": "Polygon",
        "coordinates": [
            [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
        ],
    }


def cell(col: int, row: int, size: float = CELL) -> dict:
    return square(ORIGIN_LON + col * CELL, ORIGIN_LAT + row * CELL, size)


def cell_centre(col: int, row: int) -> tuple[float, float]:
    """(lat, lon) of the centre of a lattice cell."""
    return ORIGIN_LAT + (row + 0.5) * CELL, ORIGIN_LON + (col + 0.5) * CELL


def feature(geometry: dict | None, **properties) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def collection(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def make_area(code: str, name: str, level: str, parent: AdminArea | None = None, geometry=None) -> AdminArea:
    area = AdminArea(code=code, name=name, level=level, parent=parent, geometry=geometry)
    area.save()
    return area


def make_hierarchy() -> dict[str, AdminArea]:
    """海南省 → 琼海市 → 嘉积镇 → 银海社区 / 金海社区, keyed by code."""
    province = make_area(PROVINCE, "海南省", Level.PROVINCE)
    county = make_area(COUNTY, "琼海市", Level.COUNTY, province)
    town = make_area(TOWN, "嘉积镇", Level.TOWN, county)
    return {
        PROVINCE: province,
        COUNTY: county,
        TOWN: town,
        COMMUNITY: make_area(COMMUNITY, "银海社区", Level.VILLAGE, town),
        OTHER_COMMUNITY: make_area(OTHER_COMMUNITY, "金海社区", Level.VILLAGE, town),
    }


def make_grid(
    code: str, community: AdminArea, geometry: dict | None, name: str | None = None, **fields
) -> Grid:
    grid = Grid(
        code=code, name=name or f"第{code[-3:]}网格", community=community, geometry=geometry, **fields
    )
    grid.save()
    return grid


def make_lattice(areas: dict[str, AdminArea]) -> dict[str, Grid]:
    """Four adjacent cells: row 0 in 银海社区 (…001 west, …002 east), row 1 in 金海社区 (…003, …004)."""
    grids = {}
    for number, (col, row, community) in enumerate(
        [(0, 0, COMMUNITY), (1, 0, COMMUNITY), (0, 1, OTHER_COMMUNITY), (1, 1, OTHER_COMMUNITY)], start=1
    ):
        code = f"{community}{number:03d}"
        grids[code] = make_grid(
            code, areas[community], cell(col, row), name=f"{areas[community].name}第{number}网格"
        )
    return grids


def make_place(
    name: str, *, aliases: str = "", address: str = "", grid: Grid | None = None, **fields
) -> Place:
    place = Place(name=name, aliases=aliases, address=address, grid=grid, **fields)
    place.save()
    return place
