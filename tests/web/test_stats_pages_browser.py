"""The statistics overview in headless Chromium: the district admin sees the table of streets,
sorts it, opens a street's cases from it, and gets the trend charts, the category top-10 and
the choropleth of cells, at office (1366×768) and phone (390×844) sizes."""
import pytest

from tests.factories import make_staff
from tests.stats.conftest import MAY, frozen, may  # noqa: F401  (fixtures)
from tests.web.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"
OVERVIEW = "/inbox/stats/?from={from}&to={to}".format(**MAY)


def snapshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"stats_{name}.png"), full_page=True)


@pytest.fixture
def admin_page(may, frozen, sign_in, live_server, browser_page):  # noqa: F811
    from app.core.extensions import db

    make_staff(None, role="admin", username="district-web")
    db.session.commit()
    sign_in("district-web", PASSWORD)
    browser_page.goto(live_server.url + OVERVIEW)
    browser_page.wait_for_selector("[data-charts-ready='1']")
    return browser_page


def column_of(page, title):
    headers = page.locator(".stats-table thead th").all_inner_texts()
    return headers.index(title)


def cell(page, row_label, title):
    index = column_of(page, title)
    row = page.locator(".stats-table tbody tr", has_text=row_label)
    return row.locator("td").nth(index).inner_text().strip()


def test_the_overview_shows_every_street_with_its_main_indicators(admin_page, js_errors):
    page = admin_page
    assert page.locator(".stats-table tbody tr").count() == 11
    assert cell(page, "朱泾镇", "立案数") == "5"
    assert cell(page, "朱泾镇", "结案率") == "50.0%"
    assert cell(page, "枫泾镇", "按期结案率") == "50.0%"
    assert page.locator(".stats-total").inner_text().split()[:3] == ["合计", "12", "7"]
    assert js_errors == []


def test_sorting_by_a_column_puts_the_busiest_street_first(admin_page):
    page = admin_page
    page.locator(".stats-table thead th", has_text="受理数").click()
    assert page.locator(".stats-table tbody tr").first.locator("td").first.inner_text() == "朱泾镇"
    page.locator(".stats-table thead th", has_text="受理数").click()
    assert page.locator(".stats-table thead th", has_text="受理数").get_attribute("aria-sort") == "ascending"


def test_charts_and_the_cell_choropleth_are_drawn_from_the_grid(admin_page, js_errors):
    page = admin_page
    for chart in ("chart-daily", "chart-weekly", "chart-categories", "chart-cells"):
        assert page.locator(f"#{chart} canvas").count() >= 1, chart
    cells = page.evaluate("window.microgrid.charts['chart-cells'].getOption().series[0].data")
    assert len(cells) == 8 and max(c["value"] for c in cells) == 3  # 朱泾镇测试网格1: cases 1, 2 and 6
    categories = page.evaluate("window.microgrid.charts['chart-categories'].getOption().series[0].data")
    assert sorted(categories) == [3, 4]
    snapshot(page, "overview_1366")
    assert js_errors == []


def test_the_overview_works_on_a_phone(admin_page, js_errors):
    page = admin_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)  # the charts resize on the window's resize event
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"
    assert page.locator("#chart-cells canvas").bounding_box()["width"] <= 370
    snapshot(page, "overview_390")
    assert js_errors == []


def test_a_street_row_opens_its_cases_for_the_period(admin_page):
    page = admin_page
    page.locator(".stats-table tbody tr", has_text="朱泾镇").get_by_role("link").click()
    page.wait_for_load_state()
    assert "street=310116101" in page.url and "created_from=2024-05-01" in page.url
    refs = page.locator(".case-table tbody tr").count()
    assert refs == 7  # cases 1, 2, 3, 4, 6, 7, 8 were reported in May in 朱泾镇
    assert page.locator("select[name=street]").input_value() == "310116101"
