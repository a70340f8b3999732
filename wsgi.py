"""The app for WSGI servers (`gunicorn wsgi:app`) and the flask command (`FLASK_APP=wsgi.py`).

A server must name its environment unless it listens on loopback only: without
MICROGRID_ENV the app would be development (fake WeChat, unchecked photos, demo logins).
"""
import click

from app import create_app
from config import refuse_implicit_development


def check_environment_is_named():
    command = click.get_current_context(silent=True)
    if command is None:
        # Imported by a WSGI server: where it listens is its business, so ask always.
        refuse_implicit_development(None)
    elif command.info_name == "run":
        refuse_implicit_development(command.params.get("host"))
    # Other flask commands (db upgrade, seed, worker) listen nowhere.


check_environment_is_named()
app = create_app()
