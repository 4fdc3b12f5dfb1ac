"""Share links: a read-only, expiring, revocable link to the therapist summary.

Only the SHA-256 of the token is stored; the raw link is shown once, on the page that made it.
The public page renders the summary with its own template (no app chrome, no scripts) and
never looks at who is signed in.
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import timeutil
from ..extensions import db
from ..models import ShareLink, User
from . import bp, report
from .pages import DEFAULT_RANGE, RANGES

SHARE_DAYS = 7
LINKS_MAX = 10  # live links per account; expired ones are cleared when a new one is made


def _no_index(response):
    # The URL is the credential: keep the page out of every cache and search index.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.app_template_global()
def share_links() -> list[ShareLink]:
    """The current user's share links, newest first, for the settings section."""
    return list(
        db.session.scalars(
            db.select(ShareLink)
            .where(ShareLink.user_id == current_user.id)
            .order_by(ShareLink.created_at.desc(), ShareLink.id.desc())
        )
    )


@bp.app_template_global()
def share_label(link: ShareLink) -> str:
    label = RANGES.get(link.range_key, RANGES[DEFAULT_RANGE])[0]
    return "all time" if link.range_key == "all" else f"the last {label}"


@bp.app_template_global()
def share_expired(link: ShareLink) -> bool:
    return link.expires_at <= timeutil.now()


@bp.post("/trends/summary/share")
@login_required
def create_share():
    range_key, n, all_notes, show_initials = report.options(request.form)
    range_key = range_key or report.DEFAULT_RANGE
    now = timeutil.now()
    db.session.execute(
        db.delete(ShareLink).where(
            ShareLink.user_id == current_user.id, ShareLink.expires_at <= now
        )
    )
    live = db.session.scalar(
        db.select(db.func.count(ShareLink.id)).where(ShareLink.user_id == current_user.id)
    )
    if live >= LINKS_MAX:
        db.session.commit()
        flash(f"You already have {LINKS_MAX} live share links. Revoke one in Settings first.")
        return redirect(url_for("trends.summary", range=range_key))
    raw = ShareLink.new_token()
    link = ShareLink(
        user_id=current_user.id,
        token_hash=ShareLink.hash(raw),
        range_key=range_key,
        sessions=n or report.SUMMARY_DEFAULT,
        all_notes=all_notes,
        show_initials=show_initials,
        expires_at=now + timedelta(days=SHARE_DAYS),
    )
    db.session.add(link)
    db.session.commit()
    back = url_for(
        "trends.summary",
        range=range_key,
        n=link.sessions,
        **({"notes": "all"} if all_notes else {}),
        **({} if show_initials else {"anon": "1"}),
    )
    page = render_template(
        "trends/share_created.html",
        link=link,
        url=url_for("trends.shared_summary", token=raw, _external=True),
        back=back,
    )
    return _no_index(make_response(page))


@bp.get("/share/<token>")
def shared_summary(token: str):
    link = db.session.scalar(
        db.select(ShareLink).where(
            ShareLink.token_hash == ShareLink.hash(token), ShareLink.expires_at > timeutil.now()
        )
    )
    if link is None:
        abort(404)
    owner = db.session.get(User, link.user_id)
    data = report.build(owner, link.range_key, link.sessions, link.all_notes, link.show_initials)
    expires = timeutil.to_local(link.expires_at, owner.timezone)
    page = render_template("trends/shared.html", expires=f"{expires:%a %d %b %Y}", **data)
    return _no_index(make_response(page))


@bp.post("/settings/share-links/<int:link_id>/revoke")
@login_required
def revoke_share(link_id: int):
    link = db.session.scalar(
        db.select(ShareLink).where(ShareLink.id == link_id, ShareLink.user_id == current_user.id)
    )
    if link is None:
        abort(404)
    db.session.delete(link)
    db.session.commit()
    flash("Share link revoked: it no longer opens.")
    return redirect(url_for("accounts.settings_share_links"))
