"""Last-seen stamps for sign-ins and API tokens: at most one write a minute per row.

A stamp is written by the request's own commit (before_commit below), so a request that
changes data writes it in the same transaction and never commits twice. A request that
commits nothing (most reads) writes it at teardown: one small transaction, at most once a
minute per sign-in or token, instead of a commit on every request.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import event, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from .. import timeutil
from ..extensions import db

INTERVAL = timedelta(minutes=1)


def note_use(row, column: str) -> None:
    """Record that `row` (a SignIn or ApiToken) was used now, if its stamp is a minute old."""
    last: datetime | None = getattr(row, column)
    now = timeutil.now()
    if last is not None and now - last < INTERVAL:
        return
    pending = g.setdefault("activity_stamps", {})
    pending[(type(row), row.id)] = (column, now)


@event.listens_for(Session, "before_commit")
def _write_with_the_commit(session: Session) -> None:
    # Savepoint releases fire this too; only the real commit may carry the stamps.
    if not has_request_context() or session.in_nested_transaction():
        return
    pending = g.pop("activity_stamps", None)
    for (model, row_id), (column, now) in (pending or {}).items():
        session.execute(update(model).where(model.id == row_id).values({column: now}))


def _write_leftovers(error: BaseException | None) -> None:
    if error is not None or not g.get("activity_stamps"):
        return
    try:
        db.session.rollback()  # what the view left uncommitted is discarded anyway
        db.session.commit()  # before_commit writes the stamps
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("could not record last-seen times", exc_info=True)


def init_app(app: Flask) -> None:
    app.teardown_request(_write_leftovers)
