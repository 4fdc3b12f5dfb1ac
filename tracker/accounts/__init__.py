"""Accounts: register, log in, settings, export and delete."""

from flask import Blueprint, Flask

bp = Blueprint("accounts", __name__)

def init_app(app: Flask) -> None:
    from . import token_views, views  # noqa: F401  (their routes attach to bp)

    app.register_blueprint(bp)
