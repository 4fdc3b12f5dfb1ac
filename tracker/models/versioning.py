"""A per-user data version, bumped in the same transaction as any change to the user's data.

Pages derived from everything a user logged (dashboard, trends) cache their rendering keyed
on it (tracker/pagecache.py), so a change is visible on the very next request.
"""

from __future__ import annotations

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from .reminder import Reminder, UsedActionToken
from .signin import SignIn
from .token import ApiToken
from .user import User

# Bookkeeping rows that no cached page shows: bumping on them would only cost cache misses
# (every API call touches ApiToken.last_used_at; every dispatch pass touches reminders;
# every log in adds a SignIn).
IGNORED = (ApiToken, Reminder, SignIn, UsedActionToken)


def bump(session: Session, owners) -> None:
    """Bump these users' versions; for bulk (Core) writes, which after_flush never sees."""
    table = User.__table__
    session.connection().execute(
        update(table).where(table.c.id.in_(owners)).values(data_version=table.c.data_version + 1)
    )


@event.listens_for(Session, "after_flush")
def bump_data_version(session: Session, flush_context) -> None:
    # In after_flush the new/dirty/deleted collections still describe what was just written.
    owners: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, IGNORED):
            continue
        owner = obj.id if isinstance(obj, User) else getattr(obj, "user_id", None)
        if owner is not None:
            owners.add(owner)
    if owners:
        bump(session, owners)
