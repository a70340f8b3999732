"""The application factory: a table of contents of extensions, blueprints, handlers and CLI."""
import logging

from flask import Flask

from config import INSTANCE_DIR, config_for


def create_app(env_name=None, overrides=None):
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.from_object(config_for(env_name))
    app.config.update(overrides or {})
    app.json.ensure_ascii = False
    configure_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_staff_authenticator(app)
    register_cli(app)
    from app.errors import register_error_handlers

    register_error_handlers(app)
    return app


def configure_logging(app):
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def register_extensions(app):
    from app.extensions import db, limiter, migrate, queue, storage, wechat

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        INSTANCE_DIR.mkdir(exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    queue.init_app(app)
    wechat.init_app(app)
    storage.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    # With Redis down, count in memory rather than refuse every sign-in.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    limiter.init_app(app)
    import app.models  # noqa: F401  every model, so Alembic and create_all see them


def register_blueprints(app):
    from app.accounts.views import bp as accounts_bp
    from app.cases.views import bp as inbox_bp, ratings_bp
    from app.catalog.views import bp as catalog_bp
    from app.grid.views import bp as grid_bp
    from app.health import bp as health_bp
    from app.moderation.views import bp as moderation_bp
    from app.reports.media import bp as media_bp
    from app.reports.views import bp as reports_bp
    from app.web.views import bp as web_bp

    for bp in (health_bp, grid_bp, catalog_bp, accounts_bp, media_bp, moderation_bp, reports_bp,
               inbox_bp, ratings_bp):
        app.register_blueprint(bp)
    app.register_blueprint(web_bp)
    from app.patrols.views import bp as patrols_bp
    from app.web.patrols import bp as web_patrols_bp
    from app.web.cases import bp as web_cases_bp

    for bp in (patrols_bp, web_patrols_bp, web_cases_bp):
        app.register_blueprint(bp)


def register_staff_authenticator(app):
    from app.accounts.service import web_authenticator

    app.extensions.setdefault("staff_authenticator", web_authenticator)


def register_cli(app):
    from app.accounts.cli import users_cli
    from app.cases.cli import cases_cli
    from app.catalog.cli import seed_command
    from app.demo import demo_command
    from app.grid.cli import grid_cli
    from app.worker import sweep_command, worker_command

    for command in (seed_command, grid_cli, demo_command, users_cli, worker_command, sweep_command,
                    cases_cli):
        app.cli.add_command(command)
