"""Every allowed transition through the real endpoint, every forbidden one, and races."""
import threading

import pytest

from app.cases.models import Case, CaseEvent
from app.cases.transitions import transition
from app.cases.workflow import ACTIONS, WORKFLOW
from app.core.clock import utcnow
from app.core.errors import ApiError
from app.core.extensions import db
from tests.cases.conftest import DEPARTMENT
from tests.factories import auth, make_case, make_case_photo

STATUSES = ("pending", "accepted", "dispatched", "in_progress", "handled", "closed", "rejected", "merged")
ALLOWED_ACTIONS = {(status, a.name) for a in WORKFLOW for o in a.outcomes.values() for status in o.moves}
FORBIDDEN = [(s, a) for s in STATUSES for a in ACTIONS if (s, a) not in ALLOWED_ACTIONS]
# Valid parameters for every action, so only the state can be what refuses it.
PARAMS = {
    "accept": {}, "reject": {"reason": "重复"}, "merge": {"into_case_id": 1},
    "dispatch": {"department_code": DEPARTMENT}, "sign": {}, "return": {"reason": "非本单位职责"},
    "extend": {"working_days": 1, "reason": "材料未到"},
    "feedback": {"note": "已处理", "photo_ids": ["0" * 32]},
    "verify": {"result": "pass"}, "reopen": {"reason": "回访不满意"},
}


def act(client, user, case, action, **params):
    return client.post(f"/api/v1/inbox/cases/{case.id}/actions", headers=auth(user),
                       json={"action": action, **params})


def events_of(case):
    return db.session.scalars(db.select(CaseEvent).where(CaseEvent.case_id == case.id)
                              .order_by(CaseEvent.id)).all()


# --- allowed ---------------------------------------------------------------------------

ALLOWED = [
    # (from, action, params, who, to)
    ("pending", "accept", {}, "staff_a", "accepted"),
    ("pending", "reject", {"reason": "不属于受理范围"}, "staff_a", "rejected"),
    ("accepted", "dispatch", {"department_code": DEPARTMENT, "note": "今天处理"}, "staff_a", "dispatched"),
    ("dispatched", "sign", {}, "handler", "in_progress"),
    ("dispatched", "return", {"reason": "非本单位职责"}, "handler", "accepted"),
    ("in_progress", "return", {"reason": "需要规划部门处理"}, "handler", "accepted"),
    ("in_progress", "extend", {"working_days": 2, "reason": "等待配件"}, "staff_a", "in_progress"),
    ("handled", "verify", {"result": "pass", "note": "现场已整改"}, "staff_a", "closed"),
    ("handled", "verify", {"result": "fail", "note": "仍有积水"}, "staff_a", "dispatched"),
    ("closed", "reopen", {"reason": "电话回访不满意"}, "staff_a", "dispatched"),
    ("pending", "accept", {}, "admin", "accepted"),
]


@pytest.mark.parametrize("from_status, action, params, who, to_status", ALLOWED)
def test_an_allowed_action_moves_the_case_and_writes_who_did_what(
        client, people, case_in, from_status, action, params, who, to_status):
    case = case_in(from_status)
    version = case.version
    actor = getattr(people, who)

    response = act(client, actor, case, action, **params)

    assert response.status_code == 200, response.json
    body = response.json
    assert body["status"] == to_status and body["version"] == version + 1
    last = [e for e in body["timeline"] if e["action"] == action][-1]
    assert (last["from"], last["to"], last["actor"]) == (from_status, to_status, actor.username)


def test_feedback_with_after_photos_hands_the_case_back_for_verification(client, people, case_in):
    case = case_in("in_progress")
    photo = make_case_photo(people.handler)

    response = act(client, people.handler, case, "feedback", note="已疏通", photo_ids=[photo.id])

    assert response.status_code == 200, response.json
    assert response.json["status"] == "handled" and response.json["handled_at"]
    feedback = [e for e in response.json["timeline"] if e["action"] == "feedback"][0]
    assert [p["id"] for p in feedback["photos"]] == [photo.id]


def test_merge_is_an_allowed_action_on_a_pending_case(client, people, world, case_in):
    case, target = case_in("pending"), make_case(world.cell_a)

    response = act(client, people.staff_a, case, "merge", into_case_id=target.id)

    assert response.status_code == 200, response.json
    assert response.json["status"] == "merged" and response.json["merged_into_id"] == target.id


def test_a_case_goes_from_report_to_closed_entirely_through_the_api(client, people, case_in):
    case = case_in("pending")
    steps = [(people.staff_a, "accept", {}), (people.staff_a, "dispatch", {}),
             (people.handler, "sign", {}),
             (people.handler, "feedback", {"note": "已疏通", "photo_ids": [make_case_photo(people.handler).id]}),
             (people.staff_a, "verify", {"result": "pass", "note": "核查通过"})]
    for user, action, params in steps:
        response = act(client, user, case, action, **params)
        assert response.status_code == 200, (action, response.json)

    body = response.json
    assert body["status"] == "closed" and body["department_code"] == DEPARTMENT
    assert [e["to"] for e in body["timeline"] if e["to"]] == [
        "pending", "accepted", "dispatched", "in_progress", "handled", "closed"]


# --- forbidden -------------------------------------------------------------------------

@pytest.mark.parametrize("from_status, action", FORBIDDEN)
def test_an_action_the_state_does_not_allow_is_refused_with_409_and_changes_nothing(
        client, people, case_in, from_status, action):
    case = case_in(from_status)
    before = (case.status, case.version)
    # The handler acts where it can see the case (dispatched to its department).
    department_action = case.department_code and action in ("sign", "return", "feedback")
    actor = people.handler if department_action else people.admin

    response = act(client, actor, case, action, **PARAMS[action])

    assert response.status_code == 409, response.json
    assert response.json["error"]["code"] == "invalid_transition"
    db.session.expire_all()
    assert (db.session.get(Case, case.id).status, db.session.get(Case, case.id).version) == before


def test_a_street_action_by_a_department_handler_is_forbidden(client, people, case_in):
    case = case_in("handled")
    response = act(client, people.handler, case, "verify", result="pass")
    assert response.status_code == 403


def test_a_department_action_by_street_staff_is_forbidden(client, people, case_in):
    case = case_in("dispatched")
    response = act(client, people.staff_a, case, "sign")
    assert response.status_code == 403


def test_an_unknown_action_or_missing_parameter_is_a_400_with_fields(client, people, case_in):
    case = case_in("pending")
    unknown = act(client, people.staff_a, case, "teleport")
    missing = act(client, people.staff_a, case, "reject")
    assert unknown.status_code == 400 and "action" in unknown.json["error"]["fields"]
    assert missing.status_code == 400 and "reason" in missing.json["error"]["fields"]


def test_returning_a_case_clears_its_department_and_deadlines(client, people, case_in):
    case = case_in("in_progress")
    body = act(client, people.handler, case, "return", reason="非本单位职责").json
    assert body["department_code"] is None and body["due_at"] is None
    assert body["deadlines"]["sign_due_at"] is None


def test_a_failed_verification_counts_a_rework_and_restarts_the_clock(client, people, case_in):
    case = case_in("handled")
    first_due = case.due_at

    body = act(client, people.staff_a, case, "verify", result="fail", note="仍有积水").json

    assert body["status"] == "dispatched" and body["rework_count"] == 1
    assert body["due_at"] >= first_due.isoformat() and body["signed_at"] is None


# --- races -----------------------------------------------------------------------------

def test_two_staff_dispatching_from_the_same_page_one_wins_and_the_other_gets_409(client, people, case_in):
    case = case_in("accepted")
    seen = case.version

    first = act(client, people.staff_a, case, "dispatch", department_code=DEPARTMENT, version=seen)
    second = act(client, people.admin, case, "dispatch", department_code="CGZF", version=seen)

    assert first.status_code == 200
    assert second.status_code == 409 and second.json["error"]["code"] == "invalid_transition"
    db.session.expire_all()
    assert db.session.get(Case, case.id).department_code == DEPARTMENT
    assert [e.action for e in events_of(case)].count("dispatch") == 1


def test_a_dispatch_on_a_stale_copy_loses_to_one_committed_meanwhile(app, people, case_in):
    case = case_in("accepted")
    stale = db.session.get(Case, case.id)  # read, like a second request would
    with db.engine.begin() as conn:  # another session's dispatch commits first
        conn.execute(db.update(Case).where(Case.id == case.id).values(
            status="dispatched", department_code="CGZF", version=Case.version + 1))

    with pytest.raises(ApiError) as refused:
        transition(case=stale, action="dispatch", actor=people.staff_a, now=utcnow(),
                   department_code=DEPARTMENT)

    assert refused.value.status == 409 and refused.value.code == "invalid_transition"
    db.session.rollback()


def test_two_concurrent_dispatches_in_threads_one_wins_and_the_other_gets_409(app, people, case_in):
    case_id = case_in("accepted").id
    staff_ids = [people.staff_a.id, people.admin.id]
    barrier, outcomes = threading.Barrier(2), []

    def dispatch(staff_id, department_code):
        with app.app_context():
            from app.accounts.models import User

            case, actor = db.session.get(Case, case_id), db.session.get(User, staff_id)
            barrier.wait()  # both have read version 2 before either writes
            try:
                transition(case=case, action="dispatch", actor=actor, now=utcnow(),
                           department_code=department_code)
                db.session.commit()
                outcomes.append("won")
            except ApiError as error:
                db.session.rollback()
                outcomes.append(error.status)

    threads = [threading.Thread(target=dispatch, args=args)
               for args in zip(staff_ids, (DEPARTMENT, "CGZF"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes, key=str) == [409, "won"]
    db.session.expire_all()
    assert db.session.get(Case, case_id).version == 3
    assert [e.action for e in events_of(db.session.get(Case, case_id))].count("dispatch") == 1
