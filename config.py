"""Configuration classes, every value read from the environment when instantiated.

`MICROGRID_ENV` picks the class: development (default), testing or production.
Values are read in __init__ (not at import) so a process, or a test, that sets the
environment before create_app() gets what it set. Production refuses to start
without its secrets rather than run on a default.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def env(name, default=None):
    value = os.environ.get(name)
    return value if value not in (None, "") else default


class Config:
    ENV_NAME = "base"
    DEFAULT_DATABASE_URL = f"sqlite:///{INSTANCE_DIR / 'microgrid.db'}"

    def __init__(self):
        self.SECRET_KEY = env("SECRET_KEY", "dev-only-not-secret")
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
        self.WECHAT_PUSH_TOKEN = env("WECHAT_PUSH_TOKEN", "dev-push-token")
        # wx.uploadFile practically tops out near 10 MB per file.
        self.MAX_CONTENT_LENGTH = int(env("MAX_UPLOAD_BYTES", 10 * 1024 * 1024))
        self.MAX_IMAGE_PIXELS = int(env("MAX_IMAGE_PIXELS", 40_000_000))
        self.TOKEN_TTL_SECONDS = int(env("TOKEN_TTL_SECONDS", 7 * 24 * 3600))
        self.TIMEZONE = env("TIMEZONE", "Asia/Shanghai")
        self.AUTH_RATE_LIMIT = env("AUTH_RATE_LIMIT", "30 per minute")
        self.USE_FAKE_WECHAT = False
        self.JSON_AS_ASCII = False

    def check(self):
        """Raise when the environment cannot run this configuration."""


class DevelopmentConfig(Config):
    ENV_NAME = "development"

    def __init__(self):
        super().__init__()
        # The built-in fake WeChat serves development only while no real app id is set.
        self.USE_FAKE_WECHAT = self.WECHAT_APPID is None
        self.DEMO_STAFF_PASSWORD = env("DEMO_STAFF_PASSWORD", "jinshan-demo")


class TestConfig(Config):
    ENV_NAME = "testing"
    DEFAULT_DATABASE_URL = "sqlite://"

    def __init__(self):
        super().__init__()
        self.TESTING = True
        self.SECRET_KEY = "test-secret-key"
        self.AUTH_RATE_LIMIT = "10000 per minute"  # the rate-limit tests set their own
        # Tests opt in to Redis per test; the environment's REDIS_URL is for fixtures.
        self.REDIS_URL = None


class ProductionConfig(Config):
    ENV_NAME = "production"
    REQUIRED = ("SECRET_KEY", "DATABASE_URL", "WECHAT_APPID", "WECHAT_SECRET")

    def check(self):
        missing = [name for name in self.REQUIRED if env(name) is None]
        if missing:
            raise RuntimeError("production configuration is missing: " + ", ".join(missing))


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
