"""Trends: the home dashboard, trend charts, insights and the therapist summary."""

from flask import Blueprint, Flask

bp = Blueprint("trends", __name__)

from . import views  # noqa: E402,F401


def init_app(app: Flask) -> None:
    from .svg import n1

    app.register_blueprint(bp)
    app.jinja_env.filters["n1"] = n1
