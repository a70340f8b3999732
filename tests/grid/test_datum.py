import math
import random

import pytest

from app.grid import datum

# Jinshan's extent with a margin, WGS-84.
LAT_RANGE = (30.65, 30.98)
LNG_RANGE = (120.90, 121.48)


def metres_between(a, b):
    lat = math.radians((a[0] + b[0]) / 2)
    dy = (a[0] - b[0]) * 111_320
    dx = (a[1] - b[1]) * 111_320 * math.cos(lat)
    return math.hypot(dx, dy)


def jinshan_points(count, seed=116):
    rng = random.Random(seed)
    return [(rng.uniform(*LAT_RANGE), rng.uniform(*LNG_RANGE)) for _ in range(count)]


def test_gcj02_is_offset_by_hundreds_of_metres_in_jinshan():
    wgs = (30.895, 121.165)
    offset = metres_between(wgs, datum.to_gcj02(*wgs))
    assert 300 < offset < 700


def test_round_trip_error_is_under_one_metre_across_jinshan():
    worst = max(
        metres_between(wgs, datum.to_wgs84(*datum.to_gcj02(*wgs), "gcj02"))
        for wgs in jinshan_points(2000)
    )
    assert worst < 1.0


def test_wgs84_input_is_returned_unchanged():
    assert datum.to_wgs84(30.9, 121.2, "wgs84") == (30.9, 121.2)


def test_an_unknown_datum_is_refused():
    with pytest.raises(ValueError):
        datum.to_wgs84(30.9, 121.2, "bd09")
