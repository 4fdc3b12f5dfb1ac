"""The app icon badge: appointments waiting to be logged plus open morning check-ins.

One grouped query per part for many users at once, so a dispatch pass pays two statements,
not two per reminder. The page (GET /api/v1/push/device) and the declarative payloads'
`app_badge` use the same numbers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select

from ..extensions import db
from ..models import Appointment, MassageSession, Reminder

# Older unlogged appointments are history, not a to-do: the badge would never clear.
LOG_WINDOW = timedelta(days=7)
# A check-in covers the sessions of the day before it (it is due at the next wake time).
CHECKIN_COVERS = timedelta(hours=36)


def counts(user_ids: Iterable[int], now: datetime) -> dict[int, int]:
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    total: Counter[int] = Counter({uid: 0 for uid in ids})
    logged = exists().where(
        MassageSession.appointment_id == Appointment.id, MassageSession.deleted_at.is_(None)
    )
    waiting = db.session.execute(
        select(Appointment.user_id, func.count())
        .where(
            Appointment.user_id.in_(ids),
            Appointment.status == "booked",
            Appointment.starts_at <= now,
            Appointment.starts_at > now - LOG_WINDOW,
            ~logged,
        )
        .group_by(Appointment.user_id)
    )
    # Sent, still-fresh check-ins are few; matching them to rated sessions in Python keeps
    # the query free of date arithmetic, which SQLite and PostgreSQL spell differently.
    open_checkins = db.session.execute(
        select(Reminder.user_id, Reminder.due_at, Reminder.kind).where(
            Reminder.user_id.in_(ids),
            Reminder.kind.in_(("sleep_checkin", "next_day")),
            Reminder.status == "sent",
            Reminder.stale_at > now,
        )
    ).all()
    # A sleep check-in is answered by a sleep rating, a next-day one by the back's rating.
    rated: dict[tuple[int, str], list[datetime]] = {}
    if open_checkins:
        earliest = min(due for _, due, _ in open_checkins) - CHECKIN_COVERS
        for uid, at, sleep, back in db.session.execute(
            select(
                MassageSession.user_id,
                MassageSession.occurred_at,
                MassageSession.sleep_quality,
                MassageSession.pain_next_day,
            ).where(
                MassageSession.user_id.in_({uid for uid, _, _ in open_checkins}),
                MassageSession.deleted_at.is_(None),
                (MassageSession.sleep_quality.is_not(None))
                | (MassageSession.pain_next_day.is_not(None)),
                MassageSession.occurred_at > earliest,
            )
        ):
            if sleep is not None:
                rated.setdefault((uid, "sleep_checkin"), []).append(at)
            if back is not None:
                rated.setdefault((uid, "next_day"), []).append(at)
    checkins = [
        (uid, 1)
        for uid, due, kind in open_checkins
        if not any(due - CHECKIN_COVERS < at <= due for at in rated.get((uid, kind), []))
    ]
    for uid, n in [*waiting, *checkins]:
        total[uid] += n
    return dict(total)
