"""Nothing accepted is lost or doubled: real PostgreSQL, real Redis, real rq workers.

Workers run as `flask worker --burst` subprocesses, exactly as in production.
"""
import os
import signal
import threading
import uuid
from datetime import timedelta

import pytest
from redis import Redis
from sqlalchemy import create_engine, text

from app.cases.models import Case, CaseEvent
from app.core.clock import utcnow
from app.core.extensions import db
from app.reports.jobs import requeue_stuck_reports
from app.reports.models import Report
from tests.factories import auth, make_resident
from tests.reports.conftest import jpeg_bytes, report_body, upload
from tests.workers import finish, own_redis_server, start_worker, wait_until  # noqa: F401  fixtures

pytestmark = pytest.mark.usefixtures("postgres_url")


@pytest.fixture
def clean_redis(redis_url):
    connection = Redis.from_url(redis_url)
    connection.flushdb()
    yield redis_url
    connection.flushdb()


@pytest.fixture
def queued_app(make_app, clean_redis):
    return make_app(REDIS_URL=clean_redis)


def submit_one(client, user, world, key=None):
    photo = upload(client, user, jpeg_bytes()).json["id"]
    headers = {**auth(user), "Idempotency-Key": key or uuid.uuid4().hex}
    return client.post("/api/v1/reports", json=report_body(world, [photo]), headers=headers)


def fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def test_a_report_goes_through_redis_and_a_real_worker_into_the_street_inbox(
        queued_app, world, start_worker, clean_redis):
    user = make_resident(openid="o-rq-1")
    answer = submit_one(queued_app.test_client(), user, world)
    assert answer.status_code == 202
    assert fresh(Report, answer.json["id"]).status == "received"  # queued, not run inline
    finish(start_worker(clean_redis))
    report = fresh(Report, answer.json["id"])
    assert report.status == "processed"
    assert report.case.street_code == world.street_a and report.case.status == "pending"
    assert all(p.large_key for p in report.photos)


def hold_row_lock(database_url, report_id):
    """Lock the report row from another connection, so the worker's job blocks mid-way."""
    engine = create_engine(database_url)
    connection = engine.connect()
    transaction = connection.begin()
    connection.execute(text("SELECT id FROM reports WHERE id = :id FOR UPDATE"), {"id": report_id})
    return engine, connection, transaction


def test_a_worker_killed_mid_job_leaves_the_report_to_the_sweeper_and_it_is_processed_once(
        queued_app, world, start_worker, clean_redis, test_database_url):
    user = make_resident(openid="o-rq-kill")
    report_id = submit_one(queued_app.test_client(), user, world).json["id"]
    engine, connection, transaction = hold_row_lock(test_database_url, report_id)
    worker = start_worker(clean_redis, burst=False)
    from rq import Queue
    from rq.registry import StartedJobRegistry

    registry = StartedJobRegistry(queue=Queue("microgrid", connection=Redis.from_url(clean_redis)))
    assert wait_until(lambda: len(registry) == 1), "the job never started"
    os.killpg(worker.pid, signal.SIGKILL)  # mid-job: it is blocked on the row lock
    worker.wait(timeout=10)
    transaction.rollback()
    connection.close()
    engine.dispose()
    assert fresh(Report, report_id).status == "received"

    with queued_app.app_context():
        assert requeue_stuck_reports(now=utcnow() + timedelta(minutes=5)) == [report_id]
        requeue_stuck_reports(now=utcnow() + timedelta(minutes=5))  # and again: harmless
    finish(start_worker(clean_redis))
    report = fresh(Report, report_id)
    assert report.status == "processed"
    assert db.session.query(Case).count() == 1
    assert db.session.query(CaseEvent).filter_by(action="created").count() == 1
    assert report.case.report_count == 1


def test_reports_accepted_while_redis_is_down_are_processed_after_it_returns(
        make_app, world, own_redis_server, start_worker):
    app = make_app(REDIS_URL=own_redis_server["url"])
    client = app.test_client()
    users = [make_resident(openid=f"o-down-{i}") for i in range(3)]
    photos = [upload(client, u, jpeg_bytes()).json["id"] for u in users]
    own_redis_server["process"].kill()
    own_redis_server["process"].wait()
    answers = [client.post("/api/v1/reports", json=report_body(world, [p]),
                           headers={**auth(u), "Idempotency-Key": uuid.uuid4().hex})
               for u, p in zip(users, photos)]
    assert [a.status_code for a in answers] == [202, 202, 202]
    own_redis_server["process"] = own_redis_server["start"]()  # Redis is back, empty
    with app.app_context():
        assert len(requeue_stuck_reports(now=utcnow() + timedelta(minutes=5))) == 3
    finish(start_worker(own_redis_server["url"]))
    db.session.expire_all()
    assert {r.status for r in db.session.query(Report)} == {"processed"}


def test_the_same_report_sent_twice_at_once_with_one_key_makes_one_report(make_app, world):
    app = make_app()
    user = make_resident(openid="o-twice")
    headers = {**auth(user), "Idempotency-Key": "same-draft"}
    photo = upload(app.test_client(), user, jpeg_bytes()).json["id"]
    body = report_body(world, [photo])
    barrier = threading.Barrier(2)
    statuses = []

    def send():
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post("/api/v1/reports", json=body, headers=headers).status_code)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) in ([202, 202], [202, 409])
    db.session.expire_all()
    assert db.session.query(Report).count() == 1


def test_with_s3_storage_a_worker_publishes_upright_metadata_free_photos_by_signed_url(
        make_app, world, start_worker, clean_redis, s3_config):
    import io

    import requests
    from PIL import Image

    app = make_app(REDIS_URL=clean_redis, **s3_config)
    user = make_resident(openid="o-s3")
    client = app.test_client()
    photo = upload(client, user, jpeg_bytes(1600, 1200, orientation=6, gps=(30.89, 121.16))).json["id"]
    answer = client.post("/api/v1/reports", json=report_body(world, [photo]),
                         headers={**auth(user), "Idempotency-Key": uuid.uuid4().hex})
    assert answer.status_code == 202
    finish(start_worker(clean_redis, extra_env={name: str(value) for name, value in s3_config.items()}))
    mine = client.get(f"/api/v1/reports/{answer.json['id']}", headers=auth(user)).json
    assert mine["status"] == "pending"
    url = mine["photos"][0]["url"]
    assert url.startswith(s3_config["S3_ENDPOINT_URL"]) and "Signature" in url
    served = Image.open(io.BytesIO(requests.get(url, timeout=10).content))
    assert served.size == (960, 1280) and not served.getexif()
