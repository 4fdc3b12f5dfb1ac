"""Settings: create, list and revoke personal API tokens (the raw value is shown once)."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..extensions import db, limiter
from ..models import ApiToken
from ..models.token import READ, SCOPES
from . import bp
from .tokens import new_token
from .views import _user_key

LABEL_MAX = 80
TOKENS_MAX = 20


@bp.app_template_global()
def api_tokens() -> list[ApiToken]:
    """The current user's tokens, newest first, for the settings section."""
    return list(
        db.session.scalars(
            db.select(ApiToken)
            .where(ApiToken.user_id == current_user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def label_errors(label: str) -> list[str]:
    if not label:
        return ["Give the token a label, e.g. “Shortcuts on my phone”."]
    if len(label) > LABEL_MAX:
        return [f"Use at most {LABEL_MAX} characters; this is {len(label)}."]
    if len(api_tokens()) >= TOKENS_MAX:
        return [f"You already have {TOKENS_MAX} tokens. Revoke one you no longer use first."]
    return []


@bp.app_context_processor
def _token_scopes() -> dict:
    return {"token_scopes": SCOPES}


@bp.route("/settings/tokens", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", key_func=_user_key, methods=["POST"])
def api_tokens_page():
    if request.method == "GET":
        return render_template("accounts/tokens.html", errors=[], label="", scope=READ)
    label = request.form.get("label", "").strip()
    # Least privilege when a client leaves the choice out (the form always sends one).
    scope = request.form.get("scope", READ)
    errors = label_errors(label) or ([] if scope in SCOPES else ["Choose what the token may do."])
    if errors:
        page = render_template("accounts/tokens.html", errors=errors, label=label, scope=scope)
        return page, 422
    token, raw = new_token(current_user, label, scope)
    db.session.commit()
    response = make_response(render_template("accounts/token_created.html", token=token, raw=raw))
    # The raw token is in this page only; keep it out of every cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/settings/tokens/<int:token_id>/revoke")
@login_required
def revoke_api_token(token_id: int):
    token = db.session.scalar(
        db.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == current_user.id)
    )
    if token is None:
        abort(404)
    db.session.delete(token)
    db.session.commit()
    flash(f"Token “{token.label}” revoked. Scripts using it can no longer sign in.", "success")
    return redirect(url_for("accounts.api_tokens_page"))
