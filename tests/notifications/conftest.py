import pytest

TEMPLATE_ID = "tmpl-report-status-0001"


@pytest.fixture
def templates(app, monkeypatch):
    """The report-status template configured, as production configures it."""
    monkeypatch.setitem(app.config, "WECHAT_TEMPLATE_REPORT_STATUS", TEMPLATE_ID)
    return TEMPLATE_ID


