"""Routines, appointments, therapists, safety checklist and calendar feed."""

from flask import Blueprint, Flask

bp = Blueprint("routines", __name__)


def init_app(app: Flask) -> None:
    from ..core import add_settings_section
    from . import api, appointments, cadence, calendar, safety, therapists, views  # noqa: F401
    from .home import routine_home

    app.register_blueprint(bp)
    app.jinja_env.globals["routine_home"] = routine_home
    app.jinja_env.globals["cadence_text"] = cadence.describe
    app.jinja_env.globals["safety_checklist"] = safety.checklist
    app.jinja_env.globals["safety_advisory"] = safety.advisory
    add_settings_section(app, "routines/_settings_section.html", 30)
