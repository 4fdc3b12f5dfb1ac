"""Routines, appointments, therapists, safety checklist and calendar feed."""

import uuid

from flask import Blueprint, Flask

bp = Blueprint("routines", __name__)
# The first-run page: its own blueprint, so the Routine tab (any "routines." endpoint) isn't
# marked as the current page while someone is being welcomed.
welcome_bp = Blueprint("welcome", __name__)


def init_app(app: Flask) -> None:
    from ..core import add_settings_page, add_settings_section
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
    app.register_blueprint(welcome_bp)
    app.jinja_env.globals["routine_home"] = routine_home
    app.jinja_env.globals["just_done"] = just_done
    app.jinja_env.globals["new_uuid"] = lambda: str(uuid.uuid4())  # idempotent one-tap forms
    app.jinja_env.globals["cadence_text"] = cadence.describe
    app.jinja_env.globals["safety_checklist"] = safety.checklist
    app.jinja_env.globals["safety_advisory"] = safety.advisory
    add_settings_page(app, "calendar", "Calendar feed", "Appointments in your calendar app", 50)
    add_settings_section(app, "routines/_settings_section.html", 30, page="calendar")
    add_settings_page(app, "safety", "Safety checklist", "Conditions that call for care", 70)
    add_settings_section(app, "routines/_settings_safety.html", 30, page="safety")
