"""The reporter's rating after closure (回访); unsatisfied sends the case back (重办)."""
from app.cases.models import Case, CaseEvent, CaseRating
from app.core.extensions import db
from tests.factories import auth, make_resident


def rate(client, user, case, satisfaction="satisfied", comment=None):
    report = case.reports[0]
    return client.post(f"/api/v1/reports/{report.id}/rating", headers=auth(user),
                       json={"satisfaction": satisfaction, "comment": comment})


def test_an_unsatisfied_reporter_reopens_the_case_for_the_department(client, people, case_in):
    case = case_in("closed")

    response = rate(client, people.reporter, case, "unsatisfied", "积水还在")

    assert response.status_code == 201, response.json
    assert response.json["case_status"] == "dispatched"
    db.session.expire_all()
    reopened = db.session.get(Case, case.id)
    event = db.session.scalars(db.select(CaseEvent).where(CaseEvent.case_id == case.id)
                               .order_by(CaseEvent.id.desc())).first()
    assert (reopened.status, reopened.department_code, reopened.closed_at) == ("dispatched", "SWJ", None)
    assert (event.action, event.actor_label, event.public) == ("reopen", "system", True)
    assert event.note == "回访不满意：积水还在"


def test_a_satisfied_rating_is_stored_and_the_case_stays_closed(client, people, case_in):
    case = case_in("closed")

    response = rate(client, people.reporter, case, "satisfied", "很快")

    assert response.status_code == 201 and response.json["case_status"] == "closed"
    rating = db.session.scalar(db.select(CaseRating))
    assert (rating.satisfaction, rating.comment, rating.case_id) == ("satisfied", "很快", case.id)


def test_a_case_is_rated_only_after_closure(client, people, case_in):
    case = case_in("handled")
    response = rate(client, people.reporter, case)
    assert response.status_code == 409 and response.json["error"]["code"] == "not_closed"


def test_only_the_reporter_may_rate_and_others_do_not_learn_the_report_exists(client, people, case_in):
    case = case_in("closed")
    response = rate(client, make_resident(openid="o-stranger"), case)
    assert response.status_code == 404


def test_a_report_is_rated_once(client, people, case_in):
    case = case_in("closed")
    rate(client, people.reporter, case)
    again = rate(client, people.reporter, case, "unsatisfied")
    assert again.status_code == 409 and again.json["error"]["code"] == "already_rated"


def test_a_rating_needs_a_known_satisfaction(client, people, case_in):
    case = case_in("closed")
    response = rate(client, people.reporter, case, "meh")
    assert response.status_code == 400 and "satisfaction" in response.json["error"]["fields"]
