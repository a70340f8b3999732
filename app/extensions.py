"""Extension objects, created unbound and bound in create_app()."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

from app.queue import JobQueue
from app.storage_handle import StorageHandle
from app.timestamps import UTCDateTime
from app.wechat_handle import WeChatHandle

# Named constraints so Alembic migrations behave the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}



def render_migration_item(kind, obj, autogen_context):
    """Write our column types into migrations as the plain SQLAlchemy types they store."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate(compare_type=True, render_as_batch=True, render_item=render_migration_item)
queue = JobQueue()
wechat = WeChatHandle()
limiter = Limiter(key_func=get_remote_address, headers_enabled=True)
storage = StorageHandle()
