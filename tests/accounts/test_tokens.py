from datetime import timedelta

from app.accounts.tokens import find_token
from app.core.clock import utcnow
from app.core.extensions import db
from tests.factories import make_resident, token_for


def me(client, token):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def test_me_without_a_token_is_401(client, world):
    answer = client.get("/api/v1/me")
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "unauthorized"


def test_a_made_up_token_is_401(client, world):
    assert me(client, "x" * 43).json["error"]["code"] == "token_invalid"


def test_a_malformed_authorization_header_is_401(client, world):
    answer = client.get("/api/v1/me", headers={"Authorization": "Basic abc"})
    assert answer.status_code == 401


def test_an_expired_token_is_401_token_expired(client, world):
    token = token_for(make_resident())
    find_token(token).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    answer = me(client, token)
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "token_expired"


def test_logout_revokes_the_token(client, world):
    token = token_for(make_resident())
    assert me(client, token).status_code == 200
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert me(client, token).json["error"]["code"] == "token_invalid"


def test_two_tokens_are_never_alike(client, world):
    user = make_resident()
    assert token_for(user) != token_for(user)


def test_me_shows_roles_and_bindings_without_personal_identifiers(client, world):
    user = make_resident(home_cell=world.cell_a)
    answer = me(client, token_for(user)).json
    assert answer["roles"] == ["resident"]
    assert answer["bindings"][0]["cell_code"] == world.cell_a
    assert "openid" not in answer and "phone" not in answer
