import pytest

from wechat import WeChatClient
from wechat.fake.server import FakeWeChatServer

APPID = "wx0123456789abcdef"
# Distinctive so a leak into logs or exception text is easy to spot.
SECRET = "s3cr3t-app-secret-4f1d"


@pytest.fixture
def appid():
    return APPID


@pytest.fixture
def app_secret():
    return SECRET


@pytest.fixture
def fake_wechat():
    with FakeWeChatServer(APPID, SECRET) as server:
        yield server


@pytest.fixture
def make_client(fake_wechat):
    """A client for the fake; keyword arguments override the defaults."""

    def make(**overrides):
        arguments = {"appid": APPID, "secret": SECRET, "api_base": fake_wechat.base_url, "timeout": 2}
        arguments.update(overrides)
        return WeChatClient(**arguments)

    return make


@pytest.fixture
def wechat_client(make_client):
    return make_client()


@pytest.fixture
def alice_openid(fake_wechat):
    return fake_wechat.openid_for("alice")
