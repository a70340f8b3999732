"""A per-app object built from configuration on first use (storage backend, WeChat client).

State lives in app.extensions, read through current_app, so several apps in one
process never share a backend or a client built from another app's settings.
"""
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app


class AppHandle:
    def __init__(self, name: str, build: Callable[[Any], Any]):
        self.name = name
        self.build = build

    def init_app(self, app: Flask) -> None:
        app.extensions[self.name] = {"object": None}

    def get(self) -> Any:
        state = current_app.extensions[self.name]
        if state["object"] is None:
            state["object"] = self.build(current_app.config)
        return state["object"]
