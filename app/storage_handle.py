"""The app's storage backend, built from configuration on first use (one per app)."""
from flask import current_app

from app.storage import make_storage


class StorageHandle:
    def init_app(self, app):
        app.extensions["storage"] = {"backend": None}

    @property
    def backend(self):
        state = current_app.extensions["storage"]
        if state["backend"] is None:
            state["backend"] = make_storage(current_app.config)
        return state["backend"]
