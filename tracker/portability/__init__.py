"""Portability: import wizard, JSON backup restore, FHIR export and the `data` CLI.

It sits on top of the other capabilities (like the API): it reuses the logbook's CSV
reader and validator and the accounts' table walk rather than copying them.
"""

from flask import Blueprint, Flask

bp = Blueprint("portability", __name__)


def init_app(app: Flask) -> None:
    from ..core import add_settings_page
    from . import cli, views

    app.before_request_funcs.setdefault(None, []).insert(0, views.allow_large_upload)
    app.register_blueprint(bp)
    app.cli.add_command(cli.data)
    add_settings_page(
        app, "data", "Data", "Export, import, delete your account", 60, "portability.data_page"
    )
