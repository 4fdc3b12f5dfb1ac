"""Stage sessions built by a foreign importer: validate, skip what's already stored, add."""

from __future__ import annotations

import uuid

from ..extensions import db
from ..logbook.schema import NOTES_MAX, SCALES
from ..models import MassageSession
from .result import ImportResult, Problem

# Deterministic client UUIDs from a row's content: re-importing the same file matches them.
NAMESPACE = uuid.UUID("b0e3f6c2-5a1d-4e8b-9a47-3c2d1e0f9a11")
RATINGS = ("pain_before", "pain_after", "mood")


def content_id(*parts) -> str:
    return str(uuid.uuid5(NAMESPACE, "|".join(str(p) for p in parts)))


def ratings_optional() -> bool:
    """Sessions without ratings (a one-tap "Done") exist only once the schema allows them."""
    return all(MassageSession.__table__.c[name].nullable for name in RATINGS)


def check(line: int, values: dict, result: ImportResult, columns: dict[str, str]) -> bool:
    """Range checks; `columns` names each field's column in the file, for the message."""
    ok = True
    for name, (low, high) in SCALES.items():
        value = values.get(name)
        if value is None and name in RATINGS and not ratings_optional():
            result.problems.append(
                Problem(f"{name.replace('_', ' ')} is required", line, columns.get(name, name))
            )
            ok = False
        elif value is not None and not low <= value <= high:
            result.problems.append(
                Problem(f"must be between {low} and {high}", line, columns.get(name, name))
            )
            ok = False
    if len(values.get("notes", "")) > NOTES_MAX:
        result.problems.append(
            Problem(f"is longer than {NOTES_MAX} characters", line, columns.get("notes", "notes"))
        )
        ok = False
    return ok


def stage(user, staged: list[dict], result: ImportResult) -> None:
    """Add rows whose client id is new. Call only when there are no problems."""
    known = set(
        db.session.scalars(
            db.select(MassageSession.client_id).where(MassageSession.user_id == user.id)
        )
    )
    for values in staged:
        if values["client_id"] in known:
            result.count("massage_session", created=False)
            continue
        known.add(values["client_id"])
        db.session.add(MassageSession(user_id=user.id, **values))
        result.count("massage_session", created=True)
        if len(result.preview) < 10:
            result.preview.append(
                {
                    "when": values["occurred_at"].strftime("%Y-%m-%d %H:%M UTC"),
                    "kind": values["kind"],
                    **{k: values.get(k) for k in RATINGS},
                    "notes": values.get("notes", "")[:80],
                }
            )
    db.session.flush()
