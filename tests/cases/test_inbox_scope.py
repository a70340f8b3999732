"""Each caller sees and acts on its own cases only; others' do not even exist for it."""
from app.cases.models import Case
from app.core.extensions import db
from tests.factories import auth, make_case


def detail(client, user, case):
    return client.get(f"/api/v1/inbox/cases/{case.id}", headers=auth(user))


def act(client, user, case, action, **params):
    return client.post(f"/api/v1/inbox/cases/{case.id}/actions", headers=auth(user),
                       json={"action": action, **params})


def listed_ids(client, user):
    return {item["id"] for item in client.get("/api/v1/inbox/cases", headers=auth(user)).json["items"]}


def unchanged(case):
    db.session.expire_all()
    fresh = db.session.get(Case, case.id)
    return (fresh.status, fresh.version) == (case.status, case.version)


def test_staff_of_another_street_get_404_for_a_case_they_do_not_manage(client, people, case_in):
    case = case_in("pending")
    response = detail(client, people.staff_b, case)
    assert response.status_code == 404 and response.json["error"]["code"] == "case_not_found"


def test_staff_of_another_street_cannot_act_on_the_case_and_nothing_changes(client, people, case_in):
    case = case_in("pending")
    response = act(client, people.staff_b, case, "accept")
    assert response.status_code == 404 and unchanged(case)


def test_staff_see_only_their_own_street_in_the_list_and_the_admin_sees_all(client, people, world, case_in):
    mine, theirs = case_in("pending"), make_case(world.cell_b)
    assert listed_ids(client, people.staff_a) == {mine.id}
    assert listed_ids(client, people.staff_b) == {theirs.id}
    assert listed_ids(client, people.admin) == {mine.id, theirs.id}


def test_a_handler_sees_only_cases_dispatched_to_its_department(client, people, case_in):
    dispatched, pending = case_in("dispatched"), case_in("pending")
    assert listed_ids(client, people.handler) == {dispatched.id}
    assert detail(client, people.handler, pending).status_code == 404
    assert listed_ids(client, people.other_handler) == set()


def test_a_handler_of_another_department_cannot_see_or_sign_the_case(client, people, case_in):
    case = case_in("dispatched")
    assert detail(client, people.other_handler, case).status_code == 404
    assert act(client, people.other_handler, case, "sign").status_code == 404
    assert unchanged(case)


def test_a_street_level_handler_sees_its_departments_cases_in_its_own_street_only(
        client, people, world, case_in):
    from tests.cases.conftest import staff_user

    team_b = staff_user("swj-team-b", role="dept", street_code=world.street_b, department_code="SWJ")
    db.session.commit()
    case = case_in("dispatched")  # street A
    assert detail(client, team_b, case).status_code == 404


def test_a_resident_cannot_use_the_inbox(client, people, case_in):
    case = case_in("pending")
    assert client.get("/api/v1/inbox/cases", headers=auth(people.reporter)).status_code == 403
    assert detail(client, people.reporter, case).status_code == 403


def test_the_inbox_needs_a_token(client, people):
    assert client.get("/api/v1/inbox/cases").status_code == 401


def test_merging_into_another_streets_case_is_refused(client, people, world, case_in):
    case, foreign = case_in("pending"), make_case(world.cell_b)
    response = act(client, people.admin, case, "merge", into_case_id=foreign.id)
    assert response.status_code == 422 and response.json["error"]["code"] == "invalid_merge_target"
    assert unchanged(case)
