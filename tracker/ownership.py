"""The one ownership check: a row is fetched by its id and its owner, never by id alone."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy.orm import InstrumentedAttribute

from .extensions import db
from .values import Invalid, parse_row_id, parse_uuid

T = TypeVar("T")


def owned_or_404(
    model: type[T],
    ident: Any,
    *,
    by: InstrumentedAttribute | None = None,
    where: tuple = (),
    options: tuple = (),
) -> T:
    """The current user's row of `model` whose `by` column (default: id) equals `ident`.

    Another user's row, a malformed id or client UUID and an id beyond 64 bits are the same
    404, so ids reveal nothing about other accounts.
    """
    if by is None:
        by, ident = model.id, parse_row_id(ident)
        if ident is None:
            abort(404)
    elif by.key == "client_id":
        try:
            ident = parse_uuid(ident)
        except Invalid:
            abort(404)
    row = db.session.scalar(
        db.select(model)
        .options(*options)
        .where(by == ident, model.user_id == current_user.id, *where)
    )
    if row is None:
        abort(404)
    return row
