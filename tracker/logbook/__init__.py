"""Session log: forms, history, sleep and water, CSV, and the /api/v1 JSON API."""

from flask import Blueprint, Flask

bp = Blueprint("logbook", __name__)


def init_app(app: Flask) -> None:
    from ..core import add_settings_section
    from . import api, sleep, views  # noqa: F401  (their routes attach to the blueprints)

    app.before_request_funcs.setdefault(None, []).insert(0, views.allow_large_csv)
    app.register_blueprint(bp)
    add_settings_section(app, "logbook/_settings_section.html", 40, page="data")
