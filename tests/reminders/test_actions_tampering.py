"""Action tokens resist tampering beyond a broken signature (see test_actions.py for the rest):
a swapped payload, another key or salt, malformed claims, and a reminder that is gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from itsdangerous import URLSafeTimedSerializer

from tracker.accounts.data import export_user
from tracker.extensions import db
from tracker.models import Reminder
from tracker.reminders.actions import SALT, make_token

from ..seed import seed

NOW = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)


@pytest.fixture
def world(app, alice, bob):
    with time_machine.travel(NOW, tick=False):
        mine, theirs = seed(app, alice), seed(app, bob)
        with app.app_context():
            other = Reminder(
                user_id=alice.id,
                kind="hydration",
                subject_id=mine.session,
                slot="s2",
                due_at=NOW,
                stale_at=NOW + timedelta(hours=2),
                next_attempt_at=NOW,
            )
            db.session.add(other)
            db.session.commit()
            yield mine, theirs, other.id


def act(client, token: str, action: str = "drank"):
    return client.post(f"/api/v1/actions/{token}", json={"action": action}, csrf=False)


def everything(app, *user_ids) -> list:
    return [export_user(u) for u in user_ids]


def sign(app, claims, *, key: str | None = None, salt: str = SALT) -> str:
    return URLSafeTimedSerializer(key or app.secret_key, salt=salt).dumps(claims)


@pytest.mark.parametrize(
    "forge",
    [
        # The payload of a token for another reminder, with this token's timestamp and signature.
        lambda app, mine, theirs, other: ".".join(
            [
                make_token(mine.user_id, other).split(".")[0],
                *make_token(mine.user_id, mine.reminder).split(".")[1:],
            ]
        ),
        # Correct claims signed with another server's key.
        lambda app, mine, theirs, other: sign(
            app, {"u": mine.user_id, "r": mine.reminder, "j": "x"}, key="another-secret"
        ),
        # Correct claims signed with this key but for another purpose (salt), e.g. CSRF tokens.
        lambda app, mine, theirs, other: sign(
            app, {"u": mine.user_id, "r": mine.reminder, "j": "x"}, salt="wtf-csrf-token"
        ),
        # Validly signed but malformed claims.
        lambda app, mine, theirs, other: sign(app, {"u": mine.user_id, "r": mine.reminder}),
        lambda app, mine, theirs, other: sign(app, [mine.user_id, mine.reminder, "x"]),
        # Bob's reminder under alice's id, and alice's reminder under bob's id.
        lambda app, mine, theirs, other: make_token(mine.user_id, theirs.reminder),
        lambda app, mine, theirs, other: make_token(theirs.user_id, mine.reminder),
    ],
    ids=[
        "spliced-payload",
        "other-key",
        "other-salt",
        "missing-jti",
        "not-a-dict",
        "bobs-reminder",
        "bobs-id",
    ],
)
def test_a_tampered_token_is_404_and_changes_nothing(app, client, world, forge):
    mine, theirs, other = world
    before = everything(app, mine.user_id, theirs.user_id)
    response = act(client, forge(app, mine, theirs, other))
    assert response.status_code == 404 and response.json["errors"]["token"]
    assert everything(app, mine.user_id, theirs.user_id) == before


def test_a_token_for_a_deleted_reminder_is_404(app, client, world):
    mine, theirs, other = world
    token = make_token(mine.user_id, other)
    db.session.delete(db.session.get(Reminder, other))
    db.session.commit()
    assert act(client, token).status_code == 404


def test_a_genuine_token_still_works_once_without_a_session(app, client, world):
    """The control case for the forgeries above: same key, salt and claims shape."""
    mine, _, other = world
    token = make_token(mine.user_id, other)
    assert act(client, token, "snooze").status_code == 200
    assert act(client, token, "snooze").status_code == 409
