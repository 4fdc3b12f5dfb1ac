"""Routines, appointments, therapists, safety checklist and calendar feed."""

from flask import Blueprint, Flask, render_template
from flask_login import login_required

bp = Blueprint("routines", __name__)


@bp.get("/routine")
@login_required
def index():
    return render_template("routines/index.html")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
