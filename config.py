"""Configuration classes, every value read from the environment when instantiated.

`MICROGRID_ENV` picks the class: development (default), testing or production.
Values are read in __init__ (not at import) so a process, or a test, that sets the
environment before create_app() gets what it set. Production refuses to start
without its secrets rather than run on a default, and no secret has a public
default outside development and testing: development makes its own SECRET_KEY
once, in instance/secret_key. A server reachable from other machines must name
its environment (refuse_implicit_development, called by wsgi.py).
"""
import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"
SECRET_KEY_FILE = INSTANCE_DIR / "secret_key"
MIN_SECRET_KEY_LENGTH = 32
DEV_PUSH_TOKEN = "dev-push-token"  # the fake WeChat and the tests push with it; never production


def env(name, default=None):
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_ints(name, default):
    """"3,2,1" → (3, 2, 1)."""
    value = env(name)
    return tuple(int(part) for part in value.split(",")) if value else default


def env_flag(name, default):
    """"on"/"off" (also 1/0, true/false, yes/no) → bool."""
    value = env(name)
    return default if value is None else value.strip().lower() in ("1", "on", "true", "yes")


def env_ladder(name, default):
    """"0:phone,3:written" → ((0, "phone"), (3, "written")): thresholds and names."""
    value = env(name)
    if not value:
        return default
    steps = (part.split(":", 1) for part in value.split(","))
    return tuple((int(threshold), level.strip()) for threshold, level in steps)


class Config:
    ENV_NAME = "base"
    DEFAULT_DATABASE_URL = f"sqlite:///{INSTANCE_DIR / 'microgrid.db'}"

    def __init__(self):
        self.SECRET_KEY = env("SECRET_KEY")  # development and testing fill it in; production requires it
        self.SQLALCHEMY_DATABASE_URI = env("DATABASE_URL", self.DEFAULT_DATABASE_URL)
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.REDIS_URL = env("REDIS_URL")
        self.RQ_QUEUE_NAME = env("RQ_QUEUE_NAME", "microgrid")
        self.STORAGE_BACKEND = env("STORAGE_BACKEND", "local")
        self.UPLOAD_DIR = env("UPLOAD_DIR", str(BASE_DIR / "uploads"))
        self.S3_BUCKET = env("S3_BUCKET")
        self.S3_ENDPOINT_URL = env("S3_ENDPOINT_URL")
        self.S3_REGION = env("S3_REGION", "ap-shanghai")
        self.S3_ACCESS_KEY_ID = env("S3_ACCESS_KEY_ID")
        self.S3_SECRET_ACCESS_KEY = env("S3_SECRET_ACCESS_KEY")
        self.WECHAT_APPID = env("WECHAT_APPID")
        self.WECHAT_SECRET = env("WECHAT_SECRET")
        self.WECHAT_API_BASE = env("WECHAT_API_BASE", "https://api.weixin.qq.com/")
        self.WECHAT_PUSH_TOKEN = env("WECHAT_PUSH_TOKEN")  # development and testing fill it in
        # Set, only encrypted (safe-mode) pushes are accepted: plain ones could be forged with the token alone.
        self.WECHAT_PUSH_AES_KEY = env("WECHAT_PUSH_AES_KEY")
        # A signed push older (or newer) than this is refused: a captured one cannot be replayed later.
        self.WECHAT_PUSH_MAX_AGE_SECONDS = int(env("WECHAT_PUSH_MAX_AGE_SECONDS", 300))
        self.WECHAT_TEMPLATE_REPORT_STATUS = env("WECHAT_TEMPLATE_REPORT_STATUS")  # subscribe template id
        self.WECHAT_REPORT_PAGE = env("WECHAT_REPORT_PAGE", "pages/report/detail?id={report_id}")
        self.MINIPROGRAM_STATE = env("MINIPROGRAM_STATE", "formal")  # developer | trial | formal
        self.WECHAT_MEDIA_CHECK = env("WECHAT_MEDIA_CHECK", "on")  # off: photos are shown unchecked
        self.PUBLIC_BASE_URL = env("PUBLIC_BASE_URL")  # e.g. https://grid.example.cn, for URLs WeChat fetches
        # wx.uploadFile practically tops out near 10 MB per file.
        # The request limit sits a little above the photo limit so multipart overhead
        # never turns a just-allowed photo into a 413.
        self.MAX_CONTENT_LENGTH = int(env("MAX_UPLOAD_BYTES", 11 * 1024 * 1024))
        self.MAX_IMAGE_PIXELS = int(env("MAX_IMAGE_PIXELS", 40_000_000))
        self.TOKEN_TTL_SECONDS = int(env("TOKEN_TTL_SECONDS", 7 * 24 * 3600))
        self.TIMEZONE = env("TIMEZONE", "Asia/Shanghai")
        self.AUTH_RATE_LIMIT = env("AUTH_RATE_LIMIT", "30 per minute")
        # Per staff account: this many wrong passwords are free, then each further attempt waits
        # 2, 4, 8 … seconds (at most the maximum) instead of locking the owner out.
        self.STAFF_SIGNIN_FREE_FAILURES = int(env("STAFF_SIGNIN_FREE_FAILURES", 5))
        self.STAFF_SIGNIN_MAX_DELAY_SECONDS = int(env("STAFF_SIGNIN_MAX_DELAY_SECONDS", 900))
        # Staff web sessions live in the database (app/accounts/web_sessions.py); the cookie
        # carries only their random id. The cookie's own signature expires with the session.
        self.WEB_SESSION_IDLE_MINUTES = int(env("WEB_SESSION_IDLE_MINUTES", 60))
        self.WEB_SESSION_MAX_HOURS = float(env("WEB_SESSION_MAX_HOURS", 12))
        self.PERMANENT_SESSION_LIFETIME = timedelta(hours=self.WEB_SESSION_MAX_HOURS)
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = env_flag("SESSION_COOKIE_SECURE", False)
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed (ProxyFix):
        # per-address limits need the client's address, HSTS needs to know the request was HTTPS.
        self.TRUSTED_PROXIES = int(env("TRUSTED_PROXIES", 0))
        self.HSTS_SECONDS = int(env("HSTS_SECONDS", 365 * 24 * 3600))  # sent on HTTPS answers; 0: never
        self.PHOTO_MAX_BYTES = int(env("PHOTO_MAX_BYTES", 10 * 1024 * 1024))
        self.UPLOAD_DAILY_QUOTA = int(env("UPLOAD_DAILY_QUOTA", 200))
        self.DUPLICATE_RADIUS_M = float(env("DUPLICATE_RADIUS_M", 50))
        self.DUPLICATE_WINDOW_HOURS = float(env("DUPLICATE_WINDOW_HOURS", 72))
        # Grid import: how far a unit may stray outside its parent (then it is clipped) and
        # how wide an overlap between siblings may be, before the file is refused.
        self.GRID_TOLERANCE_M = float(env("GRID_TOLERANCE_M", 0.5))
        self.PATROL_SIGNIN_BUFFER_M = float(env("PATROL_SIGNIN_BUFFER_M", 100))  # sign-in this far outside a cell is allowed
        self.PATROL_CUTOFF = env("PATROL_CUTOFF", "20:00")  # local time; cells not patrolled by then are missing
        self.WECHAT_TEMPLATE_PATROL_MISSING = env("WECHAT_TEMPLATE_PATROL_MISSING")  # cell-head notice template id
        self.WECHAT_PATROL_PAGE = env("WECHAT_PATROL_PAGE", "pages/patrol/compliance?community={community_code}&date={date}")
        self.REPORT_SWEEP_AFTER_SECONDS = int(env("REPORT_SWEEP_AFTER_SECONDS", 120))
        self.SWEEP_INTERVAL_SECONDS = int(env("SWEEP_INTERVAL_SECONDS", 60))
        # A notification still waiting this long after it was written or last tried (its
        # job lost, or WeChat busy) is sent again by the sweeper; retries back off from it.
        self.NOTIFICATION_RESEND_AFTER_SECONDS = int(env("NOTIFICATION_RESEND_AFTER_SECONDS", 60))
        # A send still `attempting` this long died mid-way: marked unknown, never re-sent.
        # Keep it well above the WeChat client's timeouts (a token fetch and a send, 5 s each).
        self.NOTIFICATION_UNKNOWN_AFTER_SECONDS = int(env("NOTIFICATION_UNKNOWN_AFTER_SECONDS", 120))
        self.REPORT_DESCRIPTION_MAX = int(env("REPORT_DESCRIPTION_MAX", 500))
        # The case clock, Jinshan's "1、5、15": sign within 1 working day, first handling
        # within 5, completion per category (12 by default) extendable by 3 to 15.
        self.CASE_SIGN_DAYS = int(env("CASE_SIGN_DAYS", 1))
        self.CASE_FIRST_HANDLING_DAYS = int(env("CASE_FIRST_HANDLING_DAYS", 5))
        self.CASE_MAX_EXTENSION_DAYS = int(env("CASE_MAX_EXTENSION_DAYS", 3))
        self.CASE_WORK_START = env("CASE_WORK_START", "09:00")
        self.CASE_WORK_END = env("CASE_WORK_END", "17:00")
        # Working hours (urgent categories) skip the lunch break; CASE_LUNCH_START=none for no break.
        self.CASE_LUNCH_START = env("CASE_LUNCH_START", "12:00")
        self.CASE_LUNCH_END = env("CASE_LUNCH_END", "13:00")
        self.CASE_REMINDER_DAYS = env_ints("CASE_REMINDER_DAYS", (3, 2, 1))  # working days before a due time
        self.CASE_DUE_SOON_DAYS = int(env("CASE_DUE_SOON_DAYS", 1))  # the "due soon" counter's horizon
        # 督办 levels by working days overdue; a case only ever moves up this ladder.
        self.CASE_SUPERVISION_LEVELS = env_ladder(
            "CASE_SUPERVISION_LEVELS", ((0, "phone"), (3, "written"), (5, "on_site"), (10, "meeting")))
        # Staff map tiles. OpenStreetMap is WGS-84; AMap and Tencent tiles are GCJ-02 and need
        # MAP_TILE_DATUM=gcj02, or every point lands ~500 m off (app/web/maps.py).
        self.MAP_TILE_URL = env("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
        self.MAP_TILE_SUBDOMAINS = env("MAP_TILE_SUBDOMAINS", "abc")
        self.MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors')
        self.MAP_TILE_DATUM = env("MAP_TILE_DATUM", "wgs84")
        self.MAP_TILE_MAX_ZOOM = int(env("MAP_TILE_MAX_ZOOM", 18))
        # Assessment statistics (app/stats, docs/STATS.md).
        self.STATS_MAX_RANGE_DAYS = int(env("STATS_MAX_RANGE_DAYS", 1096))  # 3 years, a leap day included
        self.STATS_EARLIEST_DATE = env("STATS_EARLIEST_DATE", "2000-01-01")  # no period starts before it
        self.STATS_REPEAT_MIN_REPORTS = int(env("STATS_REPEAT_MIN_REPORTS", 3))  # reports that make a repeat group
        self.STATS_TOP_N = int(env("STATS_TOP_N", 10))  # 高发问题: top categories and cells
        # 漏报: a public case no patrol of its cell reported first this many days before (0: same day).
        self.STATS_MISSED_WINDOW_DAYS = int(env("STATS_MISSED_WINDOW_DAYS", 1))
        # The daily rollup's trailing window, rebuilt once a local day (app/stats/rollup.py).
        self.STATS_ROLLUP_WINDOW_DAYS = int(env("STATS_ROLLUP_WINDOW_DAYS", 62))
        self.STATS_BULLETIN_LOWEST = int(env("STATS_BULLETIN_LOWEST", 3))  # units the bulletin names
        self.DEMO_STAFF_PASSWORD = env("DEMO_STAFF_PASSWORD", "jinshan-demo")  # `flask demo` logins
        self.USE_FAKE_WECHAT = False

    def check(self):
        """Raise when the environment cannot run this configuration."""


class DevelopmentConfig(Config):
    ENV_NAME = "development"

    def __init__(self):
        super().__init__()
        # The built-in fake WeChat serves development only while no real app id is set.
        self.USE_FAKE_WECHAT = self.WECHAT_APPID is None
        self.SECRET_KEY = self.SECRET_KEY or development_secret_key(SECRET_KEY_FILE)
        self.WECHAT_PUSH_TOKEN = self.WECHAT_PUSH_TOKEN or DEV_PUSH_TOKEN
        # WeChat cannot fetch photos from a laptop, so development shows them unchecked.
        self.WECHAT_MEDIA_CHECK = env("WECHAT_MEDIA_CHECK", "off")


class TestConfig(Config):
    ENV_NAME = "testing"
    DEFAULT_DATABASE_URL = "sqlite://"

    def __init__(self):
        super().__init__()
        self.TESTING = True
        self.SECRET_KEY = "test-secret-key"
        self.WECHAT_PUSH_TOKEN = self.WECHAT_PUSH_TOKEN or DEV_PUSH_TOKEN
        self.AUTH_RATE_LIMIT = "10000 per minute"  # the rate-limit tests set their own
        # Tests opt in to Redis per test; the environment's REDIS_URL is for fixtures.
        self.REDIS_URL = None
        # Photos show unchecked unless a test turns the WeChat image check on (tests/moderation).
        self.WECHAT_MEDIA_CHECK = "off"


class ProductionConfig(Config):
    ENV_NAME = "production"
    REQUIRED = ("SECRET_KEY", "DATABASE_URL", "WECHAT_APPID", "WECHAT_SECRET", "WECHAT_PUSH_TOKEN")

    def __init__(self):
        super().__init__()
        # Staff reach production over HTTPS; the session cookie must never travel in clear.
        self.SESSION_COOKIE_SECURE = env_flag("SESSION_COOKIE_SECURE", True)

    def check(self):
        missing = [name for name in self.REQUIRED if env(name) is None]
        if missing:
            raise RuntimeError("production configuration is missing: " + ", ".join(missing))
        if len(self.SECRET_KEY) < MIN_SECRET_KEY_LENGTH:
            raise RuntimeError(f"SECRET_KEY must have at least {MIN_SECRET_KEY_LENGTH} characters; make one with "
                               "python -c 'import secrets; print(secrets.token_urlsafe(48))'")


def development_secret_key(path):
    """A random key made on first use and kept in `path` (0600), so sessions survive restarts
    and no checkout runs on a key anyone could read in the source."""
    path = Path(path)
    if not path.exists():
        _create_secret_file(path, secrets.token_urlsafe(48))
    return path.read_text().strip()


def _create_secret_file(path, secret):
    # Written aside, then linked into place: a sibling process (the reloader) never reads
    # a half-written key, and the first one to link wins.
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
        out.write(secret)
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()


def refuse_implicit_development(host):
    """Refuse to serve the development default to other machines: `host` is where this process
    will listen (None when a WSGI server such as gunicorn decides). With MICROGRID_ENV unset,
    only a loopback address is allowed; setting it, even to development, is a decision."""
    if env("MICROGRID_ENV") is not None or is_loopback(host):
        return
    where = f"on {host}" if host else "under a WSGI server (gunicorn wsgi:app)"
    raise RuntimeError(f"MICROGRID_ENV is not set: refusing to serve the development configuration {where}. "
                       "Set MICROGRID_ENV=production with its secrets, or MICROGRID_ENV=development "
                       "to serve development on purpose.")


def is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address((host or "").strip("[]")).is_loopback
    except ValueError:
        return False


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestConfig,
    "production": ProductionConfig,
}


def config_for(env_name=None):
    name = env_name or env("MICROGRID_ENV", "development")
    if name not in CONFIGS:
        raise RuntimeError(f"MICROGRID_ENV must be one of {sorted(CONFIGS)}, not {name!r}")
    config = CONFIGS[name]()
    config.check()
    return config
