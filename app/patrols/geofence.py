"""How far a sign-in point lies from its cell, in metres.

Cells are a few hundred metres to a couple of kilometres across, so a local
equirectangular projection centred on the point is accurate to well under a metre
there, and needs no projection library.
"""
import math

import numpy as np
import shapely

METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180  # mean Earth radius


def distance_to_cell_m(geometry_geojson, lat, lng):
    """0 inside (or on the edge of) the cell, else whole metres to its nearest edge (at least 1)."""
    cell = shapely.from_geojson(geometry_geojson)
    scale = np.array([METRES_PER_DEGREE * math.cos(math.radians(lat)), METRES_PER_DEGREE])
    local = shapely.transform(cell, lambda xy: (xy - np.array([lng, lat])) * scale)
    distance = local.distance(shapely.Point(0, 0))
    # At least 1: a point a few centimetres outside is outside, never "0 m away".
    return max(1, round(distance)) if distance > 0 else 0
