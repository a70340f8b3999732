"""The case world: street staff of A and B, an admin, the department handlers, and
`advance()` to drive a case to any state through the real transition function."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app.cases.deadlines import WorkingCalendar
from app.cases.transitions import transition
from app.core.clock import utcnow
from app.core.extensions import db
from tests.factories import STREET_A, STREET_B, make_case, make_case_photo, make_resident

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEPARTMENT = "SWJ"        # C0104 雨水箅子's default department
OTHER_DEPARTMENT = "CGZF"


def beijing(*parts):
    return datetime(*parts, tzinfo=SHANGHAI)


@pytest.fixture
def calendar():
    """The working calendar with no overrides: chinese-calendar and the regulation's fallback."""
    return WorkingCalendar()


def staff_user(username, role="staff", street_code=None, department_code=None):
    """A staff row without a usable password: these tests sign in with tokens, and
    hashing five passwords per test would dominate the suite's run time."""
    from app.accounts.models import User

    user = User(username=username, staff_role=role, street_code=street_code,
                department_code=department_code, password_hash="!")
    db.session.add(user)
    return user


class People:
    def __init__(self):
        self.staff_a = staff_user("staff-a", street_code=STREET_A)
        self.staff_b = staff_user("staff-b", street_code=STREET_B)
        self.admin = staff_user("admin", role="admin")
        # District departments serve every street: their handlers have no street.
        self.handler = staff_user("handler-swj", role="dept", department_code=DEPARTMENT)
        self.other_handler = staff_user("handler-cgzf", role="dept", department_code=OTHER_DEPARTMENT)
        self.reporter = make_resident(openid="o-reporter-main")
        db.session.commit()


@pytest.fixture
def people(world):
    return People()


# The path from pending to each state: (action, params, who acts).
PATHS = {
    "pending": [],
    "accepted": [("accept", {}, "staff_a")],
    "dispatched": [("accept", {}, "staff_a"), ("dispatch", {"note": "请尽快处理"}, "staff_a")],
    "in_progress": [("accept", {}, "staff_a"), ("dispatch", {}, "staff_a"), ("sign", {}, "handler")],
    "handled": [("accept", {}, "staff_a"), ("dispatch", {}, "staff_a"), ("sign", {}, "handler"),
                ("feedback", {"note": "已疏通"}, "handler")],
    "closed": [("accept", {}, "staff_a"), ("dispatch", {}, "staff_a"), ("sign", {}, "handler"),
               ("feedback", {"note": "已疏通"}, "handler"), ("verify", {"result": "pass"}, "staff_a")],
    "rejected": [("reject", {"reason": "不属于城市管理范围"}, "staff_a")],
}


def advance(case, status, people, now=None):
    """Drive `case` to `status` through transition(), committing each step."""
    for action, params, who in PATHS[status]:
        actor = getattr(people, who)
        if action == "feedback":
            params = {**params, "photo_ids": [make_case_photo(actor).id]}
        transition(case=case, action=action, actor=actor, now=now or utcnow(), **params)
        db.session.commit()
    return case


@pytest.fixture
def case_in(world, people):
    """case_in("dispatched") → a case of street A, reported by the main reporter, in that state."""

    def build(status, reporter=None, **kwargs):
        if status == "merged":
            target = make_case(world.cell_a)
            case = make_case(world.cell_a, reporter=reporter or people.reporter, **kwargs)
            transition(case=case, action="merge", actor=people.staff_a, now=utcnow(), into_case_id=target.id)
            db.session.commit()
            return case
        case = make_case(world.cell_a, reporter=reporter or people.reporter, **kwargs)
        return advance(case, status, people)

    return build
