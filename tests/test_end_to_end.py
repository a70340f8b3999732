"""A case from a resident's photo to closure entirely through the API, with the
reporter's view and WeChat notices following along (jobs inline, real wechatpy
talking HTTP to the fake WeChat API)."""
import io
import uuid

from PIL import Image

from app.core.extensions import db
from app.notifications.models import Notification
from tests.factories import make_staff

TEMPLATE = "tmpl-status"


def photo_file():
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (120, 160, 90)).save(out, "JPEG")
    return {"file": (io.BytesIO(out.getvalue()), "IMG_0001.jpg")}


class Session:
    """One signed-in client: a resident over WeChat, or staff with a password."""

    def __init__(self, client, token):
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def get(self, path):
        answer = self.client.get(path, headers=self.headers)
        assert answer.status_code == 200, answer.json
        return answer.json

    def post(self, path, body=None, status=200, **kwargs):
        answer = self.client.post(path, json=body, headers={**self.headers, **kwargs.pop("headers", {})},
                                  **kwargs)
        assert answer.status_code == status, answer.json
        return answer.json

    def act(self, case_id, action, **params):
        return self.post(f"/api/v1/inbox/cases/{case_id}/actions", {"action": action, **params})


def sign_in_resident(client, code):
    return Session(client, client.post("/api/v1/auth/wechat", json={"code": code}).json["token"])


def sign_in_staff(client, username):
    answer = client.post("/api/v1/auth/staff", json={"username": username, "password": "correct-horse-battery"})
    return Session(client, answer.json["token"])


def test_a_resident_report_goes_from_photo_to_closed_and_the_reporter_follows_along(
        app, client, world, wechat_server, monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_TEMPLATE_REPORT_STATUS", TEMPLATE)
    make_staff(username="staff-a")
    make_staff(street_code=None, role="dept", department_code="LHSR", username="lhsr-1")
    db.session.commit()

    resident = sign_in_resident(client, "e2e-resident")
    resident.post("/api/v1/me/bindings", world.location(world.cell_a), status=201)
    photo = resident.post("/api/v1/uploads", data=photo_file(), content_type="multipart/form-data",
                          status=201)
    body = {"category_code": "E0102", "description": "路口垃圾暴露", "location": world.location(world.cell_a),
            "photo_ids": [photo["id"]]}
    accepted = resident.post("/api/v1/reports", body, status=202,
                             headers={"Idempotency-Key": uuid.uuid4().hex})
    mine = lambda: resident.get(f"/api/v1/reports/{accepted['id']}")  # noqa: E731
    assert mine()["status"] == "pending"
    assert mine()["photos"][0]["url"]

    staff, handler = sign_in_staff(client, "staff-a"), sign_in_staff(client, "lhsr-1")
    inbox = staff.get("/api/v1/inbox/cases")
    assert inbox["total"] == 1 and inbox["counters"]["new"] == 1
    case_id = inbox["items"][0]["id"]

    staff.act(case_id, "accept")
    assert mine()["status"] == "accepted"
    dispatched = staff.act(case_id, "dispatch", department_code="LHSR", note="请今日清运")
    assert dispatched["due_at"]
    assert mine()["status"] == "dispatched"

    assert [c["id"] for c in handler.get("/api/v1/inbox/cases")["items"]] == [case_id]
    handler.act(case_id, "sign")
    after = handler.post("/api/v1/uploads", data=photo_file(), content_type="multipart/form-data", status=201)
    handler.act(case_id, "feedback", note="已清运", photo_ids=[after["id"]])
    closed = staff.act(case_id, "verify", result="pass", note="现场核查通过")
    assert closed["status"] == "closed"

    view = mine()
    assert view["status"] == "closed"
    assert [t["status"] for t in view["timeline"]][:1] == ["received"]
    assert {"accepted", "dispatched", "closed"} <= {t["status"] for t in view["timeline"]}
    assert "请今日清运" not in str(view)  # staff instructions stay internal

    resident.post(f"/api/v1/reports/{accepted['id']}/rating", {"satisfaction": "satisfied"}, status=201)
    sent = [n.template for n in db.session.query(Notification).filter_by(status="sent")]
    assert len(sent) >= 4  # received, accepted, dispatched, closed
    assert {m["template_id"] for m in wechat_server.sent_messages} == {TEMPLATE}
