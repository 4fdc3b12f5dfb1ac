"""Reminders: planner, dispatcher, the one push send path, clock process, views."""

from flask import Blueprint, Flask

bp = Blueprint("reminders", __name__)


def init_app(app: Flask) -> None:
    from .keys import push_cli

    app.register_blueprint(bp)
    app.cli.add_command(push_cli)
