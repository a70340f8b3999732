"""Local metres, for tolerances, excesses and areas of WGS-84 polygons.

An equirectangular frame around one origin, with the WGS-84 ellipsoid's scale at the
origin's latitude. Across Jinshan (0.3 degrees of latitude) the scale is off by under
0.3%: a 0.5 m tolerance moves by about a millimetre, an area by under 0.3%.
"""
import math

import numpy as np
import shapely


def metres_per_degree(lat):
    """(metres per degree of longitude, of latitude) at `lat` on the WGS-84 ellipsoid."""
    phi = math.radians(lat)
    lat_m = 111_132.954 - 559.822 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi)
    lng_m = 111_412.84 * math.cos(phi) - 93.5 * math.cos(3 * phi)
    return lng_m, lat_m


class MetricFrame:
    def __init__(self, origin_lng, origin_lat):
        self.origin = np.array((origin_lng, origin_lat))
        self.scale = np.array(metres_per_degree(origin_lat))

    @classmethod
    def around(cls, geometry):
        centre = geometry.centroid
        return cls(centre.x, centre.y)

    def to_metres(self, geometry):
        return shapely.transform(geometry, lambda xy: (xy - self.origin) * self.scale)
