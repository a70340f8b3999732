"""Jinshan's real reference geography, shipped in app/grid/data/ (see its README.md).

The district outline and the street seats are GCJ-02 in the files (AMap data) and
WGS-84 here, converted once per process. Source: Vonng/adcode, CC BY 4.0.
"""
import csv
import json
from functools import lru_cache
from pathlib import Path

import shapely
from shapely.geometry import Point

from app.grid.datum import geometry_to_wgs84, to_wgs84

DATA_DIR = Path(__file__).resolve().parent / "data"
OUTLINE_FILE = DATA_DIR / "jinshan_outline_gcj02.geojson"


def read_csv(path):
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def outline_feature():
    with open(OUTLINE_FILE, encoding="utf-8") as f:
        return json.load(f)["features"][0]


@lru_cache(maxsize=1)
def district_outline():
    """Jinshan's outer boundary with its islands, a WGS-84 MultiPolygon."""
    gcj02 = shapely.from_geojson(json.dumps(outline_feature()["geometry"]))
    return geometry_to_wgs84(gcj02, "gcj02")


@lru_cache(maxsize=1)
def outline_attribution():
    # The licence (CC BY 4.0) asks for this wherever the outline is shipped or shown.
    return outline_feature()["properties"]["source"]


def street_seats():
    """{street code: its seat (government office), a WGS-84 Point}."""
    seats = {}
    for row in read_csv(DATA_DIR / "jinshan_street_seats_gcj02.csv"):
        lat, lng = to_wgs84(float(row["seat_lat_gcj02"]), float(row["seat_lng_gcj02"]), "gcj02")
        seats[row["code"]] = Point(lng, lat)
    return seats


def communities():
    """The 223 real communities: dicts of code, name, street_code, kind, in code order."""
    return sorted(read_csv(DATA_DIR / "jinshan_communities.csv"), key=lambda row: row["code"])
