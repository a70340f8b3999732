"""Map points are drawn in the datum of the configured tiles."""
import pytest

from app.grid.datum import to_gcj02
from app.web.maps import map_options, tile_point

JINSHAN_POINT = (30.7200, 121.3300)  # 石化街道, WGS-84


def test_osm_tiles_take_wgs84_points_as_they_are(make_app):
    with make_app().test_request_context():
        assert tile_point(*JINSHAN_POINT) == JINSHAN_POINT


def test_chinese_tiles_get_points_shifted_to_gcj02(make_app):
    app = make_app(MAP_TILE_DATUM="gcj02", MAP_TILE_URL="https://tiles.invalid/{z}/{x}/{y}.png")
    with app.test_request_context():
        lat, lng = tile_point(*JINSHAN_POINT)
        options = map_options([{"lat": JINSHAN_POINT[0], "lng": JINSHAN_POINT[1], "label": "石化街道"}])
    expected = to_gcj02(*JINSHAN_POINT)
    assert (lat, lng) == pytest.approx(expected, abs=1e-6)
    assert abs(lng - JINSHAN_POINT[1]) > 0.003  # hundreds of metres: a visible error if skipped
    assert options["datum"] == "gcj02"
    assert options["tiles"]["url"] == "https://tiles.invalid/{z}/{x}/{y}.png"
    assert options["points"] == [{"lat": lat, "lng": lng, "label": "石化街道"}]


def test_an_unknown_tile_datum_stops_the_app_from_starting(make_app):
    with pytest.raises(RuntimeError, match="MAP_TILE_DATUM"):
        make_app(MAP_TILE_DATUM="bd09")


def test_the_tile_url_comes_from_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("MAP_TILE_URL", "https://tiles.example/{z}/{x}/{y}.png")
    assert make_app().config["MAP_TILE_URL"] == "https://tiles.example/{z}/{x}/{y}.png"
