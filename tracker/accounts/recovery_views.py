"""The ways back in and out by mail: "Forgot password?", the reset link, and the link that
confirms a new email address. Each view commits before it sends (mail.send_after_commit)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, logout_user

from ..extensions import db, limiter
from ..models import User
from . import bp, links, mail, signins
from .forms import ConfirmForm, ForgotForm, ResetForm


def _forgot_key() -> str:
    """Per address, so nobody can fill someone's inbox with reset mails."""
    return "forgot:" + User.normalise_email(request.form.get("email", ""))


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("3 per hour", key_func=_forgot_key, methods=["POST"])
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        email = User.normalise_email(form.email.data)
        user = User.by_email(email)
        messages = []
        if user is not None:
            link = links.external_url("accounts.reset_password", token=links.reset_token(user))
            messages.append(
                mail.compose(user.email, "Reset your Back Relief password", "reset", link=link)
            )
        # The same page whether or not the address has an account, and whether the mail
        # server took the mail or not: the answer must not tell who has an account.
        mail.send_after_commit(*messages)
        return render_template("accounts/forgot.html", form=form, sent_to=email)
    return render_template("accounts/forgot.html", form=form, sent_to=None)


def _link_is_dead(what: str):
    return render_template("accounts/link_invalid.html", what=what), 404


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = links.user_for_reset(token)
    if user is None:
        return _link_is_dead("reset")
    form = ResetForm()
    if form.validate_on_submit():
        user.set_password(form.new.data)  # which also kills this link and any other
        # Whoever took the password may be signed in anywhere, this browser included.
        signins.end_all(user)
        if current_user.is_authenticated and current_user.id == user.id:
            logout_user()
        db.session.commit()
        flash("Password changed, and every device signed out. Log in with the new one.", "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form, email=user.email)


@bp.route("/settings/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """Public like the reset link: the link may be opened on a device that is not signed in.
    The token (mailed to the new address) is the credential; it names the account."""
    change = links.email_change_for(token)
    if change is None:
        return _link_is_dead("email")
    user, new_email = change
    form = ConfirmForm()
    if form.validate_on_submit():
        taken = User.by_email(new_email)
        if taken is not None and taken.id != user.id:
            form.form_errors.append("Another account has taken this address in the meantime.")
        else:
            old_email, user.email = user.email, new_email
            here = current_user.is_authenticated and current_user.id == user.id
            # A sign-in made with the old identity may be someone else's: end all but this.
            ended = signins.end_others(user) if here else signins.end_all(user)
            notice = mail.compose(
                old_email, "Your Back Relief email was changed", "email_changed", new=new_email
            )
            mail.send_after_commit(notice)
            others = (
                f" Signed out {ended} other device{'' if ended == 1 else 's'}." if ended else ""
            )
            flash(f"Your email is now {new_email}.{others}", "success")
            return redirect(
                url_for("accounts.settings_account") if here else url_for("accounts.login")
            )
    return render_template("accounts/email_confirm.html", form=form, new_email=new_email)
