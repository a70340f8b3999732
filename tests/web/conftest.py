"""Browser tests: the app on a live HTTP server, driven by headless Chromium.

Fixtures
- live_server: the suite's app (same database as the `app` fixture, emptied after
  each test) served on http://127.0.0.1:<free port>; use `live_server.url + "/inbox/login"`.
  Data a test makes must be committed before the browser asks for it.
- live_server_factory: `start(**config_overrides)` serves a fresh make_app(...) instead,
  for a test that needs other configuration.
- browser_page: a Playwright page (1366×768, zh-CN, Asia/Shanghai) in its own browser
  context, so no cookies leak between tests. Requests to anything but 127.0.0.1 are
  aborted: map tiles and other outside resources never load in tests. A screenshot of
  the page is saved to test-artifacts/screenshots/<test name>.png when the test ends,
  pass or fail. `js_errors` lists uncaught JavaScript errors on the page and whatever
  the Content-Security-Policy refused (Chromium reports those on the console).
- sign_in: `sign_in(username, password)` fills in and submits /inbox/login in browser_page.

Chromium is Debian's /usr/bin/chromium (MICROGRID_CHROMIUM overrides), never a
Playwright download. Without it browser tests skip, or fail under
MICROGRID_REQUIRE_SERVICES=1 (as in .ci/run). Mark them @pytest.mark.browser.
"""
import os
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from app.core.extensions import db
from tests.conftest import service_missing
from tests.factories import make_staff

CHROMIUM = os.environ.get("MICROGRID_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 768}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


class LiveServer:
    """A werkzeug server for one app, in a daemon thread, on a free loopback port."""

    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="live-server", daemon=True)
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture(scope="session")
def _suite_live_server(base_app):
    server = LiveServer(base_app)
    yield server
    server.stop()


@pytest.fixture
def live_server(app, _suite_live_server):
    """The suite's app over HTTP. Depends on `app`: a clean database, emptied afterwards."""
    return _suite_live_server


@pytest.fixture
def live_server_factory(app, make_app):
    servers = []

    def start(**overrides):
        server = LiveServer(make_app(**overrides))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
        with server.app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def chromium_executable():
    if not os.path.exists(CHROMIUM):
        service_missing(f"needs Chromium at {CHROMIUM}: apt-get install -y chromium (never `playwright install`)")
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(chromium_executable):
    """One headless Chromium per test module.

    Module scope, not session: the Playwright sync API keeps an asyncio loop marked
    running in this thread while it is started, which breaks asyncio.run() in any test
    that would run after it. launch() gives Chromium a fresh temporary user-data dir
    and deletes it on close.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_missing("needs the playwright package: pip install -r requirements-dev.txt")

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def js_errors():
    return []


@pytest.fixture
def browser_page(request, browser, live_server, js_errors):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.route("**/*", _only_loopback)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("pageerror", lambda error: js_errors.append(str(error)))
    page.on("console", lambda message: _keep_csp_violation(message, js_errors))
    yield page
    _save_screenshot(page, request.node.name)
    context.close()


def _keep_csp_violation(message, js_errors):
    if message.type == "error" and "Content Security Policy" in message.text:
        js_errors.append(message.text)


def _only_loopback(route):
    if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
        route.continue_()
    else:
        route.abort("blockedbyclient")


def _save_screenshot(page, test_name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / (re.sub(r"[^\w.\-\[\]]+", "_", test_name) + ".png")
    try:
        page.screenshot(path=str(path), full_page=True)
    except Exception as exc:  # a closed or crashed page must not hide the test's own result
        print(f"no screenshot for {test_name}: {exc}")


@pytest.fixture
def sign_in(browser_page, live_server):
    def sign_in_as(username, password):
        browser_page.goto(live_server.url + "/inbox/login")
        browser_page.get_by_label("用户名").fill(username)
        browser_page.get_by_label("密码").fill(password)
        browser_page.get_by_role("button", name="登录").click()
        browser_page.wait_for_load_state()
        return browser_page

    return sign_in_as


@pytest.fixture
def zhang(world):
    """A street staff member with make_staff's default password."""
    user = make_staff(username="zhang")
    db.session.commit()
    return user
