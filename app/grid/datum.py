"""GCJ-02 <-> WGS-84, through prcoords.

WeChat hands us GCJ-02; our polygons are WGS-84. In Jinshan the two differ by
about 490 m, more than a cell is wide, so every point is converted before lookup.
prcoords' iterative inverse (gcj_wgs_bored) round-trips to millimetres.
"""
import prcoords

DATUMS = ("gcj02", "wgs84")


def to_wgs84(lat, lng, datum):
    if datum == "wgs84":
        return lat, lng
    if datum == "gcj02":
        point = prcoords.gcj_wgs_bored((lat, lng))
        return point.lat, point.lon
    raise ValueError(f"unknown datum {datum!r}")


def to_gcj02(lat, lng):
    """For drawing on Chinese map tiles (AMap, Tencent), which are GCJ-02."""
    point = prcoords.wgs_gcj((lat, lng))
    return point.lat, point.lon


def to_wgs84_many(lats, lngs, datum):
    """Bulk conversion for imports and re-locating stored points; arrays of lat and lng."""
    import numpy as np

    pairs = [to_wgs84(lat, lng, datum) for lat, lng in zip(lats, lngs)]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
