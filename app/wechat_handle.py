"""The app's one WeChat client, built from configuration on first use.

In development without WECHAT_APPID the built-in fake WeChat API is started and
used, so the whole mini-program flow works with no WeChat account. Production
refuses the fake (config check), and tests point WECHAT_API_BASE at their own fake.
"""
from flask import current_app

from wechat import MemoryCache, WeChatClient

DEV_APPID = "wxdevfake0000000000"
DEV_SECRET = "dev-fake-secret"


class WeChatHandle:
    """The extension object; each app keeps its own client in app.extensions."""

    def init_app(self, app):
        app.extensions["wechat"] = {"client": None}

    @property
    def client(self):
        state = current_app.extensions["wechat"]
        if state["client"] is None:
            state["client"] = build_client(current_app.config)
        return state["client"]


def build_client(config):
    if config.get("USE_FAKE_WECHAT"):
        from wechat.fake_server import start_dev_server

        base = start_dev_server(DEV_APPID, DEV_SECRET)
        return WeChatClient(DEV_APPID, DEV_SECRET, base, cache=MemoryCache())
    from app.extensions import queue

    cache = queue.redis if not queue.is_inline else MemoryCache()
    return WeChatClient(config["WECHAT_APPID"], config["WECHAT_SECRET"], config["WECHAT_API_BASE"], cache=cache)
