"""Accounts: register, log in, sign-ins, settings, export and delete."""

from flask import Blueprint, Flask

bp = Blueprint("accounts", __name__)


def init_app(app: Flask) -> None:
    from ..extensions import login_manager

    # The *_views modules are imported for their routes, which attach to bp.
    from . import activity, signin_views, signins, token_views, views  # noqa: F401

    login_manager.user_loader(signins.load_user)
    activity.init_app(app)
    app.register_blueprint(bp)
