"""Compliance per community and cell: in the small world, and across the 892-cell demo grid."""
from collections import Counter
from datetime import timedelta

import pytest

from app.catalog.service import seed_reference_data
from app.core.extensions import db
from app.grid import service as grid_service
from app.grid.demo import build_demo_features
from app.grid.models import GridUnit
from app.patrols.compliance import week_table
from tests.factories import auth, make_collector, make_staff
from tests.patrols.conftest import TODAY, compliance, make_patrol, statuses_by_cell


def test_patrolled_wins_over_a_zero_report_in_the_same_cell(client, world, clock, staff_a):
    walker, quiet = make_collector(world.cell_a, "o-walker"), make_collector(world.cell_a, "o-quiet")
    make_patrol(quiet, world.cell_a, zero_report=True)
    make_patrol(walker, world.cell_a, zero_report=False)
    db.session.commit()
    assert statuses_by_cell(compliance(client, staff_a))[world.cell_a] == "patrolled"


def test_an_earlier_day_is_shown_when_asked_for(client, world, clock, staff_a):
    walker = make_collector(world.cell_a, "o-walker")
    make_patrol(walker, world.cell_a, TODAY - timedelta(days=2), zero_report=True)
    db.session.commit()
    answer = compliance(client, staff_a, date=(TODAY - timedelta(days=2)).isoformat())
    assert answer.json["date"] == (TODAY - timedelta(days=2)).isoformat()
    assert statuses_by_cell(answer)[world.cell_a] == "zero_report"
    assert statuses_by_cell(compliance(client, staff_a))[world.cell_a] == "missing"


def test_the_answer_names_the_cut_off(client, world, clock, staff_a):
    assert compliance(client, staff_a).json["cutoff"] == "2024-05-08T20:00:00+08:00"


def test_the_week_table_counts_cells_done_per_community_and_day(app, world, staff_a):
    walker = make_collector(world.cell_a, "o-walker")
    make_patrol(walker, world.cell_a, TODAY, zero_report=True)
    make_patrol(walker, world.cell_a, TODAY - timedelta(days=3), zero_report=False)
    street = db.session.get(GridUnit, world.street_a)
    table = week_table(street=street, end=TODAY)
    assert table["dates"][0] == "2024-05-02" and table["dates"][-1] == "2024-05-08"
    assert table["communities"] == [{"code": world.community_a, "name": "朱泾镇测试村", "total": 4,
                                     "done": [0, 0, 0, 1, 0, 0, 1]}]


# --- the demo grid -------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_document():
    return build_demo_features()


@pytest.fixture
def demo_grid(app, demo_document):
    seed_reference_data()
    grid_service.import_grid(demo_document)
    db.session.commit()
    cells = [f["properties"] for f in demo_document["features"] if f["properties"]["level"] == "cell"]
    return cells


def test_compliance_across_the_demo_grid_counts_every_cell_of_one_street(client, clock, demo_grid):
    street = "310116101"  # 朱泾镇
    cells = sorted(c["code"] for c in demo_grid if c["code"].startswith(street))
    staff = make_staff(street)
    # Every third cell patrolled, every third zero-reported, the rest missing.
    for n, code in enumerate(cells):
        if n % 3 < 2:
            user = make_collector(code, f"o-demo-{n}")
            make_patrol(user, code, zero_report=(n % 3 == 1))
    # A patrol in another street and one on another day must not leak in.
    other = next(c["code"] for c in demo_grid if not c["code"].startswith(street))
    make_patrol(make_collector(other, "o-elsewhere"), other, zero_report=False)
    make_patrol(make_collector(cells[-1], "o-yesterday"), cells[-1], TODAY - timedelta(days=1), zero_report=False)
    db.session.commit()

    answer = compliance(client, staff)
    assert answer.status_code == 200
    statuses = statuses_by_cell(answer)
    assert sorted(statuses) == cells
    expected = {code: ("patrolled", "zero_report", "missing")[n % 3] for n, code in enumerate(cells)}
    assert statuses == expected
    communities = answer.json["communities"]
    assert len(communities) == len({c[:12] for c in cells})
    assert all(cell["code"].startswith(c["code"]) for c in communities for cell in c["cells"])
    totals = Counter()
    for community in communities:
        totals.update({k: v for k, v in community["counts"].items()})
    assert totals["total"] == len(cells)
    assert totals["missing"] == sum(1 for n in range(len(cells)) if n % 3 == 2)


def test_an_admin_sees_any_demo_street_and_all_892_cells_add_up(client, clock, demo_grid):
    admin = make_staff(None, role="admin", username="district-admin")
    seen = 0
    for street in sorted({c["code"][:9] for c in demo_grid}):
        answer = client.get(f"/api/v1/inbox/patrols/compliance?street={street}", headers=auth(admin))
        assert answer.status_code == 200
        seen += sum(len(c["cells"]) for c in answer.json["communities"])
    assert seen == 892
