"""A deterministic synthetic grid for Jinshan, for demos and tests.

Real community and cell boundaries are not public. This builds a partition with
the real 11 streets (codes, names, approximate town centres) and Jinshan's counts
(226 communities, 926 cells): streets are Voronoi regions of the town centres,
each street is split into communities and each community into cells the same
way, around seeded pseudo-random points. Every split is clipped to its parent, so
there are no gaps and no overlaps, and the same input always gives the same grid.
"""
import csv
import json
import random
from pathlib import Path

import shapely
from shapely.geometry import MultiPoint, Point, mapping

from app.grid.models import DISTRICT_CODE

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
COMMUNITY_COUNT = 226
CELL_COUNT = 926
# The synthetic district: the town centres' hull, widened to roughly Jinshan's size.
DISTRICT_MARGIN_DEG = 0.035
LLOYD_ROUNDS = 2


def read_streets(path=DATA_DIR / "jinshan_streets.csv"):
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def build_demo_features(streets=None):
    """The demo grid as a GeoJSON FeatureCollection (dict)."""
    streets = streets or read_streets()
    centres = [Point(float(s["centre_lng_wgs84"]), float(s["centre_lat_wgs84"])) for s in streets]
    district = MultiPoint(centres).convex_hull.buffer(DISTRICT_MARGIN_DEG, quad_segs=4)
    street_shapes = split_polygon(district, centres)
    features = []
    community_quota = share_out(COMMUNITY_COUNT, [p.area for p in street_shapes])
    communities = []
    for street, shape, quota in zip(streets, street_shapes, community_quota):
        features.append(feature(street["code"], street["name"], "street", DISTRICT_CODE, shape))
        for n, piece in enumerate(split_evenly(shape, quota, seed=street["code"]), start=1):
            code = f"{street['code']}{200 + n:03d}"
            name = f"{street['name']}第{n:02d}村居"
            communities.append((code, name, piece))
            features.append(feature(code, name, "community", street["code"], piece))
    cell_quota = share_out(CELL_COUNT, [c[2].area for c in communities])
    for (code, name, shape), quota in zip(communities, cell_quota):
        for n, piece in enumerate(split_evenly(shape, quota, seed=code), start=1):
            features.append(feature(f"{code}{n:03d}", f"{name}第{n}网格", "cell", code, piece))
    return {"type": "FeatureCollection", "features": features}


def feature(code, name, level, parent_code, geometry):
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, "level": level, "parent_code": parent_code},
        "geometry": mapping(geometry),
    }


def share_out(total, weights):
    """Split `total` into whole parts proportional to weights (largest remainder), each >= 1."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [max(1, int(r)) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: (raw[i] - int(raw[i]), -i), reverse=True)
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def split_evenly(polygon, count, seed):
    """`count` pieces of the polygon around seeded points, relaxed towards even sizes."""
    if count == 1:
        return [polygon]
    points = sample_points(polygon, count, random.Random(seed))
    for _ in range(LLOYD_ROUNDS):
        points = [piece.centroid for piece in split_polygon(polygon, points)]
    return split_polygon(polygon, points)


def sample_points(polygon, count, rng):
    minx, miny, maxx, maxy = polygon.bounds
    points = []
    while len(points) < count:
        candidate = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if polygon.contains(candidate):
            points.append(candidate)
    return points


def split_polygon(polygon, points):
    """The Voronoi regions of `points`, clipped to `polygon`, in the order of `points`."""
    regions = shapely.voronoi_polygons(MultiPoint(points), extend_to=polygon, ordered=True)
    return [largest_polygon(region.intersection(polygon)) for region in regions.geoms]


def largest_polygon(geometry):
    # Voronoi regions and their convex parents intersect in one polygon; guard anyway.
    if geometry.geom_type == "Polygon":
        return geometry
    return max((g for g in getattr(geometry, "geoms", []) if g.geom_type == "Polygon"),
               key=lambda g: g.area)


def demo_geojson():
    return json.dumps(build_demo_features(), ensure_ascii=False)
