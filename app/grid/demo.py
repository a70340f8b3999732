"""A deterministic synthetic grid for Jinshan, for demos and tests.

Real community and cell boundaries are not public, nor are street boundaries. This
partitions the real district outline (converted to WGS-84) among the real 11 streets
and their 223 real communities (codes and names):
- streets are the Voronoi regions of the real street seats, clipped to the outline,
  so every seat lies in its own street;
- each street is split among its communities, and each community into
  CELLS_PER_COMMUNITY cells, around seeded pseudo-random points relaxed towards even
  sizes (a few rounds of Lloyd's algorithm).
Every split is clipped to its parent, so the outline is tiled with no gaps and no
overlaps, and the same input always gives the same grid.

The outline is from Vonng/adcode (an AMap district fence), CC BY 4.0: the GeoJSON
carries that attribution, as must anything that ships or shows it.
"""
import csv
import json
import random
from pathlib import Path

import shapely
from shapely.geometry import MultiPoint, Point, mapping

from app.grid.importer import polygonal
from app.grid.models import DISTRICT_CODE
from app.grid.reference import communities, district_outline, outline_attribution, street_seats

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
# Jinshan's real grid has 892 cells under its 223 communities.
CELLS_PER_COMMUNITY = 4
LLOYD_ROUNDS = 2


def read_streets(path=DATA_DIR / "jinshan_streets.csv"):
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def build_demo_features():
    """The demo grid as a GeoJSON FeatureCollection (dict)."""
    streets = read_streets()
    seats = street_seats()
    street_shapes = split_polygon(district_outline(), [seats[s["code"]] for s in streets])
    features = []
    for street, shape in zip(streets, street_shapes):
        features.append(feature(street["code"], street["name"], "street", DISTRICT_CODE, shape))
        features.extend(community_features(street["code"], shape))
    return {"type": "FeatureCollection", "attribution": outline_attribution(), "features": features}


def community_features(street_code, street_shape):
    members = [c for c in communities() if c["street_code"] == street_code]
    features = []
    for community, shape in zip(members, split_evenly(street_shape, len(members), seed=street_code)):
        code, name = community["code"], community["name"]
        features.append(feature(code, name, "community", street_code, shape))
        for n, cell in enumerate(split_evenly(shape, CELLS_PER_COMMUNITY, seed=code), start=1):
            features.append(feature(f"{code}{n:03d}", f"{name}第{n}网格", "cell", code, cell))
    return features


def feature(code, name, level, parent_code, geometry):
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, "level": level, "parent_code": parent_code},
        "geometry": mapping(geometry),
    }


def split_evenly(polygon, count, seed):
    """`count` pieces of the polygon around seeded points, relaxed towards even sizes."""
    if count == 1:
        return [polygon]
    points = sample_points(polygon, count, random.Random(seed))
    for _ in range(LLOYD_ROUNDS):
        points = [centre_inside(piece, polygon) for piece in split_polygon(polygon, points)]
    return split_polygon(polygon, points)


def centre_inside(piece, polygon):
    # A piece with islands, or a crescent along the coast, may have its centroid in the
    # sea; a seed outside the polygon could leave its piece empty.
    centroid = piece.centroid
    return centroid if polygon.contains(centroid) else piece.point_on_surface()


def sample_points(polygon, count, rng):
    minx, miny, maxx, maxy = polygon.bounds
    points = []
    while len(points) < count:
        candidate = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if polygon.contains(candidate):
            points.append(candidate)
    return points


def split_polygon(polygon, points):
    """The Voronoi regions of `points`, clipped to `polygon`, in the order of `points`.

    A region keeps every part it cuts from the polygon (an island, a strip of coast
    cut off by a bay), so the pieces always add up to the whole polygon.
    """
    regions = shapely.voronoi_polygons(MultiPoint(points), extend_to=polygon, ordered=True)
    return [polygonal(region.intersection(polygon)) for region in regions.geoms]


def demo_geojson():
    return json.dumps(build_demo_features(), ensure_ascii=False)
