"""GCJ-02 <-> WGS-84, through prcoords.

WeChat hands us GCJ-02; our polygons are WGS-84. In Jinshan the two differ by
about 490 m, more than a cell is wide, so every point is converted before lookup.
prcoords' iterative inverse (gcj_wgs_bored) round-trips to millimetres.
"""
import numpy as np
import prcoords
import shapely

DATUMS = ("gcj02", "wgs84")

# GCJ-02's offset bends straight lines: converted at its two ends only, a 5 km edge
# strays up to 2.4 m from the true converted curve, a 1 km edge 9 cm, a 100 m edge
# 1.5 mm (measured across Jinshan). Edges are cut to this length before converting.
MAX_EDGE_DEG = 0.0009  # about 100 m of latitude, 86 m of longitude in Jinshan


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
    pairs = [to_wgs84(lat, lng, datum) for lat, lng in zip(lats, lngs)]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


def geometry_to_wgs84(geometry, datum):
    """A shapely geometry in `datum`, in WGS-84: long edges densified, then every vertex converted."""
    if datum not in DATUMS:
        raise ValueError(f"unknown datum {datum!r}")
    if datum == "wgs84":
        return geometry
    return shapely.transform(shapely.segmentize(geometry, MAX_EDGE_DEG), _gcj02_xy_to_wgs84)


def geometry_to_gcj02(geometry):
    """The inverse, for tests and for drawing polygons on GCJ-02 tiles."""
    return shapely.transform(shapely.segmentize(geometry, MAX_EDGE_DEG), _wgs84_xy_to_gcj02)


def _gcj02_xy_to_wgs84(xy):
    # shapely hands (lng, lat) rows; prcoords takes and gives (lat, lng).
    return np.array([to_wgs84(lat, lng, "gcj02")[::-1] for lng, lat in xy]).reshape(-1, 2)


def _wgs84_xy_to_gcj02(xy):
    return np.array([to_gcj02(lat, lng)[::-1] for lng, lat in xy]).reshape(-1, 2)
