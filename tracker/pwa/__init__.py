"""PWA shell: manifest, service worker at root scope, offline page, fingerprinted static files."""

from flask import Blueprint, Flask

bp = Blueprint("pwa", __name__)


def init_app(app: Flask) -> None:
    from . import assets, views  # importing views attaches its routes to bp

    assets.init_app(app)
    # base.html: the page scripts (one list with the worker's precache) and the queue's account.
    app.jinja_env.globals.update(
        shell_scripts=views.PAGE_SCRIPTS, outbox_account=views.outbox_account
    )
    app.register_blueprint(bp)
