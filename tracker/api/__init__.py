"""The one /api/v1 blueprint, its authentication, JSON errors and list parameters.

Each capability attaches its own endpoints to `bp` from its own `api.py`
(routines/api.py, logbook/api.py, reminders/api.py); `create_app` registers the blueprint
after every capability's `init_app` has imported them.
"""

from flask import Blueprint, Flask

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    from . import auth

    auth.init_app(app)
    app.register_blueprint(bp)
