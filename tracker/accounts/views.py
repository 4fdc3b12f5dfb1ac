"""Account routes. Each view commits at most once."""

from __future__ import annotations

import json
import time

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user
from flask_wtf.csrf import generate_csrf

from .. import timeutil
from ..extensions import db, limiter
from ..models import User
from ..values import local_path
from . import bp, links, login_guard, mail, signins
from .data import delete_user, export_user
from .forms import DeleteForm, EmailChangeForm, LoginForm, PasswordForm, RegisterForm


def _user_key() -> str:
    return f"user:{current_user.id}"  # get_id() names the sign-in, not the account


def safe_next(target: str | None) -> str:
    """Only local paths: no scheme, no host, no protocol-relative or backslash tricks."""
    return local_path(target, url_for("trends.dashboard"))


@bp.errorhandler(429)
def too_many(error):
    limit = limiter.current_limit
    wait = max(1, int(limit.reset_at - time.time())) if limit else 60
    return render_template("accounts/limited.html", wait=wait), 429


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("trends.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        if User.by_email(form.email.data):
            form.email.errors.append("An account with this email already exists. Log in instead?")
        else:
            user = User(email=User.normalise_email(form.email.data), timezone=form.timezone.data)
            user.set_password(form.password.data)
            db.session.add(user)
            db.session.flush()
            signins.sign_in(user, remember=True)
            login_guard.remember_device(user.email)
            db.session.commit()
            # No flash: the welcome page's own heading greets them.
            return redirect(url_for("welcome.onboarding"))
    return render_template("accounts/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per 15 minutes", methods=["POST"])
# Per account for strangers, and per device on a browser that has logged in to the account
# before, so strangers using up the account's budget don't lock its owner out (login_guard).
@limiter.limit(
    "5 per 15 minutes",
    key_func=login_guard.account_key,
    methods=["POST"],
    exempt_when=login_guard.known_device,
)
@limiter.limit(
    "10 per 15 minutes",
    key_func=login_guard.device_key,
    methods=["POST"],
    exempt_when=lambda: not login_guard.known_device(),
)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = login_guard.authenticate(form.email.data, form.password.data)
        if user is not None:
            signins.sign_in(user, remember=form.remember.data)
            login_guard.remember_device(user.email)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")))
        form.password.errors.append("That email and password do not match.")
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout():
    # End the sign-in on the server too: a copy of this browser's cookies is refused from now.
    if current_user.is_authenticated and current_user.current_signin is not None:
        signins.end(current_user.current_signin)
    logout_user()
    db.session.commit()
    flash("You are logged out.", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/settings/password", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", key_func=_user_key, methods=["POST"])
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append("Your current password is not correct.")
        else:
            current_user.set_password(form.new.data)
            # Whoever knew the old password may be signed in elsewhere: sign them out.
            ended = signins.end_others(current_user)
            db.session.commit()
            others = (
                f" Signed out {ended} other device{'' if ended == 1 else 's'}." if ended else ""
            )
            flash("Password changed." + others, "success")
            return redirect(url_for("accounts.settings_account"))
    return render_template("accounts/password.html", form=form)


@bp.route("/settings/email", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", key_func=_user_key, methods=["POST"])
def change_email():
    form = EmailChangeForm()
    if form.validate_on_submit():
        existing = User.by_email(form.email.data)
        if not current_user.check_password(form.password.data):
            form.password.errors.append("Your password is not correct.")
        elif existing and existing.id != current_user.id:
            form.email.errors.append("An account with this email already exists.")
        elif User.normalise_email(form.email.data) == current_user.email:
            form.email.errors.append("This is already your email.")
        else:
            # Nothing changes until the new address proves it is theirs (links.py).
            new = User.normalise_email(form.email.data)
            token = links.email_token(current_user, new)
            link = links.external_url("accounts.confirm_email", token=token)
            message = mail.compose(
                new, "Confirm your new email for Back Relief", "email_confirm", link=link
            )
            mail.send_after_commit(message)
            flash(
                f"We sent a link to {new}. Your email changes when you open it (within an hour).",
                "info",
            )
            return redirect(url_for("accounts.settings_account"))
    return render_template("accounts/email.html", form=form)


@bp.get("/settings/export.json")
@login_required
def export_json():
    payload = {
        "format": "back-relief-export",
        "version": 1,
        "exported_at": timeutil.iso(timeutil.now()),
        "tables": export_user(current_user.id),
    }
    stamp = timeutil.today_in(current_user.timezone).isoformat()
    return Response(
        json.dumps(payload, indent=2, sort_keys=True),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="back-relief-{stamp}.json"'},
    )


@bp.route("/settings/delete", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", key_func=_user_key, methods=["POST"])  # it checks the password
def delete_account():
    form = DeleteForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.password.data):
            form.password.errors.append("Your password is not correct. Nothing was deleted.")
        else:
            user_id = current_user.id
            logout_user()
            delete_user(user_id)  # its sign-ins too: no cookie of this account opens anything
            db.session.commit()
            flash("Your account and all its data have been deleted.", "info")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/delete.html", form=form)


@bp.app_context_processor
def inject_csrf():
    return {"csrf_token_value": generate_csrf}
