"""Accounts: register, log in, sign-ins, password reset, settings, export and delete."""

from flask import Blueprint, Flask

bp = Blueprint("accounts", __name__)


def init_app(app: Flask) -> None:
    from ..extensions import login_manager, mail

    # The *_views modules are imported for their routes, which attach to bp.
    from . import (  # noqa: F401
        activity,
        recovery_views,
        settings_views,
        signin_views,
        signins,
        token_views,
        views,
    )
    from .cli import users_cli

    login_manager.user_loader(signins.load_user)
    mail.init_app(app)
    app.cli.add_command(users_cli)
    activity.init_app(app)
    app.register_blueprint(bp)
