"""Sleep on nights without a massage: one editable SleepLog per user per night."""

from __future__ import annotations

from datetime import date, time, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from .. import timeutil
from ..extensions import db
from ..models import MassageSession, SleepLog
from . import bp
from .forms import SLEEP_LABELS
from .schema import SCALES, Invalid, missing, parse_day, parse_hours, parse_int


def last_night(zone: str) -> date:
    return timeutil.today_in(zone) - timedelta(days=1)


def clean(data: dict, user) -> tuple[dict, dict[str, list[str]]]:
    """Validate {"night", "quality", "hours"}; night defaults to last night in the user's zone."""
    out: dict = {}
    errors: dict[str, list[str]] = {}
    try:
        night = (
            last_night(user.timezone) if missing(data.get("night")) else parse_day(data["night"])
        )
        if night > timeutil.today_in(user.timezone):
            raise Invalid("Can't be a night in the future.")
        if night.year < 1970:
            raise Invalid("Must be after 1970.")
        out["night"] = night
    except Invalid as problem:
        errors["night"] = [str(problem)]
    try:
        if missing(data.get("quality")):
            raise Invalid("This field is required.")
        out["quality"] = parse_int(data["quality"], *SCALES["sleep_quality"])
    except Invalid as problem:
        errors["quality"] = [str(problem)]
    try:
        out["hours"] = None if missing(data.get("hours")) else parse_hours(data["hours"])
    except Invalid as problem:
        errors["hours"] = [str(problem)]
    return out, errors


def find(user_id: int, night: date) -> SleepLog | None:
    return db.session.scalar(
        db.select(SleepLog).where(SleepLog.user_id == user_id, SleepLog.night == night)
    )


def upsert(user_id: int, night: date, quality: int, hours: float | None) -> tuple[SleepLog, bool]:
    """Create or overwrite that night's entry; returns (row, created). The caller commits."""
    row = find(user_id, night)
    if row is None:
        row = SleepLog(user_id=user_id, night=night, quality=quality, hours=hours)
        try:
            # Two devices logging the same night at once: one insert wins, the other updates.
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
            return row, True
        except IntegrityError:
            row = find(user_id, night)
            if row is None:
                raise
    row.quality, row.hours = quality, hours
    return row, False


def to_json(row: SleepLog) -> dict:
    return {
        "night": row.night.isoformat(),
        "quality": row.quality,
        "hours": row.hours,
        "updated_at": timeutil.iso(row.updated_at),
    }


def session_that_evening(user, night: date) -> MassageSession | None:
    """A massage on that day already has sleep fields; point the user there instead."""
    start = timeutil.local_to_utc(night, time(0), user.timezone)
    end = timeutil.local_to_utc(night + timedelta(days=1), time(0), user.timezone)
    return db.session.scalar(
        db.select(MassageSession)
        .where(
            MassageSession.user_id == user.id,
            MassageSession.deleted_at.is_(None),
            MassageSession.occurred_at >= start,
            MassageSession.occurred_at < end,
        )
        .order_by(MassageSession.occurred_at.desc())
        .limit(1)
    )


@bp.route("/sleep", methods=["GET", "POST"])
@login_required
def log_sleep():
    """Log (or correct) one night's sleep."""
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values, errors = clean(request.form, current_user)
        if not errors:
            _, created = upsert(current_user.id, **values)
            db.session.commit()
            flash("Sleep saved." if created else "Sleep updated.", "success")
            return redirect(url_for("logbook.log_sleep"))
        form = request.form
    else:
        try:
            night = parse_day(request.args["night"]) if "night" in request.args else None
        except Invalid:
            night = None
        night = night or last_night(current_user.timezone)
        row = find(current_user.id, night)
        form = {"night": night.isoformat(), "quality": row.quality if row else None,
                "hours": row.hours if row and row.hours is not None else ""}  # fmt: skip
    recent = db.session.scalars(
        db.select(SleepLog)
        .where(SleepLog.user_id == current_user.id)
        .order_by(SleepLog.night.desc())
        .limit(14)
    )
    try:
        chosen = parse_day(form.get("night"))
        evening = session_that_evening(current_user, chosen)
    except Invalid:
        evening = None
    status = 422 if errors else 200
    return render_template(
        "logbook/sleep.html", form=form, errors=errors, recent=list(recent),
        labels=SLEEP_LABELS, evening=evening,
    ), status  # fmt: skip
