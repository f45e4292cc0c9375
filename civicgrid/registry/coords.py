"""Chinese map datums: WGS-84 (GPS, stored), GCJ-02 (高德/腾讯/天地图 web maps) and BD-09 (百度).

Every function takes and returns (lon, lat). The `*_array` variants take numpy arrays (or anything
`numpy.asarray` accepts) and convert whole batches at once. GCJ-02 is only defined inside China:
points outside its rough bounding box are returned unchanged, as every map vendor does.
"""

import math

import numpy as np

# Krasovsky 1940 ellipsoid, which the GCJ-02 obfuscation is defined on.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0

# Inverting GCJ-02 by fixed-point iteration gains ~3 decimal digits per step; 1e-10 degrees is ~0.01 mm.
_INVERSE_TOLERANCE_DEG = 1e-10
_INVERSE_MAX_ITERATIONS = 30


def out_of_china(lon, lat):
    """True where GCJ-02 does not apply (scalar or array)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _offset(lon, lat):
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    periodic_x = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    dlat = dlat + periodic_x
    dlat = dlat + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat = dlat + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    dlon = dlon + periodic_x
    dlon = dlon + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon = dlon + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0

    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02_array(lons, lats) -> tuple[np.ndarray, np.ndarray]:
    lons = np.asarray(lons, dtype=float)
    lats = np.asarray(lats, dtype=float)
    dlon, dlat = _offset(lons, lats)
    outside = out_of_china(lons, lats)
    return np.where(outside, lons, lons + dlon), np.where(outside, lats, lats + dlat)


def gcj02_to_wgs84_array(lons, lats) -> tuple[np.ndarray, np.ndarray]:
    gcj_lon = np.asarray(lons, dtype=float)
    gcj_lat = np.asarray(lats, dtype=float)
    wgs_lon, wgs_lat = gcj_lon.copy(), gcj_lat.copy()
    for _ in range(_INVERSE_MAX_ITERATIONS):
        fwd_lon, fwd_lat = wgs84_to_gcj02_array(wgs_lon, wgs_lat)
        err_lon, err_lat = fwd_lon - gcj_lon, fwd_lat - gcj_lat
        wgs_lon = wgs_lon - err_lon
        wgs_lat = wgs_lat - err_lat
        worst = np.nanmax(np.abs(np.concatenate([np.ravel(err_lon), np.ravel(err_lat), [0.0]])))
        if worst < _INVERSE_TOLERANCE_DEG:
            break
    # A point near the border can iterate across it; the datum is defined by where the input lies.
    outside = out_of_china(gcj_lon, gcj_lat)
    return np.where(outside, gcj_lon, wgs_lon), np.where(outside, gcj_lat, wgs_lat)


def bd09_to_gcj02_array(lons, lats) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(lons, dtype=float) - 0.0065
    y = np.asarray(lats, dtype=float) - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def gcj02_to_bd09_array(lons, lats) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(lons, dtype=float)
    y = np.asarray(lats, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_wgs84_array(lons, lats) -> tuple[np.ndarray, np.ndarray]:
    return gcj02_to_wgs84_array(*bd09_to_gcj02_array(lons, lats))


def wgs84_to_bd09_array(lons, lats) -> tuple[np.ndarray, np.ndarray]:
    return gcj02_to_bd09_array(*wgs84_to_gcj02_array(lons, lats))


def _scalar(func, lon: float, lat: float) -> tuple[float, float]:
    out_lon, out_lat = func(lon, lat)
    return float(out_lon), float(out_lat)


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    return _scalar(wgs84_to_gcj02_array, lon, lat)


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Exact inverse (to well under a millimetre), not the common one-step approximation (~1-2 m off)."""
    return _scalar(gcj02_to_wgs84_array, lon, lat)


def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    return _scalar(bd09_to_gcj02_array, lon, lat)


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    return _scalar(gcj02_to_bd09_array, lon, lat)


def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    return _scalar(bd09_to_wgs84_array, lon, lat)


def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    return _scalar(wgs84_to_bd09_array, lon, lat)
