"""Session writes shared by the form, the API and CSV import. Nothing here commits."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import ownership, timeutil
from ..extensions import db
from ..models import MassageSession, Routine
from ..signals import session_changed
from .schema import DEFAULT_DURATION, apply, fingerprint

UNDO_DAYS = 30


def find(user_id: int, client_id: str) -> MassageSession | None:
    return db.session.scalar(
        db.select(MassageSession)
        .options(selectinload(MassageSession.appointment))
        .where(MassageSession.user_id == user_id, MassageSession.client_id == client_id)
    )


def owned_or_404(raw_id: str, *, deleted: bool = False) -> MassageSession:
    """The current user's session by UUID; bad ids and (unless asked) deleted ones 404."""
    gone = (
        MassageSession.deleted_at.is_not(None) if deleted else MassageSession.deleted_at.is_(None)
    )
    return ownership.owned_or_404(
        MassageSession,
        raw_id,
        by=MassageSession.client_id,
        where=(gone,),
        options=(selectinload(MassageSession.appointment),),
    )


def create_or_replay(user_id: int, clean: dict) -> tuple[MassageSession, str]:
    """Insert a session, or recognise a retry of the same id.

    Returns (session, outcome) with outcome "created", "replayed" (same content: nothing
    changed) or "conflict" (same id, other content: nothing changed).
    """
    digest = fingerprint(clean)
    existing = find(user_id, clean["id"])
    if existing is not None:
        return existing, "replayed" if existing.request_hash == digest else "conflict"
    session = MassageSession(user_id=user_id, request_hash=digest)
    apply(session, clean)
    try:
        # Two replays racing past the lookup: the unique key lets exactly one insert win.
        with db.session.begin_nested():
            db.session.add(session)
            db.session.flush()
    except IntegrityError:
        winner = find(user_id, clean["id"])
        if winner is None:
            raise
        return winner, "replayed" if winner.request_hash == digest else "conflict"
    session_changed.send(session)
    return session, "created"


def quick_done(user, routine: Routine, client_id: str) -> tuple[MassageSession, str]:
    """One tap on a self-massage routine: a session under it with the routine's own tools,
    focus areas and duration, and no ratings yet (the person may add them later)."""
    existing = find(user.id, client_id)
    if existing is not None:  # a double tap or a retried notification action
        return existing, "replayed"
    clean = {
        "id": client_id,
        "occurred_at": timeutil.now().replace(second=0, microsecond=0),
        "kind": "self",
        "duration_minutes": routine.duration_minutes or DEFAULT_DURATION["self"],
        "style": "",
        "therapist": "",
        "therapist_id": None,
        "focus_areas": list(routine.focus_areas or []),
        "tools": list(routine.tools or []),
        "pressure": "medium",
        "water_glasses": 0,
        "notes": "",
        "routine_id": routine.id,
        "appointment_id": None,
        **dict.fromkeys(("pain_before", "pain_after", "mood", "relaxation", "sleep_quality")),
        "sleep_hours": None,
    }
    return create_or_replay(user.id, clean)


def update(session: MassageSession, clean: dict) -> None:
    clean = {k: v for k, v in clean.items() if k != "id"}  # identity never changes
    apply(session, clean)
    session_changed.send(session)


def soft_delete(session: MassageSession) -> None:
    session.deleted_at = timeutil.now()
    session_changed.send(session)


def restorable(session: MassageSession) -> bool:
    return session.deleted_at is not None and session.deleted_at > undo_cutoff()


def restore(session: MassageSession) -> None:
    session.deleted_at = None
    session_changed.send(session)


def undo_cutoff():
    return timeutil.now() - timedelta(days=UNDO_DAYS)
