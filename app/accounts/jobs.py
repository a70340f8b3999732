"""The accounts domain's periodic task: forget staff web sessions long dead."""
from app.accounts.web_sessions import delete_dead_sessions
from app.jobs import sweeper


def register(app):
    sweeper.register_periodic(app, delete_dead_sessions)
