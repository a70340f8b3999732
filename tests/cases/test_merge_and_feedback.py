"""Merging duplicates moves their reports; feedback takes the handler's own unused photos."""
from app.cases.models import Case
from app.core.extensions import db
from app.photos.models import Photo
from app.reports.models import Report
from tests.factories import auth, make_case, make_case_photo, make_resident


def act(client, user, case, action, **params):
    return client.post(f"/api/v1/inbox/cases/{case.id}/actions", headers=auth(user),
                       json={"action": action, **params})


def test_merging_moves_the_reports_to_the_target_and_counts_them(client, people, world, case_in):
    target = make_case(world.cell_a)
    duplicate = case_in("pending")
    report_id = duplicate.reports[0].id

    response = act(client, people.staff_a, duplicate, "merge", into_case_id=target.id)

    assert response.status_code == 200, response.json
    db.session.expire_all()
    merged, target = db.session.get(Case, duplicate.id), db.session.get(Case, target.id)
    assert (merged.status, merged.merged_into_id, merged.report_count) == ("merged", target.id, 0)
    assert target.report_count == 2 and db.session.get(Report, report_id).case_id == target.id
    assert [e.action for e in target.events][-1] == "merged_in"


def test_a_case_cannot_be_merged_into_itself_or_into_a_closed_case(client, people, case_in):
    case, closed = case_in("pending"), case_in("rejected")
    assert act(client, people.staff_a, case, "merge", into_case_id=case.id).status_code == 422
    assert act(client, people.staff_a, case, "merge", into_case_id=closed.id).status_code == 422
    assert act(client, people.staff_a, case, "merge", into_case_id=999999).status_code == 422


def test_feedback_links_the_after_photos_to_the_event(client, people, case_in):
    case = case_in("in_progress")
    photos = [make_case_photo(people.handler), make_case_photo(people.handler)]

    response = act(client, people.handler, case, "feedback", note="已疏通", photo_ids=[p.id for p in photos])

    assert response.status_code == 200, response.json
    db.session.expire_all()
    event_ids = {db.session.get(Photo, p.id).case_event_id for p in photos}
    assert len(event_ids) == 1 and None not in event_ids


def test_after_photos_are_processed_after_the_commit_and_shown_on_the_timeline(client, people, case_in):
    case = case_in("in_progress")
    photo = make_case_photo(people.handler)

    act(client, people.handler, case, "feedback", note="已疏通", photo_ids=[photo.id])

    # Without REDIS_URL the photo job runs inline right after the commit.
    body = client.get(f"/api/v1/inbox/cases/{case.id}", headers=auth(people.staff_a)).json
    shown = [p for e in body["timeline"] for p in e["photos"]]
    assert [p["id"] for p in shown] == [photo.id] and shown[0]["thumb_url"]


def test_feedback_refuses_someone_elses_photo(client, people, case_in):
    case = case_in("in_progress")
    foreign = make_case_photo(make_resident(openid="o-someone"))

    response = act(client, people.handler, case, "feedback", note="已疏通", photo_ids=[foreign.id])

    assert response.status_code == 422 and response.json["error"]["fields"]["photo_ids"] == [foreign.id]
    assert db.session.get(Case, case.id).status == "in_progress"


def test_feedback_refuses_a_photo_already_used_by_a_report_or_another_feedback(client, people, case_in):
    case = case_in("in_progress")
    on_report = make_case_photo(people.handler, report_id=case.reports[0].id)
    other = case_in("in_progress")
    used = make_case_photo(people.handler)
    act(client, people.handler, other, "feedback", note="已处理", photo_ids=[used.id])

    for photo in (on_report, used):
        response = act(client, people.handler, case, "feedback", note="已疏通", photo_ids=[photo.id])
        assert response.status_code == 422 and response.json["error"]["code"] == "photo_already_used"


def test_feedback_needs_at_least_one_after_photo(client, people, case_in):
    case = case_in("in_progress")
    response = act(client, people.handler, case, "feedback", note="已疏通", photo_ids=[])
    assert response.status_code == 400 and "photo_ids" in response.json["error"]["fields"]


def test_after_photos_whose_job_was_lost_are_processed_by_the_sweeper(client, people, case_in):
    from datetime import timedelta

    from app.core.clock import utcnow
    from app.jobs.sweeper import sweep_once
    from app.photos.jobs import requeue_unprocessed_photos

    case = case_in("in_progress")
    photo_id = make_case_photo(people.handler).id
    act(client, people.handler, case, "feedback", note="已疏通", photo_ids=[photo_id])
    # As if the nudge had been lost with Redis: the photo is claimed, nothing made.
    db.session.execute(db.update(Photo).where(Photo.id == photo_id).values(
        processed_at=None, large_key=None, thumb_key=None, created_at=utcnow() - timedelta(minutes=10)))
    db.session.commit()

    sweep_once(now=utcnow())

    assert requeue_unprocessed_photos(now=utcnow()) == []
    photo = db.session.get(Photo, photo_id)
    assert photo.processed_at is not None and photo.thumb_key
