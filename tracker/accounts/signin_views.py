"""Settings: the browsers signed in to this account, and signing them out."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user, login_required, logout_user

from ..extensions import db
from ..models import SignIn
from . import bp, signins


@bp.record_once
def _register_section(state) -> None:
    from ..core import add_settings_section

    add_settings_section(state.app, "accounts/_signins.html", 60, page="signins")


@bp.app_template_global()
def signed_in_devices() -> list[SignIn]:
    """The current user's live sign-ins, most recently seen first."""
    return signins.live_signins(current_user)


@bp.post("/settings/signins/<int:signin_id>/end")
@login_required
def end_signin(signin_id: int):
    signin = db.session.scalar(
        db.select(SignIn).where(
            SignIn.id == signin_id, SignIn.user_id == current_user.id, SignIn.ended_at.is_(None)
        )
    )
    if signin is None:
        abort(404)
    signins.end(signin)
    if current_user.current_signin is not None and signin.id == current_user.current_signin.id:
        logout_user()
        db.session.commit()
        flash("You are logged out.", "info")
        return redirect(url_for("accounts.login"))
    db.session.commit()
    flash(f"Signed out {signin.label}.", "success")
    return redirect(url_for("accounts.settings_signins"))


@bp.post("/settings/signins/end-others")
@login_required
def end_other_signins():
    ended = signins.end_others(current_user)
    db.session.commit()
    noun = "device" if ended == 1 else "devices"
    flash(
        f"Signed out {ended} other {noun}." if ended else "No other device was signed in.", "info"
    )
    return redirect(url_for("accounts.settings_signins"))
