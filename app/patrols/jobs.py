"""The patrol domain's periodic task: the day's missing cells after the cut-off."""
from app.jobs import sweeper
from app.patrols.service import record_missing_patrols


def register(app):
    sweeper.register_periodic(app, record_missing_patrols)
