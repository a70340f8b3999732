"""Extension objects, created unbound and bound in create_app().

Each keeps its state per app (app.extensions): the queue's Redis, the storage
backend and the WeChat client are built from that app's own configuration.
"""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

from app.core.clock import UTCDateTime
from app.core.handles import AppHandle
from app.core.queue import JobQueue
from app.storage import make_storage
from wechat import MemoryCache, WeChatClient
from wechat.fake.server import start_dev_server

# Named constraints so Alembic migrations behave the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# The built-in fake WeChat's own credentials (development without WECHAT_APPID).
DEV_APPID = "wxdevfake0000000000"
DEV_SECRET = "dev-fake-secret"


def render_migration_item(kind, obj, autogen_context):
    """Write our column types into migrations as the plain SQLAlchemy types they store."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def build_wechat_client(config):
    """The real API at WECHAT_API_BASE, or in development the built-in fake WeChat.

    Production refuses the fake (config check); tests point WECHAT_API_BASE at their own.
    """
    if config.get("USE_FAKE_WECHAT"):
        return WeChatClient(DEV_APPID, DEV_SECRET, start_dev_server(DEV_APPID, DEV_SECRET), cache=MemoryCache())
    cache = queue.redis if not queue.is_inline else MemoryCache()
    return WeChatClient(config["WECHAT_APPID"], config["WECHAT_SECRET"], config["WECHAT_API_BASE"], cache=cache)


db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate(compare_type=True, render_as_batch=True, render_item=render_migration_item)
queue = JobQueue()
wechat = AppHandle("wechat", build_wechat_client)
storage = AppHandle("storage", make_storage)
limiter = Limiter(key_func=get_remote_address, headers_enabled=True)
