from datetime import timedelta

from app.accounts.models import Invitation
from app.core.clock import utcnow
from app.core.extensions import db
from tests.factories import STREET_B, auth, make_resident, make_staff


def bind(client, user, body):
    return client.post("/api/v1/me/bindings", json=body, headers=auth(user))


def invite(client, staff, cell_code, **extra):
    return client.post("/api/v1/inbox/invitations", json={"cell_code": cell_code, **extra}, headers=auth(staff))


def test_a_resident_binds_a_home_cell_by_code(client, world):
    answer = bind(client, make_resident(), {"cell_code": world.cell_a})
    assert answer.status_code == 201
    assert answer.json["user"]["bindings"] == [
        {"cell_code": world.cell_a, "role": "resident", "created_at": answer.json["binding"]["created_at"]}]


def test_a_resident_binds_by_gcj02_location_and_binding_again_moves_the_home(client, world):
    user = make_resident()
    bind(client, user, {"cell_code": world.cell_a})
    answer = bind(client, user, world.location(world.cell_b))
    assert answer.status_code == 201
    assert [b["cell_code"] for b in answer.json["user"]["bindings"]] == [world.cell_b]


def test_binding_outside_the_grid_or_to_an_unknown_cell_is_refused(client, world):
    user = make_resident()
    assert bind(client, user, {"lat": 31.23, "lng": 121.47, "coord": "wgs84"}).status_code == 404
    assert bind(client, user, {"cell_code": "310116101201999"}).json["error"]["code"] == "unknown_cell"
    assert bind(client, user, {}).status_code == 400
    assert bind(client, user, {"cell_code": world.cell_a, "invite_code": "ABCDEFGH"}).status_code == 400


def test_staff_invite_a_collector_who_binds_with_the_code(client, world):
    staff, collector = make_staff(), make_resident(openid="o-collector")
    issued = invite(client, staff, world.cell_a, role="collector")
    assert issued.status_code == 201
    answer = bind(client, collector, {"invite_code": issued.json["code"]})
    assert answer.status_code == 201
    assert answer.json["binding"]["role"] == "collector"
    assert answer.json["user"]["roles"] == ["resident", "collector"]


def test_a_used_up_invitation_is_refused(client, world):
    code = invite(client, make_staff(), world.cell_a).json["code"]
    assert bind(client, make_resident(openid="o-1"), {"invite_code": code}).status_code == 201
    answer = bind(client, make_resident(openid="o-2"), {"invite_code": code})
    assert answer.status_code == 422
    assert answer.json["error"]["code"] == "invitation_used"


def test_redeeming_the_same_invitation_twice_spends_one_use(client, world):
    code = invite(client, make_staff(), world.cell_a, max_uses=2).json["code"]
    user = make_resident(openid="o-1")
    bind(client, user, {"invite_code": code})
    bind(client, user, {"invite_code": code})
    assert db.session.query(Invitation).one().use_count == 1


def test_an_expired_invitation_is_refused(client, world):
    code = invite(client, make_staff(), world.cell_a).json["code"]
    db.session.query(Invitation).one().expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    answer = bind(client, make_resident(), {"invite_code": code})
    assert answer.json["error"]["code"] == "invitation_expired"


def test_a_made_up_invitation_code_is_refused(client, world):
    answer = bind(client, make_resident(), {"invite_code": "ZZZZZZZZZZ"})
    assert answer.status_code == 422
    assert answer.json["error"]["code"] == "invitation_invalid"


def test_staff_of_street_a_cannot_invite_for_a_cell_of_street_b(client, world):
    answer = invite(client, make_staff(), world.cell_b)
    assert answer.status_code == 403
    assert db.session.query(Invitation).count() == 0


def test_staff_of_street_b_may_invite_for_their_own_cells(client, world):
    answer = invite(client, make_staff(street_code=STREET_B), world.cell_b)
    assert answer.status_code == 201


def test_residents_and_department_handlers_cannot_invite(client, world):
    assert invite(client, make_resident(), world.cell_a).status_code == 403
    handler = make_staff(street_code=None, role="dept", department_code="LHSR")
    assert invite(client, handler, world.cell_a).status_code == 403


def test_only_collector_type_roles_can_be_invited(client, world):
    answer = invite(client, make_staff(), world.cell_a, role="staff")
    assert answer.status_code == 400
