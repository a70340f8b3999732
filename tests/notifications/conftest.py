import pytest

TEMPLATE_ID = "tmpl-report-status-0001"


@pytest.fixture
def templates(app, monkeypatch):
    """The report-status template configured, as production configures it."""
    monkeypatch.setitem(app.config, "WECHAT_TEMPLATE_REPORT_STATUS", TEMPLATE_ID)
    return TEMPLATE_ID


@pytest.fixture
def fake_wechat(wechat_server):
    """The session's fake WeChat, its records and injections cleared around each test."""
    for record in (wechat_server.requests, wechat_server.sent_messages, wechat_server.media_checks):
        record.clear()
    yield wechat_server
    # An injection a failing test did not use up must not fail the next test's call.
    wechat_server.clear_injections()
