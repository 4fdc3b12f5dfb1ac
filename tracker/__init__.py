"""Back Relief: a massage-routine tracker with push reminders."""

from __future__ import annotations

import importlib
import logging
import os
import sys
from pathlib import Path

from flask import Flask

from . import config as config_module
from .extensions import csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# One package per capability; each exposes init_app(app) for its blueprint, hooks and CLI.
CAPABILITIES = ("accounts", "routines", "logbook", "reminders", "trends", "pwa", "portability")


def create_app(config: dict | None = None) -> Flask:
    """Application factory: config, extensions, blueprints, CLI."""
    instance_path = Path(os.environ.get("INSTANCE_PATH", PROJECT_ROOT / "instance"))
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        static_folder=str(PROJECT_ROOT / "static"),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.update(config_module.load(instance_path, config))
    _configure_logging(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    from . import models  # noqa: F401  (register every table with the metadata)
    from .core import init_app as init_core
    from .labels import init_app as init_labels

    init_core(app)
    init_labels(app)
    for name in CAPABILITIES:
        importlib.import_module(f"{__name__}.{name}").init_app(app)
    # Last: every capability has attached its endpoints to the API blueprint by now.
    from .api import init_app as init_api

    init_api(app)
    return app


def _configure_logging(app: Flask) -> None:
    if not app.testing:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        app.logger.handlers[:] = [handler]
        app.logger.setLevel(logging.INFO)
        # Its own handler is enough: a root handler (the clock configures one for APScheduler)
        # would print every tracker.* line twice.
        app.logger.propagate = False
