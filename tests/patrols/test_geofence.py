"""Sign-in distance from a cell polygon, in metres."""
import json
import math

import pytest
from shapely.geometry import box, mapping

from app.patrols.geofence import METRES_PER_DEGREE, distance_to_cell_m

CELL = json.dumps(mapping(box(121.15, 30.89, 121.16, 30.90)))  # about 955 m x 1112 m


def east_of_cell(metres, lat=30.895):
    return lat, 121.16 + metres / (METRES_PER_DEGREE * math.cos(math.radians(lat)))


def test_a_point_inside_or_on_the_edge_is_zero_metres_away():
    assert distance_to_cell_m(CELL, 30.895, 121.155) == 0
    assert distance_to_cell_m(CELL, 30.895, 121.16) == 0


@pytest.mark.parametrize("metres", [1, 99, 101, 500, 3000])
def test_a_point_east_of_the_cell_is_that_many_metres_away(metres):
    assert distance_to_cell_m(CELL, *east_of_cell(metres)) == metres


def test_a_point_north_is_measured_along_the_meridian():
    # 0.001 degree of latitude is about 111 m everywhere.
    assert distance_to_cell_m(CELL, 30.901, 121.155) == 111


def test_a_point_a_few_centimetres_outside_is_one_metre_away_not_zero():
    assert distance_to_cell_m(CELL, *east_of_cell(0.05)) == 1


def test_the_distance_to_a_corner_is_diagonal():
    lat, lng = east_of_cell(300, lat=30.90 + 400 / METRES_PER_DEGREE)
    assert distance_to_cell_m(CELL, lat, lng) == 500
