"""Accounts: register, log in, settings, export and delete."""

from flask import Blueprint, Flask

bp = Blueprint("accounts", __name__)

from . import token_views, views  # noqa: E402,F401  (routes attach to bp)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
