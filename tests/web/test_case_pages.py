"""The case pages of the web inbox as HTML (test client): who sees what, and what each form does."""
import io
import re
from datetime import timedelta

import pytest
from PIL import Image

from app.cases.models import Case, CaseEvent
from app.core.clock import utcnow
from app.core.extensions import db
from app.notifications.models import Notification
from app.photos.models import Photo
from app.web.case_actions import STALE

# The case world (street staff of A and B, admin, two department handlers) is borrowed, not copied.
from tests.cases.conftest import DEPARTMENT, advance, case_in, people  # noqa: F401
from tests.factories import make_case, make_case_photo, signed_in_as


def csrf_token(client, path):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def act(client, case, action, follow=True, **fields):
    """POST one action form as the case page would send it (CSRF token and version included)."""
    data = {"csrf_token": csrf_token(client, f"/inbox/cases/{case.id}"), "action": action,
            "version": str(case.version), **fields}
    return client.post(f"/inbox/cases/{case.id}/actions", data=data, follow_redirects=follow,
                       content_type="multipart/form-data")


def refreshed(case):
    db.session.expire_all()
    return db.session.get(Case, case.id)


def rows(page):
    return re.findall(r'<tr data-case="(\d+)" data-status="(\w+)"', page)


def jpeg():
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 60)).save(out, "JPEG")
    return io.BytesIO(out.getvalue())


# --- the list -----------------------------------------------------------------------------

def test_the_case_list_asks_for_sign_in_first(client, world):
    answer = client.get("/inbox/cases/")
    assert answer.status_code == 302 and "/inbox/login" in answer.headers["Location"]


def test_street_staff_see_their_streets_cases_and_the_counters(client, world, people, case_in):
    mine, other = case_in("pending"), make_case(world.cell_b)
    page = signed_in_as(client, people.staff_a).get("/inbox/cases/").get_data(as_text=True)
    assert "案卷 · 朱泾镇" in page
    assert rows(page) == [(str(mine.id), "pending")]
    assert other.ref not in page
    assert re.search(r'data-counter="new".*?counter-value">1<', page, re.S)
    assert "朱泾镇测试网格1" in page and "公用设施 · 雨水箅子" in page and "待受理" in page


def test_an_admin_sees_every_street(client, world, people, case_in):
    mine, other = case_in("pending"), make_case(world.cell_b)
    page = signed_in_as(client, people.admin).get("/inbox/cases/").get_data(as_text=True)
    assert "案卷 · 全区" in page
    assert {case_id for case_id, _ in rows(page)} == {str(mine.id), str(other.id)}


def test_a_handler_sees_cases_waiting_for_signing_first_then_those_in_hand(client, world, people, case_in):
    waiting, in_hand, _pending = case_in("dispatched"), case_in("in_progress"), case_in("pending")
    page = signed_in_as(client, people.handler).get("/inbox/cases/").get_data(as_text=True)
    assert "案卷 · 区水务局" in page
    assert re.findall(r'data-section="([^"]+)"', page) == ["待签收", "处置中"]
    assert rows(page) == [(str(waiting.id), "dispatched"), (str(in_hand.id), "in_progress")]
    assert re.search(r'data-counter="new".*?待签收.*?counter-value">1<', page, re.S)

    other = signed_in_as(client, people.other_handler).get("/inbox/cases/").get_data(as_text=True)
    assert rows(other) == []


def test_filters_narrow_the_list(client, world, people, case_in):
    drain = case_in("pending", description="雨水箅子堵塞，积水")
    litter = make_case(world.cell_a, category_code="E0102", description="路口垃圾暴露")
    elsewhere = make_case(world.community_a + "004", description="另一个子网格")
    dispatched = case_in("dispatched")
    staff = signed_in_as(client, people.staff_a)

    def listed(query):
        return {int(case_id) for case_id, _ in rows(staff.get("/inbox/cases/?" + query).get_data(as_text=True))}

    assert listed("") == {drain.id, litter.id, elsewhere.id, dispatched.id}
    assert listed("category=E0102") == {litter.id}
    assert listed("status=pending&q=积水") == {drain.id}
    assert listed(f"cell={world.community_a}004") == {elsewhere.id}
    assert listed(f"status=dispatched,in_progress&community={world.community_a}") == {dispatched.id}
    assert listed("overdue=true") == set()
    assert listed(f"q={litter.ref}&category=&cell=&overdue=") == {litter.id}  # blank fields mean "any"
    assert listed("created_from=2000-01-01&created_to=2000-01-31") == set()


def test_the_list_pages_through_the_cases_keeping_the_filters(client, world, people):
    for _ in range(21):
        make_case(world.cell_a)
    staff = signed_in_as(client, people.staff_a)
    first = staff.get("/inbox/cases/?status=pending").get_data(as_text=True)
    assert len(rows(first)) == 20 and "第 1 / 2 页" in first
    assert 'href="/inbox/cases/?status=pending&amp;page=2"' in first
    second = staff.get("/inbox/cases/?status=pending&page=2").get_data(as_text=True)
    assert len(rows(second)) == 1 and "上一页" in second


def test_overdue_cases_are_counted_badged_and_their_running_deadlines_highlighted(client, world, people):
    late = advance(make_case(world.cell_a), "in_progress", people, now=utcnow() - timedelta(days=40))
    staff = signed_in_as(client, people.staff_a)
    page = staff.get("/inbox/cases/?overdue=true").get_data(as_text=True)
    assert rows(page) == [(str(late.id), "in_progress")]
    assert re.search(r'data-counter="overdue".*?counter-value">1<', page, re.S)
    assert 'class="is-overdue"' in page and "已超期" in page
    case_page = staff.get(f"/inbox/cases/{late.id}").get_data(as_text=True)
    late_rows = re.findall(r'<tr class="is-overdue"><th scope="row">(\S+)</th>', case_page)
    assert late_rows == ["首次处置期限", "办结期限"]  # signed already: the sign-for deadline is history


def test_a_bad_filter_is_a_chinese_400_page(client, world, people):
    answer = signed_in_as(client, people.staff_a).get("/inbox/cases/?cell=12&created_from=yesterday")
    assert answer.status_code == 400 and answer.mimetype == "text/html"
    assert "筛选条件有误" in answer.get_data(as_text=True) and "子网格" in answer.get_data(as_text=True)


def test_the_map_panel_draws_the_listed_cases_and_the_cell_select_follows_the_community(
        client, world, people, case_in):
    case = case_in("pending")
    staff = signed_in_as(client, people.staff_a)
    panel = staff.get("/inbox/cases/map?status=pending").get_data(as_text=True)
    assert 'id="cases-map"' in panel and f"{case.ref} 待受理" in panel
    options = staff.get(f"/inbox/cases/cells?community={world.community_a}").get_data(as_text=True)
    assert options.count("<option value=\"3101") == 4 and "朱泾镇测试网格4" in options


# --- the case page ---------------------------------------------------------------------------

def test_the_case_page_shows_place_deadlines_photos_and_timeline(client, world, people, case_in):
    case = case_in("in_progress")
    page = signed_in_as(client, people.staff_a).get(f"/inbox/cases/{case.id}").get_data(as_text=True)
    for text in (case.ref, "处置中", "公用设施 · 雨水箅子", "朱泾镇 · 朱泾镇测试村 · 朱泾镇测试网格1", "区水务局",
                 "签收期限", "首次处置期限", "办结期限", "处置过程", "受理立案", "派遣至 区水务局", "签收",
                 'id="case-map"'):
        assert text in page, text
    assert "待受理 → 已立案" in page  # from → to, in Chinese
    assert "群众可见" in page  # staff see which steps the reporter is told about


def test_staff_see_flagged_reports_and_photos_with_a_warning(client, world, people, case_in):
    case = case_in("pending")
    report = case.reports[0]
    report.flagged = case.flagged = True
    photo = make_case_photo(people.reporter, report_id=report.id)
    photo.media_check, photo.large_key, photo.thumb_key = "risky", "derivatives/x/large.jpg", "derivatives/x/thumb.jpg"
    db.session.commit()
    page = signed_in_as(client, people.staff_a).get(f"/inbox/cases/{case.id}").get_data(as_text=True)
    assert "未通过内容安全检查" in page and "内容风险" in page
    assert "疑似违规图片" in page and 'href="/media/derivatives/x/large.jpg"' in page


@pytest.mark.parametrize("status, who, actions", [
    ("pending", "staff_a", ["accept", "reject", "merge"]),
    ("accepted", "staff_a", ["dispatch"]),
    ("dispatched", "staff_a", []),
    ("dispatched", "handler", ["sign", "return"]),
    ("in_progress", "handler", ["feedback", "return"]),
    ("in_progress", "staff_a", ["extend"]),
    ("handled", "staff_a", ["verify"]),
    ("handled", "admin", ["verify"]),
    ("closed", "staff_a", ["reopen"]),
    ("rejected", "staff_a", []),
])
def test_the_case_page_offers_exactly_the_actions_this_user_may_take_now(
        client, world, people, case_in, status, who, actions):
    case = case_in(status)
    page = signed_in_as(client, getattr(people, who)).get(f"/inbox/cases/{case.id}").get_data(as_text=True)
    assert re.findall(r'class="action-form" data-action="(\w+)"', page) == actions


def test_every_action_of_the_workflow_has_a_form_a_label_and_a_done_message(app):
    from app.cases.workflow import WORKFLOW

    for action in WORKFLOW:
        assert app.jinja_env.get_template(f"web/cases/actions/{action.name}.html")
        assert action.label and all(outcome.done for outcome in action.outcomes.values())


def test_the_dispatch_form_defaults_to_the_categorys_department(client, world, people, case_in):
    case = case_in("accepted")
    page = signed_in_as(client, people.staff_a).get(f"/inbox/cases/{case.id}").get_data(as_text=True)
    assert f'<option value="{DEPARTMENT}" selected>' in page


def test_another_streets_case_is_the_html_404_page(client, world, people, case_in):
    case = case_in("pending")
    staff_b = signed_in_as(client, people.staff_b)
    answer = staff_b.get(f"/inbox/cases/{case.id}")
    assert answer.status_code == 404 and answer.mimetype == "text/html" and "页面不存在" in answer.get_data(as_text=True)
    assert act(staff_b, case, "accept", follow=False).status_code == 404
    assert refreshed(case).status == "pending"


def test_a_handler_of_another_department_is_refused(client, world, people, case_in):
    case = case_in("dispatched")
    other = signed_in_as(client, people.other_handler)
    assert other.get(f"/inbox/cases/{case.id}").status_code == 404
    assert act(other, case, "sign", follow=False).status_code == 404
    assert refreshed(case).status == "dispatched"


def test_a_street_action_by_a_handler_is_a_403_page(client, world, people, case_in):
    case = case_in("handled")
    answer = act(signed_in_as(client, people.handler), case, "verify", follow=False, result="pass")
    assert answer.status_code == 403 and "无权" in answer.get_data(as_text=True)
    assert refreshed(case).status == "handled"


def test_a_post_without_the_csrf_token_is_400_and_changes_nothing(client, world, people, case_in):
    case = case_in("pending")
    staff = signed_in_as(client, people.staff_a)
    staff.get(f"/inbox/cases/{case.id}")
    answer = staff.post(f"/inbox/cases/{case.id}/actions", data={"action": "accept"})
    assert answer.status_code == 400 and "请刷新页面后重试" in answer.get_data(as_text=True)
    assert refreshed(case).status == "pending"


# --- acting ----------------------------------------------------------------------------------

def test_an_invalid_transition_shows_the_flash_and_changes_nothing(client, world, people, case_in):
    case = case_in("accepted")
    events, version = len(case.events), case.version
    answer = act(signed_in_as(client, people.staff_a), case, "accept")
    assert answer.status_code == 200 and STALE in answer.get_data(as_text=True)
    case = refreshed(case)
    assert (case.status, case.version, len(case.events)) == ("accepted", version, events)


def test_acting_on_a_stale_page_is_refused_like_a_lost_race(client, world, people, case_in):
    case = case_in("in_progress")
    stale_version = case.version
    staff = signed_in_as(client, people.staff_a)
    act(staff, case, "extend", working_days="1", reason="材料未到")
    # A second tab still shows the page from before the first extension.
    answer = act(staff, case, "extend", working_days="1", reason="再延一天", version=str(stale_version))
    assert STALE in answer.get_data(as_text=True)
    assert refreshed(case).extended_days == 1


def test_dispatching_from_the_page_writes_the_timeline_and_tells_the_reporter(client, world, people, case_in):
    case = case_in("accepted")
    answer = act(signed_in_as(client, people.staff_a), case, "dispatch", department_code="CGZF",
                 note="请今日处理")
    page = answer.get_data(as_text=True)
    assert "已派遣" in page and "派遣至 区城管执法局" in page and "请今日处理" in page
    case = refreshed(case)
    assert (case.status, case.department_code) == ("dispatched", "CGZF") and case.due_at is not None
    dispatch = next(e for e in case.events if e.action == "dispatch")
    # The same after-commit job as the API: the reporter hears of the public step.
    assert db.session.query(Notification).filter(Notification.dedupe_key.startswith(
        f"case_event:{dispatch.id}:")).count() == 1


def test_a_form_mistake_is_a_flash_naming_the_field(client, world, people, case_in):
    case = case_in("pending")
    answer = act(signed_in_as(client, people.staff_a), case, "reject", reason="  ")
    assert "请检查填写内容：原因" in answer.get_data(as_text=True)
    assert refreshed(case).status == "pending"


def test_merging_takes_the_target_by_its_ref(client, world, people, case_in):
    target, case = case_in("accepted"), case_in("pending")
    answer = act(signed_in_as(client, people.staff_a), case, "merge", into_case_id=target.ref)
    assert "已合并到目标案卷" in answer.get_data(as_text=True)
    assert refreshed(case).merged_into_id == target.id


def test_feedback_uploads_the_after_photo_and_shows_it_on_the_timeline(client, world, people, case_in):
    case = case_in("in_progress")
    handler = signed_in_as(client, people.handler)
    answer = act(handler, case, "feedback", note="已疏通", photos=(jpeg(), "after.jpg"))
    page = answer.get_data(as_text=True)
    assert "已提交处置反馈" in page
    case = refreshed(case)
    assert case.status == "handled"
    feedback = next(e for e in case.events if e.action == "feedback")
    photo = db.session.query(Photo).filter_by(case_event_id=feedback.id).one()
    assert photo.user_id == people.handler.id and photo.large_key  # derivatives made by the same job
    assert f"/media/derivatives/{photo.id}/thumb.jpg" in page


def test_feedback_without_a_photo_stores_nothing(client, world, people, case_in):
    case = case_in("in_progress")
    before = db.session.query(Photo).count()
    answer = act(signed_in_as(client, people.handler), case, "feedback", note="已疏通",
                 photos=(io.BytesIO(b""), ""))
    assert "请检查填写内容：处置后照片" in answer.get_data(as_text=True)
    assert refreshed(case).status == "in_progress"
    assert db.session.query(Photo).count() == before
    assert db.session.query(CaseEvent).filter_by(case_id=case.id, action="feedback").count() == 0


def test_a_file_that_is_not_a_photo_is_refused_with_the_upload_services_message(client, world, people, case_in):
    case = case_in("in_progress")
    answer = act(signed_in_as(client, people.handler), case, "feedback", note="已疏通",
                 photos=(io.BytesIO(b"%PDF-1.4 not a photo"), "scan.pdf"))
    assert answer.status_code == 200 and "flash-error" in answer.get_data(as_text=True)
    assert refreshed(case).status == "in_progress"
