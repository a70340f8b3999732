"""After the daily cut-off the sweeper records missing cells once and tells the cell heads once."""
from datetime import timedelta

from app.accounts.models import Binding
from app.core.extensions import db
from app.jobs.sweeper import periodic_tasks, sweep_once
from app.notifications.models import Notification
from app.patrols.models import PatrolMiss
from app.patrols.service import record_missing_patrols
from tests.factories import make_collector, make_staff
from tests.patrols.conftest import TODAY, at, make_patrol


def misses():
    return sorted((m.date, m.cell_code) for m in db.session.query(PatrolMiss))


def street_a_cells(world):
    return sorted(c for c in world.cells if c.startswith(world.street_a))


def test_before_the_cut_off_nothing_is_recorded_for_today(app, world):
    make_patrol(make_collector(world.cell_a, "o-walker"), world.cell_a, TODAY - timedelta(days=1), zero_report=True)
    recorded = record_missing_patrols(now=at(TODAY, 19, 59))
    # Only yesterday, the latest day whose cut-off has passed: a sweeper down at 20:00 catches up.
    assert recorded == 7
    assert {day for day, _ in misses()} == {TODAY - timedelta(days=1)}


def test_after_the_cut_off_missing_cells_are_recorded_once(app, world):
    walker = make_collector(world.cell_a, "o-walker")
    make_patrol(walker, world.cell_a, zero_report=True)
    db.session.commit()
    assert record_missing_patrols(now=at(TODAY, 20, 0)) == 7
    assert record_missing_patrols(now=at(TODAY, 20, 1)) == 0
    assert record_missing_patrols(now=at(TODAY, 23, 30)) == 0
    assert len(misses()) == 7 and (TODAY, world.cell_a) not in misses()


def test_a_sign_in_after_the_cut_off_does_not_undo_the_miss(app, world):
    late = make_collector(world.cell_a, "o-late")
    make_patrol(late, world.cell_a, signed_in_at=at(TODAY, 21), zero_report=False)
    db.session.commit()
    record_missing_patrols(now=at(TODAY, 22))
    assert (TODAY, world.cell_a) in misses()


def test_department_patrols_do_not_prevent_a_miss(app, world):
    handler = make_staff(None, role="dept", username="dept-1", department_code="CGZF")
    make_patrol(handler, world.cell_a, kind="department", zero_report=True)
    record_missing_patrols(now=at(TODAY, 20))
    assert (TODAY, world.cell_a) in misses()


def test_the_communitys_cell_head_is_notified_once_per_day(app, world):
    cells = street_a_cells(world)
    head = make_collector(cells[3], "o-cell-head", role="cell_head")
    head.bindings.append(Binding(cell_code=cells[2], role="cell_head", created_at=at(TODAY, 8)))
    db.session.commit()

    record_missing_patrols(now=at(TODAY, 20))
    record_missing_patrols(now=at(TODAY, 20, 1))
    record_missing_patrols(now=at(TODAY, 21))

    notices = db.session.query(Notification).all()
    assert len(notices) == 1  # bound to two cells of one community: still one notice
    notice = notices[0]
    assert notice.user_id == head.id and notice.template == "patrol_missing"
    assert notice.dedupe_key == f"patrol_missing:{world.community_a}:{TODAY.isoformat()}:user:{head.id}"
    assert notice.payload["data"]["number2"] == "4"
    assert notice.payload["data"]["thing1"] == "朱泾镇测试村"
    # No template id is configured in tests: the fact is on file, the send is not attempted again.
    assert notice.status == "not_delivered"


def test_a_community_without_a_cell_head_is_skipped(app, world):
    make_collector(world.cell_a, "o-collector")  # a collector, not a cell head
    record_missing_patrols(now=at(TODAY, 20))
    assert db.session.query(Notification).count() == 0
    assert len(misses()) == 8


def test_the_next_day_gets_its_own_notice(app, world):
    make_collector(world.cell_a, "o-cell-head", role="cell_head")
    db.session.commit()
    record_missing_patrols(now=at(TODAY, 20))
    record_missing_patrols(now=at(TODAY + timedelta(days=1), 20))
    assert db.session.query(Notification).count() == 2


def test_the_cut_off_comes_from_configuration(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "PATROL_CUTOFF", "17:30")
    assert record_missing_patrols(now=at(TODAY, 17, 29)) == 8  # yesterday
    assert record_missing_patrols(now=at(TODAY, 17, 30)) == 8  # today


def test_the_sweeper_runs_it_each_round(app, world):
    assert record_missing_patrols in periodic_tasks()
    sweep_once(now=at(TODAY, 20, 5))
    assert len([m for m in misses() if m[0] == TODAY]) == 8
