"""Queries scoped to the current user, and the last-done lookup used by due dates."""

from __future__ import annotations

from datetime import date, datetime

from flask import abort
from flask_login import current_user
from sqlalchemy import func

from .. import timeutil
from ..extensions import db
from ..models import Appointment, MassageSession, Routine, Therapist, User


def owned_or_404(model, ident):
    """The current user's row with this id, else 404 (never fetch by id alone)."""
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        abort(404)
    if not 0 < ident < 2**63:  # out of the database's integer range: cannot exist
        abort(404)
    row = db.session.scalar(
        db.select(model).where(model.id == ident, model.user_id == current_user.id)
    )
    if row is None:
        abort(404)
    return row


def therapists(user_id: int) -> list[Therapist]:
    return list(db.session.scalars(
        db.select(Therapist).where(Therapist.user_id == user_id).order_by(Therapist.name)
    ))


def routines(user_id: int, *, include_archived: bool = False) -> list[Routine]:
    query = db.select(Routine).where(Routine.user_id == user_id)
    if not include_archived:
        query = query.where(Routine.archived_at.is_(None))
    return list(db.session.scalars(query.order_by(Routine.created_at, Routine.id)))


def last_done_dates(user_id: int, zone: str | None = None) -> dict[int, date]:
    """routine id -> local date of the latest non-deleted session or completed appointment.

    A session counts for its own routine, or for its appointment's routine when it has none.
    """
    if zone is None:
        zone = db.session.scalar(db.select(User.timezone).where(User.id == user_id)) or "UTC"
    routine_id = func.coalesce(MassageSession.routine_id, Appointment.routine_id)
    sessions = db.session.execute(
        db.select(routine_id, func.max(MassageSession.occurred_at))
        .outerjoin(Appointment, MassageSession.appointment_id == Appointment.id)
        .where(MassageSession.user_id == user_id, MassageSession.deleted_at.is_(None))
        .where(routine_id.is_not(None))
        .group_by(routine_id)
    )
    appointments = db.session.execute(
        db.select(Appointment.routine_id, func.max(Appointment.starts_at))
        .where(Appointment.user_id == user_id, Appointment.status == "done")
        .where(Appointment.routine_id.is_not(None))
        .group_by(Appointment.routine_id)
    )
    latest: dict[int, datetime] = {}
    for rid, when in [*sessions, *appointments]:
        when = timeutil.as_utc(when)
        if rid not in latest or when > latest[rid]:
            latest[rid] = when
    return {rid: timeutil.to_local(when, zone).date() for rid, when in latest.items()}


def logged_appointment_ids(user_id: int, appointment_ids: list[int]) -> set[int]:
    """Which of these appointments already have a (non-deleted) session logged."""
    if not appointment_ids:
        return set()
    return set(db.session.scalars(
        db.select(MassageSession.appointment_id).where(
            MassageSession.user_id == user_id,
            MassageSession.deleted_at.is_(None),
            MassageSession.appointment_id.in_(appointment_ids),
        )
    ))
