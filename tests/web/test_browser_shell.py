"""The inbox shell in a real browser: Chinese sign-in page, vendored scripts, maps, errors."""
import pytest

from app.core.extensions import db
from app.grid.datum import to_gcj02
from tests.factories import make_staff

pytestmark = pytest.mark.browser


def test_the_login_page_renders_in_chinese_at_1366x768(browser_page, live_server, js_errors):
    page = browser_page
    answer = page.goto(live_server.url + "/inbox/login")
    assert answer.status == 200
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert page.title() == "登录 · 金山微网格"
    assert page.locator(".brand").inner_text() == "金山微网格 · 街镇网格化中心"
    assert page.get_by_label("用户名").is_visible()
    assert page.get_by_label("密码").is_visible()
    assert page.get_by_role("button", name="登录").is_visible()
    token = page.locator('input[type=hidden][name="csrf_token"]')
    assert len(token.get_attribute("value")) >= 32
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    assert page.locator(".login-card").bounding_box()["y"] + 400 < 768  # the form is above the fold
    assert js_errors == []


def test_htmx_and_leaflet_are_loaded_from_the_app_itself(browser_page, live_server, js_errors):
    page = browser_page
    scripts = []
    page.on("response", lambda response: scripts.append((response.url, response.status)))
    page.goto(live_server.url + "/inbox/login")
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("typeof window.L") == "object"
    assert page.evaluate("window.htmx.version").startswith("2.")
    assert page.evaluate("window.L.version") == "1.9.4"
    vendored = {url.split("/inbox/static/")[1]: status for url, status in scripts if "/inbox/static/" in url}
    assert vendored["vendor/htmx/htmx.min.js"] == 200
    assert vendored["vendor/leaflet/leaflet.js"] == 200
    assert vendored["vendor/leaflet/leaflet.css"] == 200
    assert all(url.startswith(live_server.url) for url, _ in scripts)
    assert js_errors == []


def test_a_wrong_password_shows_the_error_on_the_form(browser_page, sign_in):
    page = sign_in("zhang", "wrong")
    assert page.get_by_role("alert").inner_text() == "用户名或密码错误"
    assert page.get_by_label("用户名").input_value() == "zhang"


def test_staff_with_the_right_password_reach_the_home_page_and_can_sign_out(browser_page, sign_in, world):
    make_staff(username="zhang", password="right-password")
    db.session.commit()
    page = sign_in("zhang", "right-password")
    assert page.url.endswith("/inbox/")
    assert "登录成功" in page.locator(".flashes").inner_text()
    assert page.locator(".account-name").inner_text() == "zhang"
    assert [link.inner_text() for link in page.locator(".nav-link").all()] == ["案卷", "巡查", "统计", "地图"]
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/inbox/login")
    assert "您已退出登录" in page.locator(".flashes").inner_text()


def test_the_map_demo_draws_one_marker_per_street(browser_page, live_server, js_errors):
    page = browser_page
    page.goto(live_server.url + "/inbox/map-demo")
    page.wait_for_function("window.microgrid && window.microgrid.maps['demo-map']")
    assert page.locator("#demo-map .leaflet-marker-icon").count() == 11
    # Marker images come from the vendored Leaflet, found through leaflet.css.
    page.wait_for_function("[...document.querySelectorAll('.leaflet-marker-icon')].every(i => i.naturalWidth > 0)")
    assert js_errors == []


def test_with_chinese_tiles_markers_are_drawn_in_gcj02(browser_page, live_server_factory):
    server = live_server_factory(MAP_TILE_DATUM="gcj02", MAP_TILE_URL="http://127.0.0.1:9/{z}/{x}/{y}.png")
    page = browser_page
    page.goto(server.url + "/inbox/map-demo")
    page.wait_for_function("window.microgrid && window.microgrid.maps['demo-map']")
    drawn = page.evaluate(
        """() => { const found = [];
             window.microgrid.maps['demo-map'].eachLayer(l => { if (l.getLatLng && l.getTooltip())
               found.push([l.getTooltip().getContent(), l.getLatLng().lat, l.getLatLng().lng]); });
             return found; }"""
    )
    by_name = {name: (lat, lng) for name, lat, lng in drawn}
    assert by_name["石化街道"] == pytest.approx(to_gcj02(30.720, 121.330), abs=1e-6)
    assert page.locator("#demo-map").get_attribute("data-datum") == "gcj02"


def test_an_unknown_inbox_page_is_a_chinese_404_page(browser_page, live_server):
    page = browser_page
    answer = page.goto(live_server.url + "/inbox/no-such-page")
    assert answer.status == 404
    assert page.locator("h1").inner_text() == "页面不存在"
    assert page.get_by_role("link", name="返回工作台").is_visible()


def test_the_pages_policy_stops_an_inline_script_and_the_suite_hears_of_it(
        browser_page, live_server_factory, js_errors):
    server = live_server_factory()
    inline = '<!doctype html><title>x</title><p style="color: red">x</p><script>window.ran = true</script>'
    server.app.add_url_rule("/inbox/test-inline", "web.test_inline", lambda: inline)
    browser_page.goto(server.url + "/inbox/test-inline")
    assert browser_page.evaluate("window.ran === undefined")
    assert browser_page.evaluate("getComputedStyle(document.querySelector('p')).color") != "rgb(255, 0, 0)"
    assert any("Content Security Policy" in error for error in js_errors)
