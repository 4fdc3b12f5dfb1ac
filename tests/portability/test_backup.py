"""Restoring our own JSON backup: exact round trip, idempotent merge, clear refusals."""

from __future__ import annotations

import json

from tests.seed import seed
from tracker.extensions import db
from tracker.models import MassageSession, User
from tracker.signals import preferences_changed

from . import helpers
from .conftest import backup_bytes, comparable


def upload(client, raw: bytes, name: str = "backup.json", **form):
    return helpers.upload(client, raw, name, **form)


def confirm(client, response):
    return client.post("/settings/data/import/confirm", data={"token": helpers.token_of(response)})


def count(app, model, user_id) -> int:
    with app.app_context():
        return db.session.scalar(
            db.select(db.func.count()).select_from(model).where(model.user_id == user_id)
        )


def test_backup_restores_exactly_into_an_empty_account(app, alice, alice_client, bob, bob_client):
    seed(app, alice)
    with app.app_context():
        user = db.session.get(User, alice.id)
        user.timezone, user.reminder_prefs = "Asia/Tokyo", {"hydration": False}
        user.calendar_alarms = user.advisory_dismissed = True
        db.session.commit()
    raw = backup_bytes(alice_client)
    preview = upload(bob_client, raw)
    assert preview.status_code == 200
    assert "2 new sessions" in preview.get_data(as_text=True)
    assert count(app, MassageSession, bob.id) == 0  # nothing saved before confirming
    replans = []
    with preferences_changed.connected_to(lambda user, **_: replans.append(user.id)):
        assert confirm(bob_client, preview).status_code == 302
    assert replans == [bob.id]  # once for the whole restore, not per row
    assert comparable(app, bob.id) == comparable(app, alice.id)
    with app.app_context():
        restored = db.session.get(User, bob.id)
        assert restored.reminder_prefs == {"hydration": False}
        assert (restored.calendar_alarms, restored.advisory_dismissed) == (True, True)


def test_restoring_into_the_same_account_adds_nothing(app, alice, alice_client):
    seed(app, alice)
    before = comparable(app, alice.id)
    response = upload(alice_client, backup_bytes(alice_client))
    assert "Nothing new to add." in response.get_data(as_text=True)
    confirm(alice_client, response)
    assert comparable(app, alice.id) == before


def test_a_routine_renamed_since_the_backup_is_the_same_routine(app, alice, alice_client):
    from tracker.models import Routine

    seed(app, alice)
    raw = backup_bytes(alice_client)
    with app.app_context():
        routine = db.session.scalars(db.select(Routine).where(Routine.user_id == alice.id)).first()
        routine.name = "Fortnightly, renamed"
        db.session.commit()
    before = count(app, Routine, alice.id)
    response = upload(alice_client, raw)
    assert response.status_code == 200  # was a 500: a second row with the same client UUID
    confirm(alice_client, response)
    assert count(app, Routine, alice.id) == before


def test_restoring_twice_adds_nothing_the_second_time(app, alice, alice_client, bob, bob_client):
    seed(app, alice)
    raw = backup_bytes(alice_client)
    confirm(bob_client, upload(bob_client, raw))
    once = comparable(app, bob.id)
    confirm(bob_client, upload(bob_client, raw))
    assert comparable(app, bob.id) == once


def test_a_json_syntax_error_names_line_and_column(app, alice, alice_client):
    raw = b'{"format": "back-relief-export",\n  "tables": {,}}'
    response = upload(alice_client, raw)
    assert response.status_code == 422
    assert "Line 2, column 14: isn&#39;t valid JSON" in response.get_data(as_text=True)


def test_a_bad_row_in_the_middle_saves_nothing(app, alice, alice_client, bob, bob_client):
    seed(app, alice)
    data = json.loads(backup_bytes(alice_client))
    data["tables"]["massage_session"][1]["pain_after"] = 11
    data["tables"]["sleep_log"][0]["night"] = "last tuesday"
    response = upload(bob_client, json.dumps(data).encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "massage_session row 2, pain_after: must be between 0 and 10" in html
    assert "column night" in html
    for model in (MassageSession,):
        assert count(app, model, bob.id) == 0


def test_lists_and_settings_the_pages_read_are_checked_item_by_item(
    app, alice, alice_client, bob, bob_client
):
    """A hand-edited backup must not store values that pages later trip over (a tool that is
    a list, a preference of the wrong kind): refused with the row named, nothing saved."""
    seed(app, alice)
    clean = json.loads(backup_bytes(alice_client))
    for edit, message in (
        (lambda d: d["tables"]["routine"][0].update(tools=[["foam_roller"]]), "tools:"),
        (lambda d: d["tables"]["massage_session"][0].update(focus_areas=["spleen"]), "spleen"),
        (lambda d: d["tables"]["user"][0].update(reminder_prefs={"hydration": "yes"}), "wrong"),
        (lambda d: d["tables"]["user"][0].update(safety_conditions=[{"a": 1}]), "safety"),
    ):
        data = json.loads(json.dumps(clean))
        edit(data)
        response = upload(bob_client, json.dumps(data).encode())
        assert response.status_code == 422 and message in response.get_data(as_text=True)
        assert count(app, MassageSession, bob.id) == 0


def test_a_dangling_reference_is_refused(app, alice, alice_client, bob, bob_client):
    seed(app, alice)
    data = json.loads(backup_bytes(alice_client))
    data["tables"]["appointment"][0]["routine_id"] = 999
    response = upload(bob_client, json.dumps(data).encode())
    assert response.status_code == 422
    assert "routine_id 999 isn&#39;t a row of the backup" in response.get_data(as_text=True)
    assert count(app, MassageSession, bob.id) == 0


def test_a_file_that_is_not_a_backup_is_refused(alice_client):
    response = upload(alice_client, b'{"hello": 1}')
    assert response.status_code == 422
    assert "isn&#39;t a Back Relief backup" in response.get_data(as_text=True)


def test_bob_cannot_confirm_alices_preview(app, alice, alice_client, bob, bob_client):
    seed(app, alice)
    raw = backup_bytes(alice_client)
    with app.app_context():  # an empty target, so a confirmed restore would add rows
        for row in db.session.scalars(
            db.select(MassageSession).where(MassageSession.user_id == alice.id)
        ):
            db.session.delete(row)
        db.session.commit()
    preview = upload(alice_client, raw)
    assert confirm(bob_client, preview).status_code == 404
    assert count(app, MassageSession, bob.id) == 0
    assert count(app, MassageSession, alice.id) == 0
    assert confirm(alice_client, preview).status_code == 302
    assert count(app, MassageSession, alice.id) == 2


def test_too_many_rows_are_refused(app, alice, alice_client, monkeypatch):
    from tracker.portability import service

    seed(app, alice)
    monkeypatch.setattr(service, "MAX_ROWS", 3)
    response = upload(alice_client, backup_bytes(alice_client))
    assert response.status_code == 422
    assert "at most 3 can be restored" in response.get_data(as_text=True)
