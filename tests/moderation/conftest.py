import pytest


@pytest.fixture
def fake_wechat(wechat_server):
    """The session's fake WeChat, its records and injections cleared around each test."""
    for record in (wechat_server.requests, wechat_server.sent_messages, wechat_server.media_checks):
        record.clear()
    yield wechat_server
    # An injection a failing test did not use up must not fail the next test's call.
    wechat_server.clear_injections()


@pytest.fixture
def media_check_on(app, monkeypatch):
    """Production's setting: photos checked by WeChat, fetched from our public address."""
    monkeypatch.setitem(app.config, "WECHAT_MEDIA_CHECK", "on")
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://grid.example.cn/")
    return "https://grid.example.cn"
