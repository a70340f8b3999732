"""The app's one WeChat client, built from configuration on first use.

In development without WECHAT_APPID the built-in fake WeChat API is started and
used, so the whole mini-program flow works with no WeChat account. Production
refuses the fake (config check), and tests point WECHAT_API_BASE at their own fake.
"""
from wechat import MemoryCache, WeChatClient

DEV_APPID = "wxdevfake0000000000"
DEV_SECRET = "dev-fake-secret"


class WeChatHandle:
    def init_app(self, app):
        app.extensions["wechat"] = self
        self.app = app
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self._client = self._build()
        return self._client

    def _build(self):
        config = self.app.config
        if config.get("USE_FAKE_WECHAT"):
            from wechat.fake_server import start_dev_server

            base = start_dev_server(DEV_APPID, DEV_SECRET)
            return WeChatClient(DEV_APPID, DEV_SECRET, base, cache=MemoryCache())
        from app.extensions import queue

        cache = queue.redis if not queue.is_inline else MemoryCache()
        return WeChatClient(config["WECHAT_APPID"], config["WECHAT_SECRET"],
                            config["WECHAT_API_BASE"], cache=cache)
