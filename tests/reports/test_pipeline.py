"""The resident flow with jobs inline: upload, submit, processed into the street's inbox."""
import io
from datetime import timedelta

from PIL import Image

from app.cases.jobs import process_report
from app.cases.models import Case, CaseEvent
from app.core.clock import utcnow
from app.core.extensions import db
from app.photos.models import Photo
from app.reports.jobs import requeue_stuck_reports
from app.reports.models import Report
from tests.factories import auth, make_resident
from tests.reports.conftest import jpeg_bytes, report_body, submit, upload

ZHUJING_GPS = (30.895, 121.165)


def submit_with_photo(client, user, world, photo=None, **body):
    photo_id = upload(client, user, photo or jpeg_bytes()).json["id"]
    return submit(client, user, report_body(world, [photo_id], **body))


def test_a_report_reaches_the_inbox_of_the_street_that_owns_the_place(client, world, resident):
    answer = submit_with_photo(client, resident, world)
    report = db.session.get(Report, answer.json["id"])
    assert report.status == "processed"
    case = report.case
    assert case.street_code == world.street_a
    assert case.cell_code == world.cell_a
    assert case.status == "pending"
    assert case.ref.startswith("AJ")


def test_a_report_in_street_b_goes_to_street_b(client, world, resident):
    answer = submit_with_photo(client, resident, world, cell=world.cell_b)
    assert db.session.get(Report, answer.json["id"]).case.street_code == world.street_b


def test_served_photos_are_upright_and_carry_no_exif(client, world, resident):
    # Stored landscape with orientation 6: the camera was held upright (portrait).
    photo = jpeg_bytes(1600, 1200, orientation=6, gps=ZHUJING_GPS)
    answer = submit_with_photo(client, resident, world, photo=photo)
    mine = client.get(f"/api/v1/reports/{answer.json['id']}", headers=auth(resident)).json
    served = client.get(mine["photos"][0]["url"])
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(served.data))
    assert image.size == (960, 1280)  # portrait, longest side 1280
    assert not image.getexif() and "exif" not in image.info
    # The black marker was top-left of the stored pixels; upright it sits top-right.
    assert image.getpixel((image.width - 10, 10))[0] < 60
    thumb = Image.open(io.BytesIO(client.get(mine["photos"][0]["thumb_url"]).data))
    assert max(thumb.size) == 320


def test_exif_gps_is_kept_server_side_only(client, world, resident):
    answer = submit_with_photo(client, resident, world, photo=jpeg_bytes(gps=ZHUJING_GPS))
    photo = db.session.query(Photo).one()
    assert abs(photo.exif_lat - ZHUJING_GPS[0]) < 1e-3
    text = client.get(f"/api/v1/reports/{answer.json['id']}", headers=auth(resident)).get_data(as_text=True)
    assert "exif" not in text and "30.895" not in text


def test_a_second_report_of_the_same_problem_nearby_attaches_to_the_open_case(client, world, resident):
    first = submit_with_photo(client, resident, world).json["id"]
    neighbour = make_resident(openid="o-neighbour")
    second = submit_with_photo(client, neighbour, world).json["id"]
    assert db.session.get(Report, first).case_id == db.session.get(Report, second).case_id
    case = db.session.query(Case).one()
    assert case.report_count == 2


def test_another_category_at_the_same_place_opens_its_own_case(client, world, resident):
    submit_with_photo(client, resident, world)
    submit_with_photo(client, resident, world, category_code="E0101")
    assert db.session.query(Case).count() == 2


def test_the_same_category_beyond_the_radius_opens_its_own_case(client, world, resident):
    submit_with_photo(client, resident, world)
    submit_with_photo(client, resident, world, cell=world.community_a + "004")
    assert db.session.query(Case).count() == 2


def test_a_closed_case_does_not_collect_new_reports(client, world, resident):
    first = submit_with_photo(client, resident, world).json["id"]
    db.session.get(Report, first).case.status = "closed"
    db.session.commit()
    submit_with_photo(client, resident, world)
    assert db.session.query(Case).count() == 2


def test_the_reporter_sees_the_status_of_the_case_and_a_public_timeline(client, world, resident):
    answer = submit_with_photo(client, resident, world)
    mine = client.get(f"/api/v1/reports/{answer.json['id']}", headers=auth(resident)).json
    assert mine["status"] == "pending"
    assert mine["ref"] == answer.json["ref"]
    assert mine["location"]["coord"] == "gcj02"
    assert [t["status"] for t in mine["timeline"]][:1] == ["received"]
    listing = client.get("/api/v1/reports/mine", headers=auth(resident)).json
    assert listing["total"] == 1 and listing["items"][0]["id"] == answer.json["id"]


def test_another_users_report_is_a_404(client, world, resident):
    answer = submit_with_photo(client, resident, world)
    stranger = make_resident(openid="o-stranger")
    response = client.get(f"/api/v1/reports/{answer.json['id']}", headers=auth(stranger))
    assert response.status_code == 404


def test_running_the_job_twice_changes_nothing(client, world, resident):
    report_id = submit_with_photo(client, resident, world).json["id"]
    process_report(report_id)
    assert db.session.query(Case).count() == 1
    assert db.session.get(Report, report_id).case.report_count == 1


def test_the_sweeper_processes_reports_left_received(client, world, resident):
    report_id = submit_with_photo(client, resident, world).json["id"]
    report = db.session.get(Report, report_id)
    # As if the worker died before its commit: the report is received and has no case.
    report.status, report.case_id = "received", None
    db.session.query(CaseEvent).delete()
    db.session.query(Case).delete()
    db.session.commit()
    assert requeue_stuck_reports(now=utcnow()) == []  # still within its grace period
    assert requeue_stuck_reports(now=utcnow() + timedelta(minutes=5)) == [report_id]
    assert db.session.get(Report, report_id).status == "processed"
