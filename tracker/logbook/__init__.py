"""Session log: forms, history and the JSON API."""

from flask import Blueprint, Flask, render_template
from flask_login import login_required

bp = Blueprint("logbook", __name__)


@bp.get("/sessions/new")
@login_required
def new_session():
    return render_template("logbook/new.html")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
