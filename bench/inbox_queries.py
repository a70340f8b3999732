"""Inbox queries on PostgreSQL with 1,000,000 cases: the default list and the common filters.

    .venv/bin/python bench/inbox_queries.py                  # 1,000,000 cases (~3-5 minutes)
    .venv/bin/python bench/inbox_queries.py --cases 200000   # any size
    .venv/bin/python bench/inbox_queries.py --quick          # 20,000 cases, proves it still runs

Setup: its own database bench_inbox (created, `flask db upgrade`, `flask demo`, dropped at the
end). Seeding is one INSERT ... SELECT over generate_series in PostgreSQL (FK triggers off for
the load only, data valid by construction), then VACUUM ANALYZE as autovacuum would leave it:
  place       a uniformly random demo cell (926 cells in 11 streets, so streets get cases in
              proportion to their cells), a point within ~200 m of its centre
  category    uniform over the 52 seeded categories; department = the category's default
  created_at  over 3 years, denser towards now (volume grows)
  status      older than 60 days: 90 % closed, 6 % rejected, 3 % merged, 1 % stuck open
              (dispatched / in_progress, so overdue); newer: the whole workflow mix
  due_at      created_at + 16 days (12 working days) once dispatched; pending/accepted have none
  ref         AJyyyymmdd-NNNNNN as the app writes it; description: one of 20 typical texts
Reports and events are not seeded: the inbox list does not read them.

Queries go through the app's own code: app.cases.inbox.list_cases (the page and the total)
and app.cases.inbox.counters (the badges), both of which GET /api/v1/inbox/cases runs, in an
app context against bench_inbox, as street staff (demo user zhujing, 朱泾镇), as a department
handler (lvhua) and as the district admin. Each is timed --repeats times after one warm-up;
p50 and p95 reported. For every case whose p95 misses 50 ms, the slowest SQL statement it sent
is shown with EXPLAIN (ANALYZE, BUFFERS). Then --indexes (default on) creates the indexes
still only proposed (bench/README.md), re-runs everything and prints both columns.
Exit 1 only for a broken run (seeding failed, a query failed or returned nothing it should).
"""
import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

DB_NAME = "bench_inbox"
TARGET_MS = 50.0
DESCRIPTIONS = ["井盖破损", "路灯不亮", "道路积水", "垃圾满溢", "违章停车", "占道经营", "绿化带损坏", "乱张贴小广告",
                "窨井盖缺失", "雨水箅子堵塞", "河道漂浮物", "建筑垃圾乱倒", "共享单车乱停放", "人行道板松动",
                "噪声扰民", "油烟污染", "违法搭建", "道路破损", "交通标志损坏", "公厕设施损坏"]

# The btree indexes this benchmark proposed are now in the schema (migration
# d76017f7fe11, Case.__table_args__), so the baseline pass measures them. What is left
# to propose: an expression index for sort=due_at and trigram indexes for text search
# (3+ characters; two-character Chinese words need pg_bigm). --indexes adds these.
PROPOSED_INDEXES = [
    # sort=due_at exactly as inbox.SORTS writes it (due_at IS NULL, due_at, id)
    "CREATE INDEX IF NOT EXISTS ix_cases_street_due_sort ON cases (street_code, (due_at IS NULL), due_at, id)",
    # text search (q=): ILIKE '%…%' on ref and description, 3+ characters
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_cases_ref_trgm ON cases USING gin (ref gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_cases_description_trgm ON cases USING gin (description gin_trgm_ops)",
]


# ------------------------------------------------------------------ seeding


def cell_rows(app):
    import shapely

    from app.grid import service

    with app.app_context():
        index = service.cell_index()
    centres = shapely.centroid(index.polygons)
    return [(i, r.code, r.community_code, r.street_code, p.y, p.x)
            for i, (r, p) in enumerate(zip(index.records, centres))]


def seed(app, count):
    from sqlalchemy import text

    from app.catalog.models import Category
    from app.core.extensions import db

    cells = cell_rows(app)
    with app.app_context():
        categories = [(i, c.code, c.default_department_code) for i, c in enumerate(
            db.session.query(Category).filter_by(active=True).order_by(Category.code))]
        db.session.execute(text("CREATE TABLE bench_cells (idx int PRIMARY KEY, code text, community_code text, "
                                "street_code text, lat float8, lng float8)"))
        db.session.execute(text("CREATE TABLE bench_categories (idx int PRIMARY KEY, code text, dept text)"))
        db.session.execute(text("INSERT INTO bench_cells VALUES (:i, :c, :m, :s, :lat, :lng)"),
                           [dict(i=i, c=c, m=m, s=s, lat=lat, lng=lng) for i, c, m, s, lat, lng in cells])
        db.session.execute(text("INSERT INTO bench_categories VALUES (:i, :c, :d)"),
                           [dict(i=i, c=c, d=d) for i, c, d in categories])
        db.session.commit()
    descriptions = "ARRAY[" + ",".join(f"'{d}'" for d in DESCRIPTIONS) + "]"
    sql = f"""
    SET session_replication_role = replica;  -- no FK triggers for the bulk load
    SET synchronous_commit = off;
    SELECT setseed(0.42);
    INSERT INTO cases (id, ref, status, category_code, cell_code, community_code, street_code, department_code,
                       wgs_lat, wgs_lng, description, created_at, updated_at, accepted_at, dispatched_at,
                       signed_at, handled_at, closed_at, sign_due_at, handling_due_at, due_at, extended_days,
                       rework_count, flagged, report_count, version)
    SELECT g, 'AJ' || to_char(created, 'YYYYMMDD') || '-' || lpad(g::text, greatest(6, length(g::text)), '0'),
           status, cat.code, c.code, c.community_code, c.street_code,
           CASE WHEN status IN ('dispatched', 'in_progress', 'handled', 'closed') THEN cat.dept END,
           c.lat + (r5 - 0.5) * 0.004, c.lng + (r6 - 0.5) * 0.004,
           ({descriptions})[1 + floor(r5 * {len(DESCRIPTIONS)})::int] || '（' || c.code || '附近）',
           created, created + interval '2 hours',
           CASE WHEN status NOT IN ('pending', 'rejected', 'merged') THEN created + interval '1 hour' END,
           CASE WHEN status IN ('dispatched', 'in_progress', 'handled', 'closed') THEN created + interval '2 hours' END,
           CASE WHEN status IN ('in_progress', 'handled', 'closed') THEN created + interval '1 day' END,
           CASE WHEN status IN ('handled', 'closed') THEN created + interval '8 days' END,
           CASE WHEN status = 'closed' THEN created + interval '10 days' END,
           CASE WHEN status IN ('dispatched', 'in_progress', 'handled', 'closed') THEN created + interval '1 day' END,
           CASE WHEN status IN ('dispatched', 'in_progress', 'handled', 'closed') THEN created + interval '7 days' END,
           CASE WHEN status IN ('dispatched', 'in_progress', 'handled', 'closed') THEN created + interval '16 days' END,
           0, 0, false, 1, 1
    FROM (
      SELECT g, r1, r2, r5, r6, created,
             CASE WHEN created < now() - interval '60 days' THEN
                    CASE WHEN r4 < 0.90 THEN 'closed' WHEN r4 < 0.96 THEN 'rejected' WHEN r4 < 0.99 THEN 'merged'
                         WHEN r4 < 0.995 THEN 'dispatched' ELSE 'in_progress' END
                  ELSE
                    CASE WHEN r4 < 0.05 THEN 'pending' WHEN r4 < 0.10 THEN 'accepted' WHEN r4 < 0.25 THEN 'dispatched'
                         WHEN r4 < 0.50 THEN 'in_progress' WHEN r4 < 0.60 THEN 'handled' WHEN r4 < 0.95 THEN 'closed'
                         WHEN r4 < 0.99 THEN 'rejected' ELSE 'merged' END
             END AS status
      FROM (
        SELECT g, random() AS r1, random() AS r2, random() AS r4, random() AS r5, random() AS r6,
               date_trunc('second', now() - interval '3 years' * power(random(), 1.3)) AS created
        FROM generate_series(1, {count}) AS g
      ) raw
    ) x
    JOIN bench_cells c ON c.idx = floor(x.r1 * {len(cells)})::int
    JOIN bench_categories cat ON cat.idx = floor(x.r2 * {len(categories)})::int;
    SELECT setval(pg_get_serial_sequence('cases', 'id'), {count});
    DROP TABLE bench_cells;
    DROP TABLE bench_categories;
    """
    harness.psql(DB_NAME, sql)
    harness.psql(DB_NAME, "VACUUM ANALYZE cases")


# ------------------------------------------------------------------ the queries


def scenarios(app, now):
    """(name, username, filters) of what staff do most, with values taken from the data."""
    from sqlalchemy import text

    from app.core.extensions import db

    with app.app_context():
        cell = db.session.scalar(text("SELECT cell_code FROM cases WHERE street_code = '310116101' "
                                      "GROUP BY cell_code ORDER BY count(*) DESC LIMIT 1"))
        category = db.session.scalar(text("SELECT category_code FROM cases WHERE street_code = '310116101' "
                                          "GROUP BY category_code ORDER BY count(*) DESC LIMIT 1"))
        ref = db.session.scalar(text("SELECT ref FROM cases WHERE street_code = '310116101' "
                                     "ORDER BY created_at DESC OFFSET 500 LIMIT 1"))
    today = (now + timedelta(hours=8)).date()
    return [
        ("default list (page 1, -created_at)", "zhujing", {}),
        ("status=pending", "zhujing", {"status": ["pending"]}),
        ("status=dispatched,in_progress", "zhujing", {"status": ["dispatched", "in_progress"]}),
        ("status=closed", "zhujing", {"status": ["closed"]}),
        (f"category={category}", "zhujing", {"category": category}),
        (f"cell={cell}", "zhujing", {"cell": cell}),
        ("overdue=true", "zhujing", {"overdue": True}),
        ("overdue=false", "zhujing", {"overdue": False}),
        ("created last 30 days", "zhujing", {"created_from": today - timedelta(days=30), "created_to": today}),
        ("created one month, a year ago", "zhujing", {"created_from": today - timedelta(days=395),
                                                      "created_to": today - timedelta(days=365)}),
        (f"q={ref} (full ref)", "zhujing", {"q": ref}),
        (f"q={ref[:10]} (ref prefix)", "zhujing", {"q": ref[:10]}),
        ("q=井盖 (description text)", "zhujing", {"q": "井盖"}),
        ("sort=due_at", "zhujing", {"sort": "due_at"}),
        ("page 50", "zhujing", {"page": 50}),
        ("department handler default list", "lvhua", {}),
        ("district admin default list", "district", {}),
    ]


class StatementLog:
    """SQL statements (with parameters) and their durations, captured from the engine."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.rows, self.enabled = [], False
        event.listen(engine, "before_cursor_execute", self.before)
        event.listen(engine, "after_cursor_execute", self.after)

    def before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_t0"] = time.perf_counter()

    def after(self, conn, cursor, statement, parameters, context, executemany):
        if self.enabled:
            self.rows.append((time.perf_counter() - conn.info.pop("bench_t0"), statement, parameters))


def run_scenario(app, users, now, filters, repeats, log):
    """Times (ms) of list_cases and counters; the answer; the slowest statement sent."""
    from app.cases import inbox
    from app.core.extensions import db

    user = users[filters[1]]
    args = dict(filters[2])
    timings = {"list": [], "counters": [], "total": []}
    result = None
    for i in range(repeats + 1):
        log.rows, log.enabled = [], True
        start = time.perf_counter()
        items, total = inbox.list_cases(user=user, now=now, **args)
        middle = time.perf_counter()
        inbox.counters(user=user, now=now)
        end = time.perf_counter()
        log.enabled = False
        db.session.rollback()
        if i == 0:
            result = (len(items), total)
            continue  # warm-up
        timings["list"].append((middle - start) * 1000)
        timings["counters"].append((end - middle) * 1000)
        timings["total"].append((end - start) * 1000)
    slowest = max(log.rows, key=lambda r: r[0]) if log.rows else None
    return timings, result, slowest


def explain(app, statement, parameters):
    from app.core.extensions import db

    with app.app_context():
        connection = db.session.connection()
        rows = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).all()
        db.session.rollback()
    return "\n".join(r[0] for r in rows)


_LOGS = {}


def time_all(app, users, now, cases, repeats):
    from app.core.extensions import db

    out = {}
    with app.app_context():
        log = _LOGS.get(id(db.engine)) or _LOGS.setdefault(id(db.engine), StatementLog(db.engine))
        users = {name: db.session.merge(u) for name, u in users.items()}
        for scenario in cases:
            out[scenario[0]] = run_scenario(app, users, now, scenario, repeats, log)
    return out


def load_users(app):
    from sqlalchemy import select

    from app.accounts.models import User
    from app.core.extensions import db

    with app.app_context():
        users = {u.username: u for u in db.session.scalars(
            select(User).where(User.username.in_(["zhujing", "lvhua", "district"])))}
        for user in users.values():
            db.session.expunge(user)
    return users


def p95(values):
    return harness.percentile(values, 95)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 cases, 3 repeats: proves the script runs")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--indexes", action=argparse.BooleanOptionalAction, default=True,
                        help="after the baseline, create the proposed indexes and time again")
    parser.add_argument("--explain", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.cases, args.repeats = 20_000, 3

    print(f"machine: {harness.machine()}, PostgreSQL {harness.postgres_version()}")
    print(f"date:    {harness.now_utc()}; load average at start {harness.load()}")
    uploads = harness.tmp_uploads("bench-inbox")
    env = harness.app_env(DB_NAME, uploads)
    ok = True
    passes = {}
    try:
        harness.create_database(DB_NAME)
        missing = harness.prepare_database(env)
        if missing:
            print(f"NOTE: migrations do not create {', '.join(missing)}: made with create_all")
        app = harness.bench_app(DB_NAME, uploads)
        started = time.perf_counter()
        seed(app, args.cases)
        seeded = time.perf_counter() - started
        stats = harness.psql(DB_NAME, "SELECT count(*), count(*) FILTER (WHERE street_code = '310116101'), "
                                      "pg_size_pretty(pg_total_relation_size('cases')) FROM cases").strip()
        total, in_street, size = stats.split("|")
        print(f"seeded:  {int(total):,} cases in {seeded:.0f}s (incl. VACUUM ANALYZE); 朱泾镇 310116101 has "
              f"{int(in_street):,}; table + indexes {size}")
        if int(total) != args.cases:
            raise RuntimeError(f"seeded {total} cases, wanted {args.cases}")
        from app.core.clock import utcnow

        now = utcnow()
        users = load_users(app)
        cases = scenarios(app, now)
        print(f"timing:  {args.repeats} runs per query after a warm-up; list = inbox.list_cases (count + page), "
              "counters = inbox.counters")
        passes["baseline"] = time_all(app, users, now, cases, args.repeats)
        ok = check_results(passes["baseline"]) and ok
        if args.explain:
            show_plans(app, passes["baseline"], "baseline")
        if args.indexes:
            started = time.perf_counter()
            for ddl in PROPOSED_INDEXES:
                harness.psql(DB_NAME, ddl)
            harness.psql(DB_NAME, "ANALYZE cases")
            print(f"\nproposed indexes created in {time.perf_counter() - started:.0f}s; "
                  f"table + indexes now {harness.psql(DB_NAME, 'SELECT pg_size_pretty(pg_total_relation_size(' + chr(39) + 'cases' + chr(39) + '))').strip()}")
            passes["indexed"] = time_all(app, users, now, cases, args.repeats)
            ok = check_results(passes["indexed"], passes["baseline"]) and ok
            if args.explain:
                show_plans(app, passes["indexed"], "with the proposed indexes")
    except Exception as exc:  # noqa: BLE001  a broken run
        import traceback

        traceback.print_exc()
        print(f"BROKEN RUN: {type(exc).__name__}: {exc}")
        ok = False
    finally:
        if not args.keep:
            harness.drop_database(DB_NAME)
            import shutil

            shutil.rmtree(uploads, ignore_errors=True)

    print_table(passes, args)
    print(f"load average at end {harness.load()}")
    print("correctness: OK" if ok else "correctness: FAILED")
    return 0 if ok else 1


def check_results(timed, baseline=None):
    ok = True
    for name, (_, result, _) in timed.items():
        if name.startswith(("default", "district", "department")) and result[1] == 0:
            print(f"  PROBLEM: {name} found no cases")
            ok = False
        if baseline is not None and baseline[name][1] != result:
            print(f"  PROBLEM: {name} answered {result} with the indexes, {baseline[name][1]} without")
            ok = False
    return ok


def show_plans(app, timed, label):
    misses = [(name, r) for name, r in timed.items() if p95(r[0]["total"]) > TARGET_MS]
    if not misses:
        return
    print(f"\nEXPLAIN (ANALYZE, BUFFERS) of the slowest statement of each query missing {TARGET_MS:.0f} ms ({label}):")
    for name, (_, _, slowest) in misses:
        if slowest is None:
            continue
        seconds, statement, parameters = slowest
        print(f"\n--- {name}: slowest statement {seconds * 1000:.1f} ms\n{statement}\n{parameters}")
        print(explain(app, statement, parameters))


def print_table(passes, args):
    if not passes:
        return
    print()
    columns = list(passes)
    header = f"{'query (GET /api/v1/inbox/cases …)':<42} {'rows':>7} {'total':>9}"
    for column in columns:
        header += f" | {column + ' list p50/p95':>22} {'counters':>8} {'total':>7} {'≤50':>3}"
    print(header)
    print("-" * len(header))
    for name in passes[columns[0]]:
        result = passes[columns[0]][name][1]
        line = f"{name[:42]:<42} {result[0]:>7} {result[1]:>9,}"
        for column in columns:
            timings = passes[column][name][0]
            met = "-" if args.quick else ("yes" if p95(timings["total"]) <= TARGET_MS else "NO")
            line += (f" | {statistics.median(timings['list']):>10.1f} / {p95(timings['list']):>9.1f} "
                     f"{p95(timings['counters']):>8.1f} {p95(timings['total']):>7.1f} {met:>3}")
        print(line)
    print(f"ms, p95 unless marked; {args.cases:,} cases; list = inbox.list_cases (count + page of 20), counters = "
          "inbox.counters, total = both (what one GET costs in queries)")
    if args.quick:
        print("--quick: small table, target not judged")


if __name__ == "__main__":
    sys.exit(main())
