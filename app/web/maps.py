"""Leaflet maps on inbox pages: which tiles, and which datum points are drawn in.

Grid polygons and stored points are WGS-84. OpenStreetMap tiles are WGS-84, but
Chinese tiles (AMap, Tencent) are drawn in GCJ-02, where a WGS-84 point lands about
500 m off in Jinshan, more than a cell is wide. So every point passes through
tile_point() on its way to a page, and MAP_TILE_DATUM must match MAP_TILE_URL.

The tile settings (MAP_TILE_URL, MAP_TILE_SUBDOMAINS, MAP_TILE_ATTRIBUTION,
MAP_TILE_DATUM, MAP_TILE_MAX_ZOOM) live in config.py with the others; e.g. AMap:
MAP_TILE_URL=https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}
MAP_TILE_SUBDOMAINS=1234 MAP_TILE_ATTRIBUTION="&copy; 高德地图" MAP_TILE_DATUM=gcj02
"""
from flask import current_app

from app.grid.datum import DATUMS, to_gcj02

# Jinshan district, roughly the middle of its eleven streets (WGS-84).
JINSHAN_CENTRE = (30.80, 121.24)


def check_map_datum(app):
    """At start-up, so a wrong datum never draws every point 500 m off."""
    if app.config["MAP_TILE_DATUM"] not in DATUMS:
        raise RuntimeError(f"MAP_TILE_DATUM must be one of {DATUMS}, not {app.config['MAP_TILE_DATUM']!r}")


def tile_point(lat, lng):
    """A WGS-84 point in the datum of the configured tiles, rounded to ~0.1 m."""
    if current_app.config["MAP_TILE_DATUM"] == "gcj02":
        lat, lng = to_gcj02(lat, lng)
    return round(lat, 6), round(lng, 6)


def map_options(points=(), centre=JINSHAN_CENTRE, zoom=11):
    """What static/web.js needs to draw a map: tiles, view and points, all in the tile datum.

    points: dicts with WGS-84 `lat`, `lng` and optional `label`.
    """
    config = current_app.config
    return {
        "tiles": {
            "url": config["MAP_TILE_URL"],
            "subdomains": config["MAP_TILE_SUBDOMAINS"],
            "attribution": config["MAP_TILE_ATTRIBUTION"],
            "maxZoom": config["MAP_TILE_MAX_ZOOM"],
        },
        "datum": config["MAP_TILE_DATUM"],
        "centre": tile_point(*centre),
        "zoom": zoom,
        "points": [_drawn(point) for point in points],
    }


def _drawn(point):
    lat, lng = tile_point(point["lat"], point["lng"])
    return {"lat": lat, "lng": lng, "label": point.get("label", "")}
