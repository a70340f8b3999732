"""GCJ-02 <-> WGS-84: prcoords' arithmetic in plain floats, plus a numpy bulk inverse.

WeChat hands us GCJ-02; our polygons are WGS-84. In Jinshan the two differ by
about 490 m, more than a cell is wide, so every point is converted before lookup.

The single-point functions repeat prcoords' wgs_gcj / gcj_wgs_bored term for term
(same operations, same order, same stop rule), so they give bit-identical results
without its namedtuples, warnings machinery and range checks on every step: about
half the cost, which a request pays on every report and locate (bench/grid_lookup.py).
bench/grid_lookup.py checks them against prcoords itself, bit for bit.
"""
import math
import warnings

import numpy as np

DATUMS = ("gcj02", "wgs84")

# Krasovsky 1940 ellipsoid, as prcoords (and the GCJ-02 algorithm) uses it.
_A = 6378245
_EE = 0.00669342162296594323
_EPS = 1e-5  # prcoords.PRC_EPS: stop refining once a step is below ~1 m (the result is at mm level)
_MAX_STEPS = 10
_PI = math.pi


def to_wgs84(lat, lng, datum):
    if datum == "wgs84":
        return lat, lng
    if datum == "gcj02":
        return _gcj_to_wgs(lat, lng)
    raise ValueError(f"unknown datum {datum!r}")


def to_gcj02(lat, lng):
    """For drawing on Chinese map tiles (AMap, Tencent), which are GCJ-02."""
    if not _in_china(lat, lng):
        warnings.warn(f"Non-Chinese coords found, returning as-is: {(lat, lng)!r}")
        return lat, lng
    return _wgs_to_gcj(lat, lng)


def to_wgs84_many(lats, lngs, datum):
    """Bulk to_wgs84 for numpy arrays (imports, re-locating stored points): returns two arrays.

    Same rough inverse and stop rule as the single version, applied per point; numpy's
    sin/cos may differ from math's in the last bit, so results agree to far below 1 mm.
    """
    lats = np.asarray(lats, dtype=float)
    lngs = np.asarray(lngs, dtype=float)
    if datum == "wgs84":
        return lats.copy(), lngs.copy()
    if datum != "gcj02":
        raise ValueError(f"unknown datum {datum!r}")
    inside = _in_china(lats, lngs)
    g_lat, g_lng = _wgs_to_gcj_np(lats, lngs)
    # prcoords' rough inverse leaves points outside China where they are, then refines anyway.
    w_lat = np.where(inside, lats - (g_lat - lats), lats)
    w_lng = np.where(inside, lngs - (g_lng - lngs), lngs)
    active = np.ones(lats.shape, dtype=bool)
    for _ in range(_MAX_STEPS):
        f_lat, f_lng = _wgs_to_gcj_np(w_lat, w_lng)
        d_lat, d_lng = f_lat - lats, f_lng - lngs
        w_lat = np.where(active, w_lat - d_lat, w_lat)
        w_lng = np.where(active, w_lng - d_lng, w_lng)
        active &= np.hypot(d_lat, d_lng) > _EPS
        if not active.any():
            break
    return w_lat, w_lng


def _in_china(lat, lng):
    return (0.8293 <= lat) & (lat <= 55.8271) & (72.004 <= lng) & (lng <= 137.8347)


def _gcj_to_wgs(lat, lng):
    """prcoords.gcj_wgs_bored: a rough inverse, then fixed-point steps until one is < _EPS."""
    if _in_china(lat, lng):
        g_lat, g_lng = _wgs_to_gcj(lat, lng)
        w_lat, w_lng = lat - (g_lat - lat), lng - (g_lng - lng)
    else:
        warnings.warn(f"Non-Chinese coords found, returning as-is: {(lat, lng)!r}")
        w_lat, w_lng = lat, lng
    for _ in range(_MAX_STEPS):
        f_lat, f_lng = _wgs_to_gcj(w_lat, w_lng)
        d_lat, d_lng = f_lat - lat, f_lng - lng
        w_lat, w_lng = w_lat - d_lat, w_lng - d_lng
        if math.hypot(d_lat, d_lng) <= _EPS:
            break
    return w_lat, w_lng


def _wgs_to_gcj(lat, lng, sin=math.sin, cos=math.cos, sqrt=math.sqrt, pow=math.pow,
                radians=math.radians):
    """prcoords.wgs_gcj without the range check: distortions in metres, then into degrees.
    Terms both sums share are computed once; the operations and their order are prcoords'."""
    x, y = lng - 105, lat - 35
    sin_6x, sin_2x, root = sin(x * 6 * _PI), sin(x * 2 * _PI), sqrt(abs(x))
    d_lat_m = (-100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * root + (
        2 * sin_6x + 2 * sin_2x
        + 2 * sin(y * _PI) + 4 * sin(y / 3 * _PI)
        + 16 * sin(y / 12 * _PI) + 32 * sin(y / 30 * _PI)) * 20 / 3)
    d_lng_m = (300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * root + (
        2 * sin_6x + 2 * sin_2x
        + 2 * sin(x * _PI) + 4 * sin(x / 3 * _PI)
        + 15 * sin(x / 12 * _PI) + 30 * sin(x / 30 * _PI)) * 20 / 3)
    rad_lat = radians(lat)
    magic = 1 - _EE * pow(sin(rad_lat), 2)
    lat_deg_arclen = radians((_A * (1 - _EE)) / pow(magic, 1.5))
    lng_deg_arclen = radians(_A * cos(rad_lat) / sqrt(magic))
    return lat + (d_lat_m / lat_deg_arclen), lng + (d_lng_m / lng_deg_arclen)


def _wgs_to_gcj_np(lat, lng):
    sin = np.sin
    x, y = lng - 105, lat - 35
    d_lat_m = (-100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x)) + (
        2 * sin(x * 6 * _PI) + 2 * sin(x * 2 * _PI)
        + 2 * sin(y * _PI) + 4 * sin(y / 3 * _PI)
        + 16 * sin(y / 12 * _PI) + 32 * sin(y / 30 * _PI)) * 20 / 3)
    d_lng_m = (300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x)) + (
        2 * sin(x * 6 * _PI) + 2 * sin(x * 2 * _PI)
        + 2 * sin(x * _PI) + 4 * sin(x / 3 * _PI)
        + 15 * sin(x / 12 * _PI) + 30 * sin(x / 30 * _PI)) * 20 / 3)
    rad_lat = np.radians(lat)
    magic = 1 - _EE * np.sin(rad_lat) ** 2
    lat_deg_arclen = np.radians((_A * (1 - _EE)) / magic ** 1.5)
    lng_deg_arclen = np.radians(_A * np.cos(rad_lat) / np.sqrt(magic))
    return lat + d_lat_m / lat_deg_arclen, lng + d_lng_m / lng_deg_arclen
