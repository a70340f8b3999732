"""The application factory: a table of contents of extensions, domains, blueprints and CLI.

Domains are listed in dependency order (the packages form a DAG, tests/test_layout.py
says so); each domain with background work registers its follow-ups and periodic
tasks in its jobs.register(app).
"""
import logging

from flask import Flask

from app.accounts import cli as accounts_cli
from app.accounts import jobs as accounts_jobs
from app.accounts import models as accounts_models
from app.accounts import views as accounts_views
from app.cases import cli as cases_cli
from app.cases import jobs as cases_jobs
from app.cases import models as cases_models
from app.cases import views as cases_views
from app.catalog import cli as catalog_cli
from app.catalog import models as catalog_models
from app.catalog import views as catalog_views
from app.core import security
from app.core.errors import register_error_handlers
from app.core.extensions import db, limiter, migrate, queue, storage, wechat
from app.core.requests import register_input_checks
from app.grid import cli as grid_cli
from app.grid import models as grid_models
from app.grid import views as grid_views
from app.jobs import followups, sweeper
from app.jobs import worker as jobs_worker
from app.moderation import views as moderation_views
from app.notifications import cli as notifications_cli
from app.notifications import jobs as notifications_jobs
from app.notifications import models as notifications_models
from app.ops import demo as ops_demo
from app.ops import health as ops_health
from app.patrols import jobs as patrols_jobs
from app.patrols import models as patrols_models
from app.patrols import views as patrols_views
from app.photos import jobs as photos_jobs
from app.photos import models as photos_models
from app.photos import views as photos_views
from app.reports import jobs as reports_jobs
from app.reports import models as reports_models
from app.reports import views as reports_views
from app.stats import cli as stats_cli
from app.stats import jobs as stats_jobs
from app.stats import models as stats_models
from app.stats import views as stats_views
from app.web import cases as web_cases
from app.web import patrols as web_patrols
from app.web import stats as web_stats
from app.web import views as web_views
from config import INSTANCE_DIR, config_for

# Every model module, so Alembic and create_all see the whole schema wherever the app starts.
MODELS = (grid_models, catalog_models, accounts_models, photos_models, reports_models, cases_models,
          notifications_models, patrols_models, stats_models)
BLUEPRINTS = (ops_health.bp, grid_views.bp, catalog_views.bp, accounts_views.bp, photos_views.bp,
              moderation_views.bp, reports_views.bp, cases_views.bp, cases_views.ratings_bp,
              patrols_views.bp, stats_views.bp, web_views.bp, web_patrols.bp, web_cases.bp, web_stats.bp)
JOBS = (accounts_jobs, photos_jobs, reports_jobs, cases_jobs, notifications_jobs, patrols_jobs, stats_jobs)
COMMANDS = (catalog_cli.seed_command, grid_cli.grid_cli, ops_demo.demo_command, accounts_cli.users_cli,
            jobs_worker.worker_command, jobs_worker.sweep_command, cases_cli.cases_cli,
            notifications_cli.notifications_cli, stats_cli.stats_cli)


def create_app(env_name=None, overrides=None):
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.from_object(config_for(env_name))
    app.config.update(overrides or {})
    app.json.ensure_ascii = False
    configure_logging(app)
    register_extensions(app)
    register_jobs(app)
    register_input_checks(app)  # before the blueprints: their routes use its <int:…> converter
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    for command in COMMANDS:
        app.cli.add_command(command)
    register_error_handlers(app)
    return app


def configure_logging(app):
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def register_extensions(app):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        INSTANCE_DIR.mkdir(exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    for extension in (queue, wechat, storage, followups, sweeper):
        extension.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    # With Redis down, count in memory rather than refuse every sign-in.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    limiter.init_app(app)
    security.init_app(app)


def register_jobs(app):
    for domain in JOBS:
        domain.register(app)
