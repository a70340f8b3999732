"""Vendored front-end libraries are served from the app itself, with their licences."""
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "app" / "web" / "static" / "vendor"

ASSETS = {
    "vendor/htmx/htmx.min.js": "javascript",
    "vendor/leaflet/leaflet.js": "javascript",
    "vendor/leaflet/leaflet.css": "text/css",
    "vendor/leaflet/images/marker-icon.png": "image/png",
    "vendor/leaflet/images/marker-icon-2x.png": "image/png",
    "vendor/leaflet/images/marker-shadow.png": "image/png",
    "vendor/echarts/echarts.min.js": "javascript",
    "web.css": "text/css",
    "web.js": "javascript",
    "patrols.css": "text/css",
    "stats.css": "text/css",
    "stats.js": "javascript",
}


@pytest.mark.parametrize("path", sorted(ASSETS))
def test_each_static_asset_is_served(client, path):
    answer = client.get(f"/inbox/static/{path}")
    assert answer.status_code == 200
    assert ASSETS[path] in answer.content_type
    assert len(answer.data) > 100


def test_every_vendored_library_keeps_its_licence():
    assert "Permission to use, copy, modify" in (VENDOR / "htmx" / "LICENSE").read_text()  # 0BSD
    assert "Redistribution and use" in (VENDOR / "leaflet" / "LICENSE").read_text()  # BSD-2-Clause
    assert "Apache License" in (VENDOR / "echarts" / "LICENSE").read_text()  # Apache-2.0, with its NOTICE
    assert (VENDOR / "echarts" / "NOTICE").exists()


def test_vendored_versions_are_the_ones_package_json_pins():
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]
    lines = (VENDOR / "VERSIONS.txt").read_text().splitlines()
    recorded = dict(line.split() for line in lines if line and not line.startswith("#"))
    assert recorded == pinned
    locked = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    assert {name: locked[f"node_modules/{name}"]["version"] for name in pinned} == pinned
