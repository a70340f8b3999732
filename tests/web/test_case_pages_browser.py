"""A case goes from report to closed entirely through the web pages, in headless Chromium,
while the reporter's own view (GET /api/v1/reports/<id>) follows along.

The report comes in through the real API (upload, then POST /api/v1/reports with an
Idempotency-Key; jobs run inline), then street staff and the department's handler do
every step in the browser.
"""
import io
import uuid

import pytest
from PIL import Image

from app.core.extensions import db
from tests.factories import STREET_A, make_case, make_staff
from tests.web.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"  # make_staff's default


def jpeg_bytes(colour):
    out = io.BytesIO()
    Image.new("RGB", (800, 600), colour).save(out, "JPEG")
    return out.getvalue()


class Reporter:
    """A resident on the mini-program: files the report and reads its status, via the API."""

    def __init__(self, client, world):
        self.client, self.world = client, world
        token = client.post("/api/v1/auth/wechat", json={"code": "web-e2e-reporter"}).json["token"]
        self.headers = {"Authorization": f"Bearer {token}"}

    def report(self):
        upload = self.client.post("/api/v1/uploads", headers=self.headers, content_type="multipart/form-data",
                                  data={"file": (io.BytesIO(jpeg_bytes((150, 120, 90))), "IMG_0001.jpg")})
        assert upload.status_code == 201, upload.json
        body = {"category_code": "E0102", "description": "路口垃圾暴露，无人清运",
                "location": self.world.location(self.world.cell_a), "photo_ids": [upload.json["id"]]}
        answer = self.client.post("/api/v1/reports", json=body,
                                  headers={**self.headers, "Idempotency-Key": uuid.uuid4().hex})
        assert answer.status_code == 202, answer.json
        self.report_id = answer.json["id"]

    def view(self):
        db.session.expire_all()  # the browser's requests changed rows behind this thread's session
        answer = self.client.get(f"/api/v1/reports/{self.report_id}", headers=self.headers)
        assert answer.status_code == 200, answer.json
        return answer.json


def snapshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"case_pages_{name}.png"), full_page=True)


def flash(page):
    return page.locator(".flashes").inner_text()


def open_case_list(page):
    page.locator(".nav").get_by_role("link", name="案卷").click()
    page.wait_for_url("**/inbox/cases/")


def test_a_case_goes_from_report_to_closed_through_the_web_pages(
        browser_page, live_server, sign_in, client, world, js_errors):
    make_staff(STREET_A, username="staff-a")
    make_staff(None, role="dept", department_code="LHSR", username="lhsr-1")
    make_case(world.cell_a)  # an older drain case the filter has to leave out
    db.session.commit()
    reporter = Reporter(client, world)
    reporter.report()
    assert reporter.view()["status"] == "pending"
    page = browser_page

    # Street staff: the list, its counters, a filter, the map, then the case.
    sign_in("staff-a", PASSWORD)
    open_case_list(page)
    assert page.locator('[data-counter="new"] .counter-value').inner_text() == "2"
    assert page.locator("tr[data-case]").count() == 2
    page.locator('select[name="category"]').select_option("E0102")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**category=E0102**")
    assert page.locator("tr[data-case]").count() == 1
    page.locator(".map-toggle summary").click()
    page.locator("#cases-map .leaflet-marker-icon").wait_for()
    snapshot(page, "1_staff_list")
    page.locator("tr[data-case] .case-ref").click()
    page.wait_for_url("**/inbox/cases/*")
    ref = page.locator("h1").inner_text().split()[0]
    assert ref.startswith("AJ") and page.title() == f"{ref} · 金山微网格"
    assert page.locator(".report img").count() == 1  # the reporter's photo, as a thumbnail
    snapshot(page, "2_staff_pending")

    page.get_by_role("button", name="受理立案").click()
    assert "已受理立案" in flash(page)
    assert reporter.view()["status"] == "accepted"

    assert page.locator('select[name="department_code"]').input_value() == "LHSR"  # the category's own
    page.locator('form[data-action="dispatch"] textarea[name="note"]').fill("请今日清运")
    page.get_by_role("button", name="派遣").click()
    assert "已派遣" in flash(page)
    timeline = page.locator(".timeline").inner_text()
    assert "派遣至 区绿化市容局" in timeline and "请今日清运" in timeline
    assert reporter.view()["status"] == "dispatched"
    snapshot(page, "3_staff_dispatched")
    case_url = page.url

    # The department's handler: the sign-for queue, sign, feed back with an after-photo.
    page.get_by_role("button", name="退出").click()
    sign_in("lhsr-1", PASSWORD)
    open_case_list(page)
    waiting = page.locator('[data-section="待签收"]')
    assert waiting.locator(".case-ref").inner_text() == ref
    snapshot(page, "4_handler_list")
    waiting.locator(".case-ref").click()
    page.get_by_role("button", name="签收").click()
    assert "已签收" in flash(page)
    assert reporter.view()["status"] == "in_progress"

    snapshot(page, "5_handler_in_progress")
    page.locator('form[data-action="feedback"] textarea[name="note"]').fill("已清运完毕")
    page.locator('input[name="photos"]').set_input_files(
        files=[{"name": "after.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes((60, 140, 80))}])
    page.get_by_role("button", name="提交处置反馈").click()
    assert "已提交处置反馈" in flash(page)
    assert page.locator('.timeline-item[data-action="feedback"] img').count() == 1
    assert reporter.view()["status"] == "handled"

    # Street staff verify on site and close.
    page.get_by_role("button", name="退出").click()
    sign_in("staff-a", PASSWORD)
    page.goto(case_url)
    page.locator('form[data-action="verify"] textarea[name="note"]').fill("现场核查通过")
    page.get_by_role("button", name="核查通过，结案").click()
    assert "核查通过，已结案" in flash(page)
    assert page.locator("h1 .status-badge").inner_text() == "已结案"
    snapshot(page, "6_staff_closed")

    view = reporter.view()
    assert view["status"] == "closed"
    assert [t["status"] for t in view["timeline"]] == ["received", "pending", "accepted", "dispatched", "closed"]
    assert "请今日清运" not in str(view)  # staff instructions stay internal
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    assert js_errors == []
