"""Session log: forms, history, sleep and water, CSV, and the /api/v1 JSON API."""

from flask import Blueprint, Flask

bp = Blueprint("logbook", __name__)

from . import sleep, views  # noqa: E402,F401  (routes attach to bp)


def init_app(app: Flask) -> None:
    from ..core import add_settings_section
    from . import api  # noqa: F401  (its endpoints attach to the API blueprint)

    app.before_request_funcs.setdefault(None, []).insert(0, views.allow_large_csv)
    app.register_blueprint(bp)
    add_settings_section(app, "logbook/_settings_section.html", 40)
