"""The statistics domain's periodic task: keep the daily rollup caught up (rollup.py)."""
from app.jobs import sweeper
from app.stats import rollup


def roll_up(now):
    return rollup.catch_up(now)


def register(app):
    sweeper.register_periodic(app, roll_up)
