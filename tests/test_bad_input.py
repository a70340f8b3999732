"""Every bad input that outside testing turned into a 500 (issue #18), as one catalogue.

Each entry is a request a client or an attacker can send. Each must be answered with a
4xx and a stable error code (the JSON error's code; on staff pages, the error page's
`data-error`) and must write nothing: every table keeps its row count. Run the suite
with DATABASE_URL=postgresql+... too: a NUL byte only fails on PostgreSQL.
"""
import json
import re
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from app.accounts.web_sessions import start_session
from app.core.clock import utcnow
from app.core.extensions import db
from app.web.auth import SESSION_ID_KEY
from tests.factories import STREET_A, auth, make_case, make_resident, make_staff

PASSWORD = "correct-horse-battery"
NUL, SURROGATE = "\x00", "\ud800"
TOO_DEEP = 100_000
INT32_OVER = 2**31
INVALID_CHARACTERS = (400, "invalid_characters")
VALIDATION = (400, "validation_error")
INVALID_JSON = (400, "invalid_json")
NOT_FOUND = (404, "not_found")


@dataclass(frozen=True)
class Bad:
    method: str
    path: str  # {case} and {report} are filled in from the scene
    who: str | None = None  # None, "resident", "staff" (API token) or "page" (signed-in staff page)
    body: object = None  # JSON, sent as written by json.dumps (lone surrogates as \\ud800 escapes)
    raw: str | None = None  # a JSON text sent as it is
    form: dict = field(default_factory=dict)  # a staff page's form (its CSRF token is added)
    headers: dict = field(default_factory=dict)
    expect: tuple = INVALID_CHARACTERS


def deep_json(depth):
    return "[" * depth + "]" * depth


def report(**changes):
    body = {"category_code": "E0102", "description": "小区门口垃圾堆积",
            "location": {"lat": 30.8876, "lng": 121.1602, "coord": "gcj02"}, "photo_ids": ["a" * 32]}
    return {**body, **changes}


CATALOGUE = {
    # --- a NUL byte, wherever a string reaches the database ---------------------------------
    "a NUL in a report's description": Bad("POST", "/api/v1/reports", "resident", report(description="垃圾\x00")),
    "a NUL in a report's category": Bad("POST", "/api/v1/reports", "resident", report(category_code="E01\x00")),
    "a NUL in a report's photo id": Bad("POST", "/api/v1/reports", "resident", report(photo_ids=[NUL * 32])),
    "a NUL in a report's datum": Bad("POST", "/api/v1/reports", "resident",
                                     report(location={"lat": 30.8, "lng": 121.1, "coord": "gcj02\x00"})),
    "a NUL in a JSON key": Bad("POST", "/api/v1/reports", "resident", {**report(), "note\x00": "x"}),
    "a NUL in the inbox search": Bad("GET", "/api/v1/inbox/cases?q=%00", "staff"),
    "a NUL inside a longer inbox search": Bad("GET", "/api/v1/inbox/cases?q=AJ2026%00", "staff"),
    "a NUL in the inbox category filter": Bad("GET", "/api/v1/inbox/cases?category=E%00", "staff"),
    "a NUL in a query argument's name": Bad("GET", "/api/v1/inbox/cases?%00=1", "staff"),
    "a NUL in the case page's search": Bad("GET", "/inbox/cases/?q=%00", "page"),
    "a NUL in the case page's category": Bad("GET", "/inbox/cases/?category=%00", "page"),
    "a NUL in the cell picker's community": Bad("GET", "/inbox/cases/cells?community=%00", "page"),
    "a NUL in the API staff sign-in": Bad("POST", "/api/v1/auth/staff", None, {"username": "ad\x00min", "password": "x"}),
    "a NUL in the sign-in page's username": Bad("POST", "/inbox/login", None,
                                                form={"username": "ad\x00min", "password": "x"}),
    "a NUL in a WeChat login code": Bad("POST", "/api/v1/auth/wechat", None, {"code": "code\x00"}),
    "a NUL in an invitation code": Bad("POST", "/api/v1/me/bindings", "resident", {"invite_code": "abcd\x00"}),
    "a NUL in a case action's reason": Bad("POST", "/api/v1/inbox/cases/{case}/actions", "staff",
                                           {"action": "reject", "reason": "重复\x00"}),
    "a NUL in the case page's reject form": Bad("POST", "/inbox/cases/{case}/actions", "page",
                                                form={"action": "reject", "reason": "重复\x00"}),
    "a NUL in a rating's comment": Bad("POST", "/api/v1/reports/{report}/rating", "resident",
                                       {"satisfaction": "satisfied", "comment": "\x00"}),
    "a NUL in a patrol's note": Bad("POST", "/api/v1/patrols/1/finish", "resident",
                                    {"zero_report": True, "note": "\x00"}),
    "a NUL in the Idempotency-Key header": Bad("POST", "/api/v1/reports", "resident", report(),
                                               headers={"Idempotency-Key": "key\x00"}),
    "a NUL as a grid unit's code": Bad("GET", "/api/v1/grid/units/%00"),
    "a NUL inside a grid unit's code": Bad("GET", "/api/v1/grid/units/310116%00101"),
    # --- a lone surrogate (cannot be encoded: the idempotency hash failed on it) ---------------
    "a lone surrogate in a report's description": Bad("POST", "/api/v1/reports", "resident",
                                                      report(description=SURROGATE)),
    "a lone low surrogate in a case action's reason": Bad("POST", "/api/v1/inbox/cases/{case}/actions", "staff",
                                                          {"action": "reject", "reason": "\udfff"}),
    "a lone surrogate in the API staff sign-in": Bad("POST", "/api/v1/auth/staff", None,
                                                     {"username": SURROGATE, "password": "x"}),
    # --- integers beyond the database's range ---------------------------------------------------
    "a report id beyond 2^31-1": Bad("GET", f"/api/v1/reports/{INT32_OVER}", "resident", expect=NOT_FOUND),
    "a report id of five thousand digits": Bad("GET", "/api/v1/reports/" + "9" * 5000, "resident", expect=NOT_FOUND),
    "a case id beyond 2^31-1": Bad("GET", f"/api/v1/inbox/cases/{INT32_OVER}", "staff", expect=NOT_FOUND),
    "acting on a case id beyond 2^31-1": Bad("POST", f"/api/v1/inbox/cases/{INT32_OVER}/actions", "staff",
                                             {"action": "accept"}, expect=NOT_FOUND),
    "rating a report id beyond 2^31-1": Bad("POST", f"/api/v1/reports/{2**63}/rating", "resident",
                                            {"satisfaction": "satisfied"}, expect=NOT_FOUND),
    "finishing a patrol id beyond 2^31-1": Bad("POST", f"/api/v1/patrols/{INT32_OVER}/finish", "resident",
                                               {"zero_report": True}, expect=NOT_FOUND),
    "a case page id beyond 2^31-1": Bad("GET", f"/inbox/cases/{INT32_OVER}", "page", expect=NOT_FOUND),
    "a version of 2^70 in a case action": Bad("POST", "/api/v1/inbox/cases/{case}/actions", "staff",
                                              {"action": "accept", "version": 2**70}, expect=VALIDATION),
    "a merge target beyond 2^31-1": Bad("POST", "/api/v1/inbox/cases/{case}/actions", "staff",
                                        {"action": "merge", "into_case_id": INT32_OVER}, expect=VALIDATION),
    "a patrol finding beyond 2^31-1": Bad("POST", "/api/v1/patrols/1/finish", "resident",
                                          {"report_ids": [INT32_OVER]}, expect=VALIDATION),
    "an inbox page of 2^63-1": Bad("GET", "/api/v1/inbox/cases?page=9223372036854775807", "staff", expect=VALIDATION),
    "a page of my reports of 2^63-1": Bad("GET", "/api/v1/reports/mine?page=9223372036854775807", "resident",
                                          expect=VALIDATION),
    "a page of my patrols beyond the cap": Bad("GET", "/api/v1/patrols/mine?page=99999999999", "resident",
                                               expect=VALIDATION),
    "a case list page of 2^63-1": Bad("GET", "/inbox/cases/?page=9223372036854775807", "page",
                                      expect=(400, "validation_error")),
    # --- dates the local clock cannot hold --------------------------------------------------------
    "an inbox filter from 0001-01-01": Bad("GET", "/api/v1/inbox/cases?created_from=0001-01-01", "staff",
                                           expect=VALIDATION),
    "an inbox filter to 9999-12-31": Bad("GET", "/api/v1/inbox/cases?created_to=9999-12-31", "staff",
                                         expect=VALIDATION),
    "a case page filter from 0001-01-01": Bad("GET", "/inbox/cases/?created_from=0001-01-01", "page",
                                              expect=VALIDATION),
    "a case page filter to 9999-12-31": Bad("GET", "/inbox/cases/?created_to=9999-12-31", "page", expect=VALIDATION),
    "a compliance day of 0001-01-01": Bad("GET", "/api/v1/inbox/patrols/compliance?date=0001-01-01", "staff",
                                          expect=VALIDATION),
    "patrol statistics from 0001-01-01": Bad("GET", "/api/v1/inbox/patrols/stats?from=0001-01-01", "staff",
                                             expect=VALIDATION),
    "the patrol page on 0001-01-01": Bad("GET", "/inbox/patrols/?date=0001-01-01", "page", expect=VALIDATION),
    "a patrol track point in the year 1": Bad("POST", "/api/v1/patrols/1/finish", "resident",
                                              {"zero_report": True, "track": [{"lat": 30.8, "lng": 121.1,
                                               "coord": "gcj02", "at": "0001-01-01T00:00:00+00:00"}]},
                                              expect=VALIDATION),
    # --- JSON nested deeper than any request needs --------------------------------------------------
    "a report nested 100,000 deep": Bad("POST", "/api/v1/reports", "resident", raw=deep_json(TOO_DEEP),
                                        expect=INVALID_JSON),
    "a staff sign-in nested 100,000 deep": Bad("POST", "/api/v1/auth/staff", raw=deep_json(TOO_DEEP),
                                               expect=INVALID_JSON),
    "a case action nested 100,000 deep": Bad("POST", "/api/v1/inbox/cases/{case}/actions", "staff",
                                             raw='{"action": ' + deep_json(TOO_DEEP) + "}", expect=INVALID_JSON),
    "a report nested 40 deep": Bad("POST", "/api/v1/reports", "resident",
                                   raw='{"description": ' + deep_json(40) + "}", expect=INVALID_JSON),
    # --- a field of the wrong JSON type ----------------------------------------------------------------
    "an object as a case action": Bad("POST", "/api/v1/inbox/cases/{case}/actions", "staff", {"action": {}},
                                      expect=VALIDATION),
    "a list as a case action": Bad("POST", "/api/v1/inbox/cases/{case}/actions", "staff", {"action": ["accept"]},
                                   expect=VALIDATION),
    "a number as a report's description": Bad("POST", "/api/v1/reports", "resident", report(description=5),
                                              expect=VALIDATION),
    "a string as a report's location": Bad("POST", "/api/v1/reports", "resident", report(location="here"),
                                           expect=VALIDATION),
    "a string as a report's photo list": Bad("POST", "/api/v1/reports", "resident", report(photo_ids="abc"),
                                             expect=VALIDATION),
    "a list as a staff username": Bad("POST", "/api/v1/auth/staff", None, {"username": ["a"], "password": "x"},
                                      expect=VALIDATION),
    "an object as a rating": Bad("POST", "/api/v1/reports/{report}/rating", "resident", {"satisfaction": {}},
                                 expect=VALIDATION),
    "a JSON list as a report": Bad("POST", "/api/v1/reports", "resident", raw="[]", expect=INVALID_JSON),
}


class Scene:
    """A street with one case and one report, a resident and a staff member to send the requests."""

    def __init__(self, world):
        self.resident = make_resident("o-bad-input")
        self.staff = make_staff(STREET_A, password=PASSWORD)
        self.case = make_case(world.cell_a, reporter=self.resident)
        self.report = self.case.reports[0]
        self.headers = {"resident": auth(self.resident), "staff": auth(self.staff)}
        self.web_session = start_session(user=self.staff, now=utcnow())  # made before rows are counted
        db.session.commit()

    def path(self, template):
        return template.format(case=self.case.id, report=self.report.id)


@pytest.fixture
def scene(world):
    return Scene(world)


def row_counts():
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def send(client, scene, bad):
    path = scene.path(bad.path)
    if bad.who == "page" or bad.form:
        return send_page(client, scene, bad, path)
    headers = scene.headers.get(bad.who, {})
    if bad.raw is None and bad.body is None:
        return client.open(path, method=bad.method, headers=headers)
    text = bad.raw if bad.raw is not None else json.dumps(bad.body)
    headers = {**headers, "Idempotency-Key": "k-1", **bad.headers}
    return client.open(path, method=bad.method, headers=headers, data=text,
                       content_type="application/json")


def send_page(client, scene, bad, path):
    if bad.who == "page":
        with client.session_transaction() as session:
            session[SESSION_ID_KEY] = scene.web_session
    if bad.method == "GET":
        return client.get(path)
    form_page = client.get(f"/inbox/cases/{scene.case.id}" if bad.who == "page" else "/inbox/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form_page.get_data(as_text=True)).group(1)
    return client.post(path, data={**bad.form, "csrf_token": token})


def error_code(answer):
    if answer.mimetype == "application/json":
        return answer.get_json()["error"]["code"]
    found = re.search(r'data-error="([a-z_]+)"', answer.get_data(as_text=True))
    return found and found.group(1)


@pytest.mark.parametrize("bad", CATALOGUE.values(), ids=CATALOGUE.keys())
def test_a_bad_input_is_a_4xx_with_a_code_and_writes_nothing(client, scene, bad):
    before = row_counts()
    answer = send(client, scene, bad)
    assert (answer.status_code, error_code(answer)) == bad.expect
    db.session.rollback()
    assert row_counts() == before


def test_staff_pages_answer_bad_input_with_their_html_error_page(client, scene):
    answer = send(client, scene, CATALOGUE["a NUL in the case page's search"])
    assert answer.mimetype == "text/html"
    assert "请求包含无效字符" in answer.get_data(as_text=True)


def test_the_catalogue_holds_at_least_forty_bad_inputs():
    assert len(CATALOGUE) >= 40


def test_a_version_beyond_the_database_in_a_case_page_form_is_a_flash_not_a_500(client, scene):
    bad = Bad("POST", "/inbox/cases/{case}/actions", "page", form={"action": "accept", "version": "9" * 20})
    before = row_counts()
    answer = send(client, scene, bad)
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/inbox/cases/{scene.case.id}")
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "请检查填写内容：页面版本" in page
    db.session.rollback()
    assert row_counts() == before
