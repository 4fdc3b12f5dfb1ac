"""Water after a massage: one row per "Drank" tap, idempotent on the client's UUID."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import MassageSession, WaterIntake


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
    return row, True
