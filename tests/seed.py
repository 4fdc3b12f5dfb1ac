"""One row of every user-owned kind, for the route walker, fuzz, and export/delete tests."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tracker.accounts.tokens import new_token
from tracker.extensions import db
from tracker.models import (
    Appointment,
    MassageSession,
    PushSubscription,
    Reminder,
    Routine,
    ShareLink,
    SignIn,
    SleepLog,
    Therapist,
    UsedActionToken,
    User,
    WaterIntake,
)

WHEN = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def push_keys() -> dict[str, str]:
    """A real P-256 public key and auth secret, as a browser's PushSubscription carries."""
    public = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {"p256dh": b64url(public), "auth": b64url(uuid.uuid4().bytes)}


@dataclass
class Rows:
    """Ids of one user's seeded rows, by kind."""

    user_id: int
    therapist: int
    routine: int
    appointment: int
    session: int
    session_uuid: str
    deleted_session_uuid: str
    reminder: int
    subscription: int
    endpoint: str
    keys: dict
    api_token: int
    raw_token: str
    calendar_token: str
    sign_in: int
    share_link: int
    raw_share: str


def seed(app, user: User) -> Rows:
    """Give the user a therapist, routine, appointment, sessions, reminder, device and token."""
    with app.app_context():
        therapist = Therapist(user_id=user.id, name=f"Dana of {user.email}")
        routine = Routine(
            user_id=user.id,
            name="Fortnightly",
            anchor_date=date(2026, 3, 1),
            preferred_time=time(18, 0),
        )
        db.session.add_all([therapist, routine])
        db.session.flush()
        appt = Appointment(
            user_id=user.id,
            client_id=str(uuid.uuid4()),
            starts_at=WHEN,
            routine_id=routine.id,
            therapist_id=therapist.id,
            therapist_name=therapist.name,
        )
        db.session.add(appt)
        db.session.flush()
        session = MassageSession(
            user_id=user.id,
            client_id=str(uuid.uuid4()),
            occurred_at=WHEN + timedelta(hours=1),
            appointment_id=appt.id,
            pain_before=6,
            pain_after=3,
            mood=4,
            notes=f"private note of {user.email}",
        )
        deleted = MassageSession(
            user_id=user.id,
            client_id=str(uuid.uuid4()),
            occurred_at=WHEN,
            pain_before=5,
            pain_after=2,
            mood=3,
            deleted_at=datetime.now(UTC),
        )
        db.session.add_all([session, deleted])
        db.session.flush()
        reminder = Reminder(
            user_id=user.id,
            kind="hydration",
            subject_id=session.id,
            slot="s1",
            due_at=WHEN,
            stale_at=WHEN + timedelta(days=3650),
            next_attempt_at=WHEN,
        )
        keys = push_keys()
        endpoint = f"https://fcm.googleapis.com/fcm/send/{uuid.uuid4()}"
        sub = PushSubscription(user_id=user.id, endpoint=endpoint, label="Phone", **keys)
        db.session.add_all(
            [
                reminder,
                sub,
                SleepLog(user_id=user.id, night=date(2026, 3, 1), quality=3, hours=7.0),
                WaterIntake(user_id=user.id, client_id=str(uuid.uuid4()), session_id=session.id),
                UsedActionToken(user_id=user.id, jti=f"jti-{uuid.uuid4()}"),
            ]
        )
        token, raw = new_token(user, "script")
        sign_in = SignIn(user_id=user.id, token_hash=SignIn.hash(str(uuid.uuid4())), label="Laptop")
        raw_share = ShareLink.new_token()
        share = ShareLink(
            user_id=user.id,
            token_hash=ShareLink.hash(raw_share),
            range_key="all",
            sessions=10,
            expires_at=datetime.now(UTC) + timedelta(days=7),
        )
        db.session.add_all([sign_in, share])
        db.session.commit()
        calendar_token = db.session.get(User, user.id).calendar_token
        return Rows(
            user.id,
            therapist.id,
            routine.id,
            appt.id,
            session.id,
            session.client_id,
            deleted.client_id,
            reminder.id,
            sub.id,
            endpoint,
            keys,
            token.id,
            raw,
            calendar_token,
            sign_in.id,
            share.id,
            raw_share,
        )
