"""Reminders: planner, dispatcher, the one push send path, clock process, views."""

from flask import Blueprint, Flask

bp = Blueprint("reminders", __name__)


def init_app(app: Flask) -> None:
    from ..core import add_settings_page, add_settings_section
    from . import actions, actpage, api, health, views  # noqa: F401  (their routes attach to the blueprints)
    from .clock import reminders_cli
    from .keys import push_cli
    from .receivers import connect

    app.register_blueprint(bp)
    app.cli.add_command(push_cli)
    app.cli.add_command(reminders_cli)
    add_settings_page(
        app,
        "reminders",
        "Reminders and quiet hours",
        "Which reminders, when, and when to keep quiet",
        20,
        "reminders.preferences",
    )
    add_settings_page(app, "devices", "Devices", "Phones and computers that get reminders", 30)
    add_settings_section(app, "reminders/_settings_section.html", 30, page="devices")
    connect()
