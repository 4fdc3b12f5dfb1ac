"""Water: one row per glass, idempotent on the client's UUID.

Every way to add or undo a glass (the "+1 glass" button on Home, POST /api/v1/water and its
offline replay, the notification's "Drank" action) goes through record_drink / undo_drink,
which send `water_changed` so the water reminders are re-planned in the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from .. import timeutil
from ..extensions import db
from ..models import MassageSession, WaterIntake
from ..signals import water_changed
from . import bp
from .schema import Invalid, parse_uuid


def glasses(n: int) -> str:
    """ "1 glass", "2 glasses" (also the `glasses` template filter)."""
    return f"{n} glass" if n == 1 else f"{n} glasses"


def _existing(user_id: int, client_id: str) -> WaterIntake | None:
    return db.session.scalar(
        db.select(WaterIntake).where(
            WaterIntake.user_id == user_id, WaterIntake.client_id == client_id
        )
    )


def record_drink(
    user_id: int, client_id: str, session_id: int | None, at: datetime
) -> tuple[WaterIntake, bool]:
    """Record one glass; a replay of client_id returns the first row and changes nothing.

    Bumps the session's water_glasses only when the row is new, and only for the user's own
    session (another user's session id is ignored). The caller commits.
    """
    row = _existing(user_id, client_id)
    if row is not None:
        return row, False
    if session_id is not None:
        owned = db.session.scalar(
            db.select(MassageSession.id).where(
                MassageSession.id == session_id, MassageSession.user_id == user_id
            )
        )
        session_id = owned
    row = WaterIntake(user_id=user_id, client_id=client_id, session_id=session_id, drank_at=at)
    try:
        # A concurrent replay may insert the same client_id first; the savepoint keeps the
        # outer transaction usable so we can return the winner's row.
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        winner = _existing(user_id, client_id)
        if winner is None:
            raise
        return winner, False
    if session_id is not None:
        # A single UPDATE so two devices tapping "Drank" at once both count.
        db.session.execute(
            db.update(MassageSession)
            .where(MassageSession.id == session_id)
            .values(water_glasses=MassageSession.water_glasses + 1)
            .execution_options(synchronize_session="fetch")
        )
    water_changed.send(user_id)
    return row, True


def undo_drink(user_id: int, client_id: str) -> bool:
    """Remove one of the user's glasses (and its count on a linked session). The caller commits."""
    row = _existing(user_id, client_id)
    if row is None:
        return False
    if row.session_id is not None:
        db.session.execute(
            db.update(MassageSession)
            .where(MassageSession.id == row.session_id, MassageSession.water_glasses > 0)
            .values(water_glasses=MassageSession.water_glasses - 1)
            .execution_options(synchronize_session="fetch")
        )
    db.session.delete(row)
    db.session.flush()
    water_changed.send(user_id)
    return True


def glasses_on(user_id: int, zone: str, day: date) -> int:
    """Glasses on one local day: every tap that day, plus glasses typed on that day's session
    logs beyond the taps already linked to them (a linked tap also bumps water_glasses, so
    adding both would count it twice)."""
    start = timeutil.local_to_utc(day, time(0), zone)
    end = timeutil.local_to_utc(day + timedelta(days=1), time(0), zone)
    taps = db.session.scalar(
        db.select(func.coalesce(func.sum(WaterIntake.glasses), 0)).where(
            WaterIntake.user_id == user_id,
            WaterIntake.drank_at >= start,
            WaterIntake.drank_at < end,
        )
    )
    S = MassageSession
    linked = (
        db.select(func.count(WaterIntake.id))
        .where(WaterIntake.session_id == S.id)
        .correlate(S)
        .scalar_subquery()
    )
    typed = db.session.execute(
        db.select(S.water_glasses, linked).where(
            S.user_id == user_id,
            S.deleted_at.is_(None),
            S.occurred_at >= start,
            S.occurred_at < end,
        )
    )
    return int(taps or 0) + sum(max(0, n - tapped) for n, tapped in typed)


# --- Home: "+1 glass" and Undo (plain forms, so they work without JavaScript) ---------------


def _today_text() -> str:
    today = timeutil.today_in(current_user.timezone)
    count = glasses_on(current_user.id, current_user.timezone, today)
    goal = int(current_user.pref("glasses_goal") or 0)
    return f"{count} of {glasses(goal)} today" if goal else f"{glasses(count)} today"


def _home(**args):
    return redirect(url_for("trends.dashboard", **args, _anchor="water-h"))


@bp.post("/water")
@login_required
def add_glass():
    """The form carries a fresh UUID, so a double submit counts one glass."""
    try:
        client_id = parse_uuid(request.form.get("id"))
    except Invalid:
        client_id = str(uuid.uuid4())
    _, created = record_drink(current_user.id, client_id, None, timeutil.now())
    db.session.commit()
    flash(
        f"Glass added: {_today_text()}." if created else "That glass was already counted.",
        "success",
    )
    return _home(glass=client_id)


@bp.post("/water/<raw_id>/undo")
@login_required
def undo_glass(raw_id: str):
    try:
        client_id = parse_uuid(raw_id)
    except Invalid:
        abort(404)
    # A glass that is not (or no longer) in this account is a 404, like any other row.
    if not undo_drink(current_user.id, client_id):
        abort(404)
    db.session.commit()
    flash(f"Glass removed: {_today_text()}.", "success")
    return _home()


@bp.app_template_filter("glasses")
def glasses_filter(n: int) -> str:
    return glasses(int(n or 0))


@bp.app_context_processor
def water_helpers() -> dict:
    def water_form() -> dict:
        """A fresh id for the "+1 glass" form, and the glass just added (for Undo)."""
        undo = None
        raw = request.args.get("glass")
        if raw and current_user.is_authenticated:
            try:
                undo = _existing(current_user.id, parse_uuid(raw))
            except Invalid:
                undo = None
        return {"new_id": str(uuid.uuid4()), "undo": undo}

    return {"water_form": water_form}
