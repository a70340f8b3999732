"""The patrol page in a real browser: today's compliance per community, the date picker, the week table."""
from datetime import timedelta

import pytest

from app.core.extensions import db
from tests.factories import make_collector
from tests.patrols.conftest import TODAY, make_patrol

# The browser fixtures live with the web shell's tests; borrowed here, not copied.
from tests.web.conftest import (  # noqa: F401
    _suite_live_server,
    browser,
    browser_page,
    chromium_executable,
    js_errors,
    live_server,
    sign_in,
)

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"  # tests.factories.make_staff's default


@pytest.fixture
def patrolled_street(world, staff_a):
    cells = sorted(c for c in world.cells if c.startswith(world.street_a))
    walker, quiet = make_collector(cells[0], "o-walker"), make_collector(cells[1], "o-quiet")
    make_patrol(walker, cells[0], zero_report=False)
    make_patrol(quiet, cells[1], zero_report=True)
    for back in (1, 2):
        make_patrol(quiet, cells[1], TODAY - timedelta(days=back), zero_report=True)
        make_patrol(walker, cells[0], TODAY - timedelta(days=back), zero_report=False)
    make_patrol(walker, cells[2], TODAY - timedelta(days=1), zero_report=False)
    db.session.commit()
    return cells


def test_on_the_patrol_page_staff_see_today_pick_another_day_and_read_the_week(
        browser_page, live_server, sign_in, clock, staff_a, patrolled_street, js_errors):
    cells = patrolled_street
    sign_in(staff_a.username, PASSWORD)
    page = browser_page
    page.goto(live_server.url + "/inbox/patrols/")
    assert page.title() == "巡查考核 · 金山微网格"
    assert page.locator("h1").inner_text() == "巡查考核 · 朱泾镇"

    tiles = page.locator(".patrol-cell")
    assert [t.get_attribute("data-status") for t in tiles.all()] == ["patrolled", "zero_report", "missing", "missing"]
    assert tiles.nth(0).inner_text().split() == ["001", "已巡查"]
    colours = {t.get_attribute("data-status"): t.evaluate("e => getComputedStyle(e).backgroundColor")
               for t in tiles.all()}
    assert len(set(colours.values())) == 3  # each status its own colour
    assert "未巡查 2 / 共 4 个子网格" in page.locator(".patrol-counts").inner_text()

    week = page.locator(".week-table")
    assert week.locator("thead th").all_inner_texts()[1].startswith("05-02")
    row = week.locator("tbody tr").first
    assert row.locator("th").inner_text() == "朱泾镇测试村"
    assert row.locator("td").all_inner_texts() == ["0/4", "0/4", "0/4", "0/4", "2/4", "3/4", "2/4"]

    page.locator("input[type=date]").fill((TODAY - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="查看").click()
    page.wait_for_url("**/inbox/patrols/?date=2024-05-07")
    assert [t.get_attribute("data-status") for t in page.locator(".patrol-cell").all()] == [
        "patrolled", "zero_report", "patrolled", "missing"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    assert js_errors == []
    assert cells  # the fixture's cells, in code order, are the tiles' order
