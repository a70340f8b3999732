"""The app's storage backend, built from configuration on first use (one per process)."""
from app.storage import make_storage


class StorageHandle:
    def init_app(self, app):
        app.extensions["storage"] = self
        self.app = app
        self._backend = None

    @property
    def backend(self):
        if self._backend is None:
            self._backend = make_storage(self.app.config)
        return self._backend
