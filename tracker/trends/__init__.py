"""Trends: the home dashboard, trend charts, insights and the therapist summary."""

from flask import Blueprint, Flask

bp = Blueprint("trends", __name__)


def init_app(app: Flask) -> None:
    from ..core import add_settings_page, add_settings_section
    from . import share, views, year  # noqa: F401  (their routes attach to bp)
    from .svg import n1

    app.register_blueprint(bp)
    app.jinja_env.filters["n1"] = n1
    add_settings_page(app, "share-links", "Share links", "Summary links for your therapist", 95)
    add_settings_section(app, "trends/_share_links.html", 65, page="share-links")
