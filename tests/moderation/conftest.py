import pytest


@pytest.fixture
def media_check_on(app, monkeypatch):
    """Production's setting: photos checked by WeChat, fetched from our public address."""
    monkeypatch.setitem(app.config, "WECHAT_MEDIA_CHECK", "on")
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://grid.example.cn/")
    return "https://grid.example.cn"
