"""POST /api/v1/reports: validation, idempotency, and nothing written for bad input."""
from datetime import UTC

import pytest

from app.cases.models import Case
from app.core.extensions import db
from app.photos.models import Photo
from app.reports.models import IdempotencyRecord, Report
from tests.factories import auth, make_resident
from tests.reports.conftest import jpeg_bytes, report_body, submit, upload


def counts():
    return (db.session.query(Report).count(), db.session.query(IdempotencyRecord).count(),
            db.session.query(Photo).filter(Photo.report_id.is_not(None)).count())


def test_a_report_is_accepted_with_202_and_a_human_reference(client, world, resident, photo_id):
    answer = submit(client, resident, report_body(world, [photo_id]))
    assert answer.status_code == 202
    assert answer.json["status"] == "received"
    assert answer.json["ref"].startswith("JS") and answer.json["ref"].endswith(f"{answer.json['id']:06d}")
    report = db.session.get(Report, answer.json["id"])
    assert report.cell_code == world.cell_a and report.street_code == world.street_a
    assert report.coord == "gcj02"


def test_the_same_key_and_body_replays_the_first_answer(client, world, resident, photo_id):
    body = report_body(world, [photo_id])
    first = submit(client, resident, body, key="draft-1")
    again = submit(client, resident, body, key="draft-1")
    assert again.status_code == 202
    assert again.json == first.json
    assert db.session.query(Report).count() == 1


def test_the_same_key_with_another_body_is_a_422(client, world, resident, photo_id):
    submit(client, resident, report_body(world, [photo_id]), key="draft-2")
    answer = submit(client, resident, report_body(world, [photo_id], description="别的"), key="draft-2")
    assert answer.status_code == 422
    assert answer.json["error"]["code"] == "idempotency_key_reused"
    assert db.session.query(Report).count() == 1


def test_keys_belong_to_their_user(client, world, resident, photo_id):
    other = make_resident(openid="o-other")
    other_photo = upload(client, other, jpeg_bytes()).json["id"]
    submit(client, resident, report_body(world, [photo_id]), key="shared-key")
    answer = submit(client, other, report_body(world, [other_photo]), key="shared-key")
    assert answer.status_code == 202
    assert db.session.query(Report).count() == 2


def test_a_request_still_in_flight_with_that_key_is_a_409(client, world, resident, photo_id):
    body = report_body(world, [photo_id])
    from app.core.clock import utcnow
    from app.reports.idempotency import claim, request_hash

    claim(user=resident, key="in-flight", body_hash=request_hash(body), now=utcnow())
    answer = submit(client, resident, body, key="in-flight")
    assert answer.status_code == 409
    assert answer.json["error"]["code"] == "request_in_flight"


def test_a_missing_idempotency_key_is_a_400(client, world, resident, photo_id):
    answer = client.post("/api/v1/reports", json=report_body(world, [photo_id]), headers=auth(resident))
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "idempotency_key_missing"
    assert counts() == (0, 0, 0)


def refused(client, resident, body, status, code):
    answer = submit(client, resident, body)
    assert answer.status_code == status, answer.json
    assert answer.json["error"]["code"] == code
    assert counts() == (0, 0, 0)
    assert db.session.query(Case).count() == 0
    return answer


def test_a_latitude_of_200_is_refused(client, world, resident, photo_id):
    body = report_body(world, [photo_id])
    body["location"]["lat"] = 200
    refused(client, resident, body, 400, "validation_error")


def test_a_point_outside_the_grid_is_refused(client, world, resident, photo_id):
    body = report_body(world, [photo_id])
    body["location"] = {"lat": 31.23, "lng": 121.47, "coord": "wgs84"}
    refused(client, resident, body, 422, "outside_coverage")


def test_an_unknown_category_is_refused(client, world, resident, photo_id):
    refused(client, resident, report_body(world, [photo_id], category_code="E9999"), 422, "unknown_category")


def test_another_users_photo_is_refused_as_unknown(client, world, resident):
    other = make_resident(openid="o-owner")
    theirs = upload(client, other, jpeg_bytes()).json["id"]
    answer = refused(client, resident, report_body(world, [theirs]), 422, "photo_not_found")
    assert answer.json["error"]["fields"]["photo_ids"] == [theirs]


def test_a_photo_already_used_is_refused(client, world, resident, photo_id):
    assert submit(client, resident, report_body(world, [photo_id])).status_code == 202
    answer = submit(client, resident, report_body(world, [photo_id], description="第二次"))
    assert answer.status_code == 422
    assert answer.json["error"]["code"] == "photo_already_used"
    assert db.session.query(Report).count() == 1


@pytest.mark.parametrize("photo_ids", [[], [f"{i:032x}" for i in range(10)]])
def test_between_one_and_nine_photos_are_required(client, world, resident, photo_ids):
    refused(client, resident, report_body(world, photo_ids), 400, "validation_error")


def test_a_description_over_the_limit_is_refused(client, world, resident, photo_id):
    refused(client, resident, report_body(world, [photo_id], description="长" * 501), 400, "validation_error")


def test_an_inactive_category_is_refused(client, world, resident, photo_id):
    from app.catalog.models import Category

    db.session.get(Category, "E0102").active = False
    db.session.commit()
    refused(client, resident, report_body(world, [photo_id]), 422, "unknown_category")


def test_a_refused_request_can_be_corrected_and_sent_again_with_the_same_key(client, world, resident, photo_id):
    bad = report_body(world, [photo_id], category_code="E9999")
    assert submit(client, resident, bad, key="fix-me").status_code == 422
    assert submit(client, resident, report_body(world, [photo_id]), key="fix-me").status_code == 202


def test_the_reference_carries_the_shanghai_date_not_the_utc_one(app, world, resident):
    from datetime import datetime

    from app.reports.service import report_ref

    late_evening_utc = datetime(2026, 11, 28, 17, 30, tzinfo=UTC)  # 01:30 on the 29th in Shanghai
    report = Report(id=123, created_at=late_evening_utc)
    assert report_ref(report) == "JS20261129-000123"
