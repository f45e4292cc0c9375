"""GeoJSON geometry helpers shared by models, import and locate."""

from shapely.geometry import shape


def bbox_of(geometry: dict | None) -> tuple[float | None, float | None, float | None, float | None]:
    if not geometry:
        return None, None, None, None
    return tuple(float(v) for v in shape(geometry).bounds)
