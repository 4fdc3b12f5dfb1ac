"""Trends: the home dashboard and the trend views."""

from flask import Blueprint, Flask

bp = Blueprint("trends", __name__)

from . import views  # noqa: E402,F401


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
