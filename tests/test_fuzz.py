"""Property-based fuzzing of the JSON API and the main forms (Hypothesis).

Every request starts from a valid body and replaces, adds or drops fields with arbitrary
values: wrong types, huge numbers (past 4,300 digits and 64 bits), unicode, NUL, lone
surrogates, nested objects, nulls, edge dates, bad zone names. Whatever comes in: never a 5xx;
on /api/ every 4xx is JSON with an `errors` object; and a refused request (4xx, or a form
re-rendered with errors) leaves every table exactly as it was. Registration, CSV import, list
parameters and the regression cases are in test_fuzz_inputs.py, on these same strategies.

One app and one logged-in client serve the whole module, so this stays fast; each check
compares the database before and after its own request.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker import create_app
from tracker.accounts.data import export_user
from tracker.extensions import db
from tracker.logbook.schema import FIELDS
from tracker.models.routine import STYLES

from .conftest import (
    _PG_SCHEMA_BUILT,
    TEST_DATABASE_URL,
    AuthActions,
    CSRFClient,
    _reset_postgres,
    make_user,
)
from .seed import Rows, push_keys, seed

FUZZ = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

EDGE_TEXT = [
    "",
    " ",
    "\x00",
    "0",
    "-1",
    "1e309",
    "NaN",
    "Infinity",
    "²",
    "١٢",
    "9" * 30,
    "1.5",
    "true",
    "null",
    "[]",
    "{}",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "2026-03-29T02:30",
    "9999-12-31T23:59",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-12:00",
    "2026-03-01T10:00:00Z",
    "3f2c9a4e-8b1d-4c6e-9f7a-2d5b8e1c0a43",
    "x" * 5000,
    "\u202e\ufeff\U0001f600",
    "Europe/Berlin",
    "25:61",
    "23:59",
    "https://fcm.googleapis.com/fcm/send/x",
    "http://127.0.0.1:22/",
    # Issue #14: int() raises past 4,300 digits; ids past 64 bits; zone names that make
    # ZoneInfo open a long path (OSError) or a folder (IsADirectoryError).
    "9" * 4301,
    "-" + "1" * 5000,
    " 0000000000000000000000000000007 ",
    "99999999999999999999",
    "9223372036854775808",
    "a" * 300,
    "Europe/" + "x" * 300,
    "America",
    "Europe/Berlin/",
    "../../etc/passwd",
]
# Only JSON can carry a lone surrogate: a form or CSV is UTF-8 bytes, decoded with U+FFFD.
SURROGATES = ["\ud800", "a\udfffb", "\udc00\ud800", "ok \ud83d"]
big_numbers = st.integers(10**18, 10**4000) | st.integers(10**18, 10**4000).map(lambda n: -n)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-(2**80), 2**80)
    | big_numbers
    | st.floats()
    | st.text(max_size=40)
    | st.sampled_from(EDGE_TEXT)
    | st.sampled_from(SURROGATES)
    | st.text(st.characters(codec=None, categories=["Cs", "Lu"]), max_size=5)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
form_text = (
    st.text(max_size=40)
    | st.sampled_from(EDGE_TEXT)
    | st.integers(-(2**70), 2**70).map(str)
    | big_numbers.map(str)
)


@dataclass
class World:
    app: object
    client: CSRFClient
    alice: Rows
    bob: Rows


@pytest.fixture(scope="module")
def world(tmp_path_factory, password_hashes):
    yield from make_world(tmp_path_factory, password_hashes)


def make_world(tmp_path_factory, password_hashes):
    """The module's app, users and client (a generator, so test_fuzz_inputs.py shares it)."""
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "fuzz-" + secrets.token_hex(8),
            "SQLALCHEMY_DATABASE_URI": url,
            "PUSH_ENDPOINT_ALLOWLIST": ["fcm.googleapis.com", "*.notify.windows.com"],
            "RATELIMIT_ENABLED": False,  # hundreds of requests from one user by design
        }
    )
    app.test_client_class = CSRFClient
    with app.app_context():
        if TEST_DATABASE_URL and not _PG_SCHEMA_BUILT:
            db.drop_all()  # a database left by an older run may have an older schema
            _PG_SCHEMA_BUILT.append(True)
        db.create_all()
        if TEST_DATABASE_URL:
            _reset_postgres()
    alice, bob = make_user(app, "alice", password_hashes), make_user(app, "bob", password_hashes)
    client = app.test_client()
    AuthActions(client).login("alice")
    yield World(app, client, seed(app, alice), seed(app, bob))
    with app.app_context():
        db.session.remove()
        if TEST_DATABASE_URL:
            _reset_postgres()
        db.engine.dispose()


def state(world: World) -> tuple:
    with world.app.app_context():
        snapshot = (export_user(world.alice.user_id), export_user(world.bob.user_id))
        db.session.remove()
    # Using a sign-in moves its last-seen time (once a minute), whatever the request asked.
    for export in snapshot:
        for row in export["sign_in"]:
            row.pop("last_seen_at")
    return snapshot


def mutate(base: dict, changes: dict, dropped: list) -> dict:
    body = {**base, **changes}
    for key in dropped:
        body.pop(key, None)
    return body


def check_api(world: World, method: str, url: str, body) -> None:
    before = state(world)
    response = world.client.open(url, method=method, json=body)
    assert response.status_code < 500, (response.status_code, body)
    if response.status_code >= 400:
        assert response.is_json, (response.status_code, body)
        assert isinstance(response.json.get("errors"), dict) and response.json["errors"], body
        assert state(world) == before, ("refused but changed", response.status_code, body)


def check_form(world: World, url: str, data: dict) -> None:
    before = state(world)
    response = world.client.post(url, data=data)
    assert response.status_code < 500, (response.status_code, data)
    if response.status_code != 302:  # anything but "saved, go on" must have saved nothing
        assert state(world) == before, ("refused but changed", response.status_code, data)


def edits(keys) -> st.SearchStrategy:
    """(changed fields, dropped fields) for a body with these keys, plus a few unknown keys."""
    names = st.sampled_from([*keys, "extra", "__proto__", ""])
    return st.tuples(
        st.dictionaries(names, json_values, max_size=4),
        st.lists(st.sampled_from(list(keys)), max_size=3),
    )


# --- JSON API ------------------------------------------------------------------------------

SESSION = {
    "occurred_at": "2026-01-10T10:00:00+01:00",
    "kind": "self",
    "pain_before": 6,
    "pain_after": 3,
    "mood": 4,
    "focus_areas": ["neck"],
    "notes": "ok",
}


@FUZZ
@given(change=edits(FIELDS), new_id=st.uuids())
def test_creating_sessions_never_fails_or_half_saves(world, change, new_id):
    check_api(world, "POST", "/api/v1/sessions", mutate({**SESSION, "id": str(new_id)}, *change))


@FUZZ
@given(change=edits(FIELDS))
def test_patching_a_session_never_fails_or_half_saves(world, change):
    body = mutate({}, change[0], [])
    check_api(world, "PATCH", f"/api/v1/sessions/{world.alice.session_uuid}", body)


@FUZZ
@given(body=json_values)
def test_any_json_document_is_refused_cleanly(world, body):
    for url in (
        "/api/v1/sessions",
        "/api/v1/appointments",
        "/api/v1/push/subscriptions",
        "/api/v1/water",
        "/api/v1/sleep",
    ):
        check_api(world, "POST", url, body)


APPOINTMENT = {
    "starts_at": "2026-06-01T18:00:00+02:00",
    "duration_minutes": 60,
    "style": "swedish",
    "therapist": "Dana",
    "location": "Studio",
    "notes": "",
}


@FUZZ
@given(change=edits([*APPOINTMENT, "id", "status", "routine_id"]), new_id=st.uuids())
def test_booking_appointments_never_fails_or_half_saves(world, change, new_id):
    body = mutate({**APPOINTMENT, "id": str(new_id)}, *change)
    check_api(world, "POST", "/api/v1/appointments", body)


@FUZZ
@given(
    change=edits(["endpoint", "keys", "label"]), key_change=edits(["p256dh", "auth"]), n=st.uuids()
)
def test_push_subscriptions_never_fail_or_half_save(world, change, key_change, n):
    keys = mutate(push_keys(), *key_change)
    base = {"endpoint": f"https://fcm.googleapis.com/fcm/send/{n}", "keys": keys, "label": "x"}
    check_api(world, "POST", "/api/v1/push/subscriptions", mutate(base, *change))


@FUZZ
@given(change=edits(["id", "session_id", "drank_at"]), new_id=st.uuids())
def test_water_never_fails_or_half_saves(world, change, new_id):
    base = {
        "id": str(new_id),
        "session_id": world.alice.session_uuid,
        "drank_at": "2026-01-10T12:00:00Z",
    }
    check_api(world, "POST", "/api/v1/water", mutate(base, *change))


@FUZZ
@given(change=edits(["night", "quality", "hours"]))
def test_sleep_never_fails_or_half_saves(world, change):
    check_api(
        world,
        "POST",
        "/api/v1/sleep",
        mutate({"night": "2026-01-09", "quality": 3, "hours": 7.5}, *change),
    )


# --- forms ---------------------------------------------------------------------------------


def form_edits(keys) -> st.SearchStrategy:
    names = st.sampled_from([*keys, "extra"])
    return st.tuples(
        st.dictionaries(names, form_text | st.lists(form_text, max_size=3), max_size=4),
        st.lists(st.sampled_from(list(keys)), max_size=3),
    )


SESSION_FORM = {
    "occurred_at_local": "2026-01-10T10:00",
    "kind": "self",
    "duration_minutes": "20",
    "pressure": "medium",
    "pain_before": "6",
    "pain_after": "3",
    "mood": "4",
    "focus_areas": ["neck"],
    "notes": "",
}
SESSION_MORE = ["routine_id", "style", "tools", "water_glasses"]


@FUZZ
@given(
    change=form_edits(
        [*SESSION_FORM, "id", "sleep_hours", "therapist", "appointment_id"] + SESSION_MORE
    ),
    new_id=st.uuids(),
)
def test_the_session_form_never_fails_or_half_saves(world, change, new_id):
    check_form(world, "/sessions/new", mutate({**SESSION_FORM, "id": str(new_id)}, *change))


def appointment_form(world: World) -> dict:
    return {
        "day": "2026-06-01",
        "at": "18:00",
        "duration_minutes": "60",
        "style": STYLES[0],
        "routine_id": str(world.alice.routine),
        "therapist_id": str(world.alice.therapist),
        "location": "",
        "notes": "",
    }


@FUZZ
@given(
    change=form_edits(
        ["day", "at", "duration_minutes", "style", "routine_id", "therapist_id", "location"]
        + ["notes"]
    )
)
def test_the_appointment_form_never_fails_or_half_saves(world, change):
    check_form(world, "/appointments/new", mutate(appointment_form(world), *change))
    check_form(
        world,
        f"/appointments/{world.alice.appointment}/edit",
        mutate(appointment_form(world), *change),
    )


ROUTINE_FORM = {
    "name": "Weekly",
    "kind": "professional",
    "cadence_count": "2",
    "cadence_unit": "weeks",
    "anchor_date": "2026-01-05",
    "preferred_time": "18:00",
    "style": STYLES[0],
    "duration_minutes": "60",
    "therapist_id": "",
}


@FUZZ
@given(change=form_edits(list(ROUTINE_FORM)))
def test_the_routine_form_never_fails_or_half_saves(world, change):
    check_form(world, "/routine/new", mutate(ROUTINE_FORM, *change))


SETTINGS_FORM = {"timezone": "Europe/Berlin"}
REMINDERS_FORM = {
    "appointment": "y",
    "hydration": "y",
    "lead_minutes": "1440",
    "reminder_time": "18:00",
    "hydration_offsets": "15, 60",
    "glasses_goal": "4",
    "quiet_start": "22:00",
    "quiet_end": "08:00",
    "wake_time": "08:00",
}


@FUZZ
@given(change=form_edits(list(SETTINGS_FORM)))
def test_the_settings_form_never_fails_or_half_saves(world, change):
    check_form(world, "/settings/profile", mutate(SETTINGS_FORM, *change))


@FUZZ
@given(change=form_edits(list(REMINDERS_FORM)))
def test_the_reminders_and_quiet_hours_form_never_fails_or_half_saves(world, change):
    check_form(world, "/settings/reminders", mutate(REMINDERS_FORM, *change))
