"""Settings: a hub of short pages, each with at most one form to save (issue #15).

Capabilities list their pages with core.add_settings_page and fill them with
core.add_settings_section; a page without an endpoint of its own is served here.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from .. import timeutil
from ..extensions import db
from ..models import Appointment
from ..signals import preferences_changed
from . import bp
from .forms import ProfileForm

# Pages this module serves at /settings/<slug>, endpoint accounts.settings_<slug>.
HOSTED = ("account", "devices", "signins", "calendar", "safety", "share-links")


@bp.record_once
def _register_pages(state) -> None:
    from ..core import add_settings_page, add_settings_section

    app = state.app
    add_settings_page(
        app, "profile", "Profile and time zone", "Your time zone", 10, "accounts.profile"
    )
    add_settings_page(app, "signins", "Signed-in devices", "Where you are logged in", 40)
    add_settings_page(app, "account", "Account", "Email and password", 80)
    add_settings_page(
        app, "tokens", "API tokens", "For scripts and other apps", 90, "accounts.api_tokens_page"
    )
    add_settings_section(app, "accounts/_account_section.html", 10, page="account")
    add_settings_section(app, "accounts/_data_section.html", 90, page="data")


def settings_pages() -> list[dict]:
    """The hub's rows, in order, each with its URL."""
    rows = []
    for _, slug, title, hint, endpoint in current_app.extensions.get("settings_pages", []):
        url = url_for(endpoint or "accounts." + page_endpoint(slug))
        rows.append({"slug": slug, "title": title, "hint": hint, "url": url})
    return rows


@bp.get("/settings")
@login_required
def settings():
    return render_template("accounts/settings.html", pages=settings_pages())


def page_endpoint(slug: str) -> str:
    return "settings_" + slug.replace("-", "_")


def _hosted_view(slug: str):
    @login_required
    def view():
        page = next((p for p in settings_pages() if p["slug"] == slug), None)
        if page is None:
            abort(404)  # the capability that fills this page is not installed
        return render_template("accounts/settings_page.html", page=page)

    return view


# One plain rule per page (no URL argument), so the route guard treats each as a page.
for _slug in HOSTED:
    bp.add_url_rule(f"/settings/{_slug}", page_endpoint(_slug), _hosted_view(_slug))


@bp.route("/settings/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        old_zone, new_zone = current_user.timezone, form.timezone.data
        current_user.timezone = new_zone
        if old_zone != new_zone:
            preferences_changed.send(current_user._get_current_object(), zone_changed=True)
        db.session.commit()
        flash(zone_note(old_zone, new_zone), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form)


def _day(value) -> str:
    return f"{value:%a} {value.day} {value:%b}"


def zone_note(old_zone: str, new_zone: str) -> str:
    """What a time-zone change does to what the user sees. Appointments keep their instant
    (stored in UTC); only the clock they are shown in changes, so say so with the next one."""
    if old_zone == new_zone:
        return "Settings saved."
    note = f"Time zone saved. Times are now shown in {new_zone}."
    upcoming = db.session.scalar(
        db.select(Appointment)
        .where(
            Appointment.user_id == current_user.id,
            Appointment.status == "booked",
            Appointment.starts_at > timeutil.now(),
        )
        .order_by(Appointment.starts_at)
        .limit(1)
    )
    if upcoming is None:
        return note
    new = timeutil.to_local(upcoming.starts_at, new_zone)
    old = timeutil.to_local(upcoming.starts_at, old_zone)
    if new.replace(tzinfo=None) == old.replace(tzinfo=None):
        return note + f" Your appointment on {_day(new)} still shows as {new:%H:%M}."
    was = f"{old:%H:%M}" if old.date() == new.date() else f"{_day(old)} {old:%H:%M}"
    return note + (
        f" Your appointment on {_day(new)} now shows as {new:%H:%M}"
        f" (was {was} in {old_zone}): it has not moved, only the clock it is shown in."
    )
