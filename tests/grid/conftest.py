import json

import pytest


@pytest.fixture
def grid_import(app, tmp_path):
    """Run `flask grid import` on a document: grid_import(document, "--datum", "gcj02", ...)."""
    def run(document, *options):
        path = tmp_path / "grid.geojson"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        return app.test_cli_runner().invoke(args=["grid", "import", str(path), *options])

    return run
