"""Dashboard and trends pages."""

from flask import render_template
from flask_login import login_required

from . import bp


@bp.get("/")
@login_required
def dashboard():
    return render_template("trends/dashboard.html")


@bp.get("/trends")
@login_required
def trends():
    return render_template("trends/trends.html")
