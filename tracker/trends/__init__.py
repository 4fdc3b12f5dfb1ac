"""Trends: the home dashboard, trend charts, insights and the therapist summary."""

from flask import Blueprint, Flask

bp = Blueprint("trends", __name__)


def init_app(app: Flask) -> None:
    from . import views  # noqa: F401  (its routes attach to bp)
    from .svg import n1

    app.register_blueprint(bp)
    app.jinja_env.filters["n1"] = n1
