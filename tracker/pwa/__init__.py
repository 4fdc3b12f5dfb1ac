"""PWA shell: manifest, service worker at root scope, offline page, fingerprinted static files."""

from flask import Blueprint, Flask

bp = Blueprint("pwa", __name__)

def init_app(app: Flask) -> None:
    from . import assets, views  # noqa: F401  (views' routes attach to bp)

    assets.init_app(app)
    app.register_blueprint(bp)
