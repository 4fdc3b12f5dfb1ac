"""Routines, appointments, therapists, safety checklist and calendar feed."""

import uuid

from flask import Blueprint, Flask

bp = Blueprint("routines", __name__)


def init_app(app: Flask) -> None:
    from ..core import add_settings_section
    from . import (  # noqa: F401  (their routes attach to the blueprints)
        api,
        appointments,
        cadence,
        calendar,
        routines_api,
        safety,
        therapists,
        views,
    )
    from .home import just_done, routine_home

    app.register_blueprint(bp)
    app.jinja_env.globals["routine_home"] = routine_home
    app.jinja_env.globals["just_done"] = just_done
    app.jinja_env.globals["new_uuid"] = lambda: str(uuid.uuid4())  # idempotent one-tap forms
    app.jinja_env.globals["cadence_text"] = cadence.describe
    app.jinja_env.globals["safety_checklist"] = safety.checklist
    app.jinja_env.globals["safety_advisory"] = safety.advisory
    add_settings_section(app, "routines/_settings_section.html", 30)
