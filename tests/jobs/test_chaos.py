"""Chaos: workers SIGKILLed inside report jobs and inside WeChat sends, Redis flushed while
every worker is down, and still every report is processed exactly once and every
reporter told exactly once (or marked unknown, never twice).

Real PostgreSQL, a Redis server of the test's own, `flask worker` subprocesses with
their sweepers on short intervals, the fake WeChat holding sends open so workers die
mid-send. Reports and case actions go in through the real API.
"""
import json
import time
import uuid
from collections import Counter

import pytest
from redis import Redis
from rq import Worker
from sqlalchemy import create_engine, func, select, text

from app.cases.models import Case, CaseEvent
from app.core.extensions import db
from app.notifications.models import Notification
from app.reports.models import Report
from tests.factories import auth, make_resident, make_staff
from tests.reports.conftest import jpeg_bytes, upload
from tests.workers import kill, own_redis_server, start_worker, wait_until  # noqa: F401  fixtures
from wechat import fit_template_data

pytestmark = pytest.mark.usefixtures("postgres_url")

SEND = "cgi-bin/message/subscribe/send"
TEMPLATE = "tmpl-chaos-report-status"
SETTINGS = {"SWEEP_INTERVAL_SECONDS": "1", "REPORT_SWEEP_AFTER_SECONDS": "3",
            "NOTIFICATION_RESEND_AFTER_SECONDS": "2", "NOTIFICATION_UNKNOWN_AFTER_SECONDS": "8",
            "WECHAT_TEMPLATE_REPORT_STATUS": TEMPLATE}
HELD_SEND_SECONDS = 4  # under the WeChat client's 5 s timeout: the worker is still waiting when killed
REPORTS_FIRST, REPORTS_SECOND, REPORTS_WHILE_DOWN = 20, 10, 4


class Chaos:
    """The test's handles: the API app, the private Redis, the workers, the fake WeChat."""

    def __init__(self, app, redis_server, start_worker, wechat, world, log_dir):
        self.app, self.client = app, app.test_client()
        self.redis_url = redis_server["url"]
        self.redis = Redis.from_url(self.redis_url)
        self._start_worker, self.wechat, self.world = start_worker, wechat, world
        self.log_dir, self.logs, self.workers, self.report_ids = log_dir, [], [], []
        self.cells = sorted(world.cells)

    def start_workers(self, count):
        for _ in range(count):
            self.logs.append(open(self.log_dir / f"worker-{len(self.workers)}.log", "wb"))
            self.workers.append(self._start_worker(self.redis_url, burst=False, sweep=True, log=self.logs[-1],
                                                   extra_env=SETTINGS))

    def live_workers(self):
        return [w for w in self.workers if w.poll() is None]

    def close(self):
        for worker in self.workers:
            kill(worker)
        for log in self.logs:
            log.close()

    def submit(self, count):
        """`count` reports from `count` new residents, spread over every cell of both streets."""
        for _ in range(count):
            n = len(self.report_ids)
            user = make_resident(openid=self.wechat.openid_for(f"chaos-{n}"))
            photo = upload(self.client, user, jpeg_bytes(320, 240)).json["id"]
            body = {"category_code": "E0102", "description": f"垃圾堆积 {n}", "photo_ids": [photo],
                    "location": self.world.location(self.cells[n % len(self.cells)])}
            answer = self.client.post("/api/v1/reports", json=body,
                                      headers={**auth(user), "Idempotency-Key": uuid.uuid4().hex})
            assert answer.status_code == 202, answer.json
            self.report_ids.append(answer.json["id"])

    def busy_with(self, function_name):
        """Live workers whose current rq job is `function_name`."""
        pids = {w.pid: w for w in self.live_workers()}
        busy = []
        for worker in Worker.all(connection=self.redis):
            job = worker.get_current_job()
            if worker.pid in pids and job is not None and job.func_name.endswith(function_name):
                busy.append(pids[worker.pid])
        return busy


@pytest.fixture
def chaos(make_app, own_redis_server, start_worker, fake_wechat, world, tmp_path):
    app = make_app(REDIS_URL=own_redis_server["url"], WECHAT_TEMPLATE_REPORT_STATUS=TEMPLATE)
    chaos = Chaos(app, own_redis_server, start_worker, fake_wechat, world, tmp_path)
    yield chaos
    chaos.close()


# --- the faults ---------------------------------------------------------------------------

def hold_street_lock(database_url, street_code):
    """Lock a street's grid row from outside, so process_report blocks in route_report,
    after its photos and checks, before its commit: the middle of a report job."""
    engine = create_engine(database_url)
    connection = engine.connect()
    connection.begin()
    connection.execute(text("SELECT code FROM grid_units WHERE code = :code FOR UPDATE"), {"code": street_code})
    return engine, connection


def release(engine, connection):
    connection.rollback()
    connection.close()
    engine.dispose()


def backends_waiting_for_a_lock(database_url):
    with create_engine(database_url).connect() as connection:
        return connection.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"))


def kill_inside_report_jobs(chaos, database_url):
    """Both workers blocked mid-report; one of them is killed there."""
    engine, connection = hold_street_lock(database_url, chaos.world.street_a)
    try:
        chaos.start_workers(2)
        assert wait_until(lambda: backends_waiting_for_a_lock(database_url) >= 2, timeout=30), \
            "the workers never reached the street lock"
        (victim, *_) = chaos.busy_with("process_report")
        kill(victim)
    finally:
        release(engine, connection)
    chaos.start_workers(1)  # its replacement


def sends_arrived(chaos):
    return len(chaos.wechat.calls_to(SEND))


def kill_everyone_during_held_sends(chaos):
    """WeChat holds the next two sends open (it accepts them when it answers); every worker
    is killed while they are held, with report and notification jobs still queued."""
    before = sends_arrived(chaos)
    chaos.wechat.inject(SEND, delay=HELD_SEND_SECONDS, times=2)
    chaos.submit(REPORTS_SECOND)
    assert wait_until(lambda: sends_arrived(chaos) >= before + 2, timeout=20, step=0.02), \
        "no send was held open"
    for worker in chaos.live_workers():
        kill(worker)


def accept_every_case(chaos):
    """Staff accept each case while no worker runs: the nudges wait in Redis, to be flushed."""
    staff = {chaos.world.street_a: auth(make_staff(chaos.world.street_a, username="chaos-a")),
             chaos.world.street_b: auth(make_staff(chaos.world.street_b, username="chaos-b"))}
    for case in db.session.scalars(select(Case).order_by(Case.id)):
        answer = chaos.client.post(f"/api/v1/inbox/cases/{case.id}/actions", json={"action": "accept"},
                                   headers=staff[case.street_code])
        assert answer.status_code == 200, answer.json


def waiting_in_the_database(chaos):
    reports = fresh_all(select(Report.id).where(Report.id.in_(chaos.report_ids), Report.status == "received"))
    notifications = fresh_all(select(Notification.id).where(Notification.status == "pending"))
    return {"reports": len(reports), "notifications": len(notifications)}


# --- what must hold -----------------------------------------------------------------------

def fresh_all(query):
    db.session.expire_all()
    return db.session.scalars(query).all()


def quiet(chaos):
    """Every report processed and nothing waiting to be sent or being sent."""
    reports = fresh_all(select(Report).where(Report.id.in_(chaos.report_ids)))
    unsettled = fresh_all(select(Notification).where(
        Notification.status.in_(("pending", "retrying", "attempting"))))
    return all(r.status == "processed" for r in reports) and not unsettled


def assert_each_report_processed_exactly_once(chaos):
    reports = fresh_all(select(Report).where(Report.id.in_(chaos.report_ids)))
    assert len(reports) == REPORTS_FIRST + REPORTS_SECOND + REPORTS_WHILE_DOWN
    assert all(r.status == "processed" and r.case_id is not None for r in reports)
    intake_events = Counter(fresh_all(select(CaseEvent.note).where(
        CaseEvent.action.in_(("created", "report_attached")))))
    assert {r.ref: intake_events[f"上报 {r.ref}"] for r in reports} == {r.ref: 1 for r in reports}
    for case in fresh_all(select(Case)):
        assert case.report_count == len(case.reports)
    assert db.session.scalar(select(func.sum(Case.report_count))) == len(reports)


def message_key(touser, data):
    return touser, json.dumps(data, sort_keys=True, ensure_ascii=False)


def assert_everyone_told_exactly_once_or_marked_unknown(chaos):
    rows = fresh_all(select(Notification))
    received = {n.dedupe_key for n in rows if n.dedupe_key.startswith("report_received:")}
    assert received == {f"report_received:{report_id}" for report_id in chaos.report_ids}
    sent = Counter(message_key(m["touser"], m["data"]) for m in chaos.wechat.sent_messages)
    for row in rows:
        told = sent.pop(message_key(row.recipient, fit_template_data(row.payload["data"])), 0)
        assert row.status in ("sent", "unknown"), (row.id, row.status, row.error)
        assert told == 1 if row.status == "sent" else told <= 1, (row.id, row.status, told)
    assert sent == Counter(), "messages WeChat accepted with no row on record"
    return Counter(row.status for row in rows)


def test_kills_and_a_flushed_redis_lose_no_report_and_tell_nobody_twice(chaos, postgres_url):
    started = time.monotonic()
    chaos.submit(REPORTS_FIRST)
    kill_inside_report_jobs(chaos, postgres_url)
    chaos.wechat.inject(SEND, disconnect=True)  # one send whose answer is lost on the way back
    assert wait_until(lambda: quiet(chaos), timeout=30), "the first batch never settled"

    kill_everyone_during_held_sends(chaos)
    # Accepted while every worker is down: their jobs exist only in Redis, so the flush loses them.
    chaos.submit(REPORTS_WHILE_DOWN)
    accept_every_case(chaos)
    waiting = waiting_in_the_database(chaos)
    assert waiting["reports"] and waiting["notifications"], waiting  # the flush below loses their jobs
    chaos.redis.flushall()  # every queued job is gone; the database still knows everything
    chaos.start_workers(2)
    assert wait_until(lambda: quiet(chaos), timeout=40), "the system never settled after the flush"
    time.sleep(HELD_SEND_SECONDS)  # let WeChat answer the sends it held for killed workers

    assert_each_report_processed_exactly_once(chaos)
    statuses = assert_everyone_told_exactly_once_or_marked_unknown(chaos)
    assert statuses["unknown"] >= 1  # the killed sends and the lost answer
    print(f"chaos: {len(chaos.report_ids)} reports ({waiting['reports']} unprocessed and "
          f"{waiting['notifications']} notifications waiting at the flush), "
          f"{sum(statuses.values())} notifications {dict(statuses)}, "
          f"{len(chaos.wechat.sent_messages)} messages, {len(chaos.workers)} workers started, "
          f"{time.monotonic() - started:.1f}s")
