"""PWA shell: manifest, service worker at root scope, offline page, fingerprinted static files."""

from flask import Blueprint, Flask

bp = Blueprint("pwa", __name__)

from . import views  # noqa: E402,F401


def init_app(app: Flask) -> None:
    from . import assets

    assets.init_app(app)
    app.register_blueprint(bp)
