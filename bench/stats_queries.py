"""Assessment statistics on PostgreSQL with 1,000,000 cases: one GET /api/v1/inbox/stats each.

    .venv/bin/python bench/stats_queries.py                  # 1,000,000 cases (~5 minutes)
    .venv/bin/python bench/stats_queries.py --cases 200000   # any size
    .venv/bin/python bench/stats_queries.py --quick          # 20,000 cases, proves it still runs

Setup: its own database bench_stats (created, `flask db upgrade`, `flask demo`, dropped at the
end), the cases seeded by bench/inbox_queries.py's builder (same distribution), then in SQL:
  source      the case's channel: 70 % mini-program, 15 % official account, 12 % patrol, 3 % partner
  reports     one per case at its creation, with its source (受理, repeat groups)
  events      a dispatch per dispatched case; a verification per case fed back (8 % failed: rework);
              4 % of dispatched cases returned, 6 % extended; a phone supervision per overdue case
  ratings     30 % of closed cases (70 % satisfied, 20 % basic, 10 % unsatisfied)
The rollup is then built for the 3 years (app.stats.rollup.build, as `flask stats rollup`).
Queries go through the app's own app.stats.service.case_stats, what the endpoint runs, in an
app context: for the last month and the last year, district-wide (group_by street, department,
month, week, category) and for 朱泾镇 (community, department, month, week, category); `top` is
service.top_problems (GET /api/v1/inbox/stats/top). category is not in the rollup: it is
counted from the tables. Each is timed
--repeats times after a warm-up; p50 / p95 in ms, target p95 ≤ 200 ms. The slowest statement of
each miss is shown with EXPLAIN (ANALYZE, BUFFERS) when --explain.
Exit 1 only for a broken run (seeding failed, a query failed or found nothing it should).
"""
import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
import inbox_queries  # noqa: E402

DB_NAME = "bench_stats"
TARGET_MS = 200.0
STREET = "310116101"

SEED_SQL = """
SET synchronous_commit = off;
SELECT setseed(0.17);
UPDATE cases SET source = CASE WHEN r < 0.70 THEN 'miniprogram' WHEN r < 0.85 THEN 'official_account'
                               WHEN r < 0.97 THEN 'patrol' ELSE 'open311' END
FROM (SELECT id AS rid, random() AS r FROM cases) x WHERE x.rid = cases.id;
INSERT INTO reports (id, ref, user_id, source, category_code, description, lat, lng, coord, wgs_lat, wgs_lng,
                     cell_code, street_code, status, case_id, text_check, flagged, created_at, processed_at)
SELECT id, 'SB' || id, {user}, source, category_code, '', wgs_lat, wgs_lng, 'wgs84', wgs_lat, wgs_lng,
       cell_code, street_code, 'processed', id, 'pass', false, created_at, created_at FROM cases;
SELECT setval(pg_get_serial_sequence('reports', 'id'), (SELECT max(id) FROM reports));
INSERT INTO case_events (case_id, at, actor_label, action, to_status, note, public)
SELECT id, dispatched_at, 'bench', 'dispatch', 'dispatched', '派遣至 ' || d.name, true
FROM cases JOIN departments d ON d.code = cases.department_code WHERE dispatched_at IS NOT NULL;
INSERT INTO case_events (case_id, at, actor_label, action, to_status, public)
SELECT id, handled_at + interval '1 day', 'bench', 'verify',
       CASE WHEN random() < 0.08 THEN 'dispatched' ELSE 'closed' END, false
FROM cases WHERE handled_at IS NOT NULL;
INSERT INTO case_events (case_id, at, actor_label, action, to_status, note, public)
SELECT id, dispatched_at + interval '3 hours', 'bench', 'return', 'accepted', '不属于本单位', false
FROM cases WHERE dispatched_at IS NOT NULL AND random() < 0.04;
INSERT INTO case_events (case_id, at, actor_label, action, to_status, note, public)
SELECT id, dispatched_at + interval '5 days', 'bench', 'extend', 'in_progress', '延期 3 个工作日', false
FROM cases WHERE dispatched_at IS NOT NULL AND random() < 0.06;
INSERT INTO case_events (case_id, at, actor_label, action, note, public)
SELECT id, due_at + interval '1 day', 'system', 'supervise', '电话督办：超期 1 个工作日', false
FROM cases WHERE status IN ('dispatched', 'in_progress') AND due_at < now();
INSERT INTO case_ratings (report_id, case_id, satisfaction, created_at)
SELECT id, id, CASE WHEN r < 0.7 THEN 'satisfied' WHEN r < 0.9 THEN 'basic' ELSE 'unsatisfied' END,
       closed_at + interval '1 day'
FROM (SELECT id, closed_at, random() AS r FROM cases WHERE status = 'closed') x WHERE random() < 0.3;
"""


def use_database(name):
    global DB_NAME
    DB_NAME = name


def seed(app, count):
    inbox_queries.DB_NAME = DB_NAME
    inbox_queries.seed(app, count)
    from sqlalchemy import text

    from app.accounts.models import User
    from app.core.extensions import db

    with app.app_context():
        user = User(openid="bench-stats-reporter")
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    harness.psql(DB_NAME, SEED_SQL.format(user=user_id))
    harness.psql(DB_NAME, "VACUUM ANALYZE")
    started = time.perf_counter()
    roll_up(app)
    for table in ("stats_daily", "stats_daily_street"):
        harness.psql(DB_NAME, f"VACUUM ANALYZE {table}")  # one statement each: VACUUM runs outside a transaction
    print(f"rollup:  3 years rebuilt with app.stats.rollup.build (as `flask stats rollup --from`) in "
          f"{time.perf_counter() - started:.0f}s")
    with app.app_context():
        return dict(db.session.execute(text(
            "SELECT 'cases', count(*) FROM cases UNION ALL SELECT 'reports', count(*) FROM reports "
            "UNION ALL SELECT 'events', count(*) FROM case_events "
            "UNION ALL SELECT 'ratings', count(*) FROM case_ratings "
            "UNION ALL SELECT 'rollup rows (community)', count(*) FROM stats_daily "
            "UNION ALL SELECT 'rollup rows (street)', count(*) FROM stats_daily_street")).all())


def roll_up(app):
    from app.core.clock import local_day, utcnow
    from app.core.extensions import db
    from app.stats import rollup

    with app.app_context():
        now = utcnow()
        today = local_day(now)
        rollup.build(today - timedelta(days=3 * 366), today + timedelta(days=60), now)
        db.session.commit()


def scenarios(today):
    month = (today - timedelta(days=29), today)
    year = (today - timedelta(days=364), today)
    district = ("street", "department", "month", "week", "category", TOP)
    street = ("community", "department", "month", "week", "category", TOP)
    return ([("month", "district", month, g) for g in district]
            + [("month", "朱泾镇", month, g) for g in street]
            + [("year", "district", year, g) for g in district]
            + [("year", "朱泾镇", year, g) for g in street])


TOP = "top"  # GET /api/v1/inbox/stats/top: 高发问题, counted from cases


def run_one(app, scenario, now, repeats, log):
    from app.core.extensions import db
    from app.stats import periods, service
    from app.stats.scope import Scope

    label, place, (first, last), group_by = scenario
    timings, answer = [], None
    with app.app_context():
        scope = Scope(street_code=STREET if place != "district" else None, name=place)
        for i in range(repeats + 1):
            log.rows, log.enabled = [], True
            started = time.perf_counter()
            span = periods.Period(first, last, now)
            if group_by == TOP:
                answer = top_answer(service.top_problems(scope=scope, period=span))
            else:
                answer = service.case_stats(scope=scope, period=span, group_by=group_by)
            elapsed = (time.perf_counter() - started) * 1000
            log.enabled = False
            db.session.rollback()
            if i:
                timings.append(elapsed)
        slowest = max(log.rows, key=lambda r: r[0]) if log.rows else None
    return timings, answer, slowest


def top_answer(top):
    """The top lists in the shape the table check reads (rows; accepted in the total)."""
    accepted = sum(row["accepted"] for row in top["top_categories"])
    return {"rows": top["top_categories"], "total": {"figures": {"accepted": {"value": accepted}}}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 cases, 2 repeats: proves the script runs")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--explain", action=argparse.BooleanOptionalAction, default=False)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--database", default=DB_NAME,
                        help="its own database (bench_*), e.g. to run beside another run's --quick")
    args = parser.parse_args(argv)
    use_database(args.database)
    if args.quick:
        args.cases, args.repeats = 20_000, 2

    print(f"machine: {harness.machine()}, PostgreSQL {harness.postgres_version()}")
    print(f"date:    {harness.now_utc()}; load average at start {harness.load()}")
    uploads = harness.tmp_uploads("bench-stats")
    env = harness.app_env(DB_NAME, uploads)
    ok, results = True, {}
    try:
        harness.create_database(DB_NAME)
        harness.prepare_database(env)
        app = harness.bench_app(DB_NAME, uploads)
        started = time.perf_counter()
        counts = seed(app, args.cases)
        print(f"seeded:  {', '.join(f'{n:,} {k}' for k, n in counts.items())} in {time.perf_counter() - started:.0f}s")
        from app.core.clock import local_day, utcnow

        now = utcnow()
        from app.core.extensions import db

        with app.app_context():
            today = local_day(now)
            log = inbox_queries.StatementLog(db.engine)
        for scenario in scenarios(today):
            timings, answer, slowest = run_one(app, scenario, now, args.repeats, log)
            results[scenario] = (timings, answer)
            if answer["total"]["figures"]["accepted"]["value"] == 0:
                print(f"  PROBLEM: {scenario[:2]} {scenario[3]} found no cases")
                ok = False
            if args.explain and harness.percentile(timings, 95) > TARGET_MS and slowest is not None:
                print(f"\n--- {scenario}: slowest statement {slowest[0] * 1000:.1f} ms\n{slowest[1][:3000]}")
                print(inbox_queries.explain(app, slowest[1], slowest[2]))
    except Exception as exc:  # noqa: BLE001  a broken run
        import traceback

        traceback.print_exc()
        print(f"BROKEN RUN: {type(exc).__name__}: {exc}\n{getattr(exc, 'stderr', '') or ''}")
        ok = False
    finally:
        if not args.keep:
            harness.drop_database(DB_NAME)
            import shutil

            shutil.rmtree(uploads, ignore_errors=True)
    print_table(results, args)
    print(f"load average at end {harness.load()}")
    print("correctness: OK" if ok else "correctness: FAILED")
    return 0 if ok else 1


def print_table(results, args):
    print(f"\n{'period':<6} {'scope':<9} {'group_by':<11} {'rows':>5} {'立案数':>9} {'p50 ms':>8} {'p95 ms':>8} ≤200")
    for (label, place, _, group_by), (timings, answer) in results.items():
        p95 = harness.percentile(timings, 95)
        met = "-" if args.quick else ("yes" if p95 <= TARGET_MS else "NO")
        accepted = answer["total"]["figures"]["accepted"]["value"]
        print(f"{label:<6} {place:<9} {group_by:<11} {len(answer['rows']):>5} {accepted:>9,} "
              f"{statistics.median(timings):>8.1f} {p95:>8.1f} {met}")
    print(f"{args.cases:,} cases; {args.repeats} runs each after a warm-up; one case_stats call = every query of "
          "one GET /api/v1/inbox/stats" + (" (--quick: target not judged)" if args.quick else ""))


if __name__ == "__main__":
    sys.exit(main())
