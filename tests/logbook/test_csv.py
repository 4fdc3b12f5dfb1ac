"""CSV export and all-or-nothing, idempotent import."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime

import pytest

from tracker.extensions import db
from tracker.logbook import csvio
from tracker.logbook.csvio import COLUMNS
from tracker.models import MassageSession

from .conftest import add_appointment, add_session, bearer, count_sessions


def export(client) -> str:
    response = client.get("/sessions/export.csv")
    assert response.status_code == 200
    assert (
        response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    )
    return response.get_data(as_text=True)


def upload(client, text: str | bytes, name="sessions.csv"):
    raw = text.encode() if isinstance(text, str) else text
    return client.post(
        "/sessions/import",
        data={"file": (io.BytesIO(raw), name)},
        content_type="multipart/form-data",
    )


def sessions_json(client, token) -> list[dict]:
    rows = client.get("/api/v1/sessions?limit=200", headers=bearer(token)).json["sessions"]
    return sorted(
        ({k: v for k, v in r.items() if k not in ("created_at", "updated_at")} for r in rows),
        key=lambda r: r["id"],
    )


def seed(app, alice):
    ids = add_appointment(app, alice.id)
    add_session(
        app,
        alice.id,
        kind="professional",
        therapist_name="Dana Kim",
        style="shiatsu",
        focus_areas=["neck", "hips_glutes"],
        pressure="firm",
        relaxation=5,
        sleep_quality=4,
        sleep_hours=7.25,
        water_glasses=3,
        notes='Said "wow", then\nslept; =SUM(A1)',
        appointment_id=ids["appointment"],
        routine_id=ids["routine"],
        occurred_at=datetime(2026, 7, 1, 16, 15, 30, tzinfo=UTC),
    )
    add_session(
        app,
        alice.id,
        kind="self",
        tools=["foam_roller", "ball"],
        duration_minutes=15,
        occurred_at=datetime(2026, 1, 3, 20, 0, tzinfo=UTC),
    )
    add_session(app, alice.id, deleted_at=datetime(2026, 11, 1, tzinfo=UTC), notes="gone")


def test_export_has_the_documented_columns_and_local_offsets(alice_client, app, alice, bob):
    seed(app, alice)
    add_session(app, bob.id, notes="bob-secret")
    text = export(alice_client)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(COLUMNS)
    assert len(rows) == 2  # deleted and bob's rows are not exported
    assert rows[0]["occurred_at"] == "2026-01-03T21:00:00+01:00"
    assert rows[1]["occurred_at"] == "2026-07-01T18:15:30+02:00"
    assert rows[1]["focus_areas"] == "neck;hips_glutes" and rows[0]["tools"] == "foam_roller;ball"
    assert rows[1]["notes"].startswith("Said") and rows[1]["sleep_quality"] == "4"
    assert "bob-secret" not in text and "gone" not in text


def test_a_formula_looking_note_is_defused_and_round_trips(alice_client, app, alice, alice_token):
    add_session(app, alice.id, notes='=HYPERLINK("x")')
    text = export(alice_client)
    assert "'=HYPERLINK" in text
    before = sessions_json(alice_client, alice_token)
    with app.app_context():
        db.session.execute(db.delete(MassageSession))
        db.session.commit()
    assert upload(alice_client, text).status_code == 302
    assert sessions_json(alice_client, alice_token) == before


def test_export_then_import_round_trips_exactly(alice_client, app, alice, alice_token):
    seed(app, alice)
    text = export(alice_client)
    before = sessions_json(alice_client, alice_token)
    with app.app_context():
        db.session.execute(db.delete(MassageSession))
        db.session.commit()
    response = upload(alice_client, text)
    assert response.status_code == 302
    assert sessions_json(alice_client, alice_token) == before
    assert export(alice_client) == text


def test_an_import_replans_reminders_once_not_per_row(alice_client, app, alice):
    from tracker.signals import preferences_changed, session_changed

    rows = "".join(f"2026-11-0{d}T18:00:00+01:00,self,6,3,4\n" for d in (1, 2, 3))
    calls: list[str] = []
    with (
        preferences_changed.connected_to(lambda user, **_: calls.append("user")),
        session_changed.connected_to(lambda session, **_: calls.append("row")),
    ):
        response = upload(alice_client, "occurred_at,kind,pain_before,pain_after,mood\n" + rows)
    assert response.status_code == 302
    assert calls == ["user"]
    assert count_sessions(app, alice.id) == 3


def test_importing_the_same_file_twice_adds_nothing(alice_client, app, alice):
    seed(app, alice)
    text = export(alice_client)
    response = upload(alice_client, text)
    assert response.status_code == 302
    page = alice_client.get("/sessions").get_data(as_text=True)
    assert "Imported 0 sessions; 2 were already here." in page
    assert count_sessions(app, alice.id) == 3


def test_rows_without_ids_are_matched_on_content(alice_client, app, alice):
    text = (
        "occurred_at,kind,pain_before,pain_after,mood,notes\r\n"
        "2026-05-01T18:30:00+02:00,self,6,2,4,first\r\n"
        "2026-05-02T18:30:00+02:00,professional,5,3,3,second\r\n"
    )
    assert upload(alice_client, text).status_code == 302
    assert upload(alice_client, text).status_code == 302
    assert count_sessions(app, alice.id) == 2
    with app.app_context():
        rows = list(
            db.session.scalars(db.select(MassageSession).order_by(MassageSession.occurred_at))
        )
        assert [r.duration_minutes for r in rows] == [20, 60]  # defaults by kind
        uuid.UUID(rows[0].client_id)


def test_an_id_already_used_for_other_content_is_reported(alice_client, app, alice):
    mine = add_session(app, alice.id)
    text = f"id,occurred_at,kind,pain_before,pain_after,mood\r\n{mine},2026-05-01T18:30:00+02:00,self,1,1,1\r\n"
    response = upload(alice_client, text)
    assert response.status_code == 422
    assert "Line 2, column id: a different session with this id" in response.get_data(as_text=True)


GOOD = "2026-05-01T18:30:00+02:00,self,6,2,4"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty"),
        (f"{GOOD}\r\n", "Line 1: missing header row"),
        (
            "occurred_at;kind;pain_before;pain_after;mood\r\n2026-05-01T18:30:00+02:00;self;6;2;4\r\n",
            "separated by semicolons; use commas",
        ),
        (
            "occurred_at,kind,pain_before,pain_after\r\n2026-05-01T18:30:00+02:00,self,6,2\r\n",
            "Line 1: missing column(s): mood.",
        ),
        (
            "occurred_at,kind,pain_before,pain_after,mood,colour\r\n" + GOOD + ",red\r\n",
            "Line 1: unknown column(s): colour",
        ),
        ("occurred_at,kind,pain_before,pain_after,mood\r\n", "no rows to import"),
        (
            "occurred_at,kind,pain_before,pain_after,mood\r\n"
            + GOOD
            + "\r\n2026-05-01T18:30:00+02:00,self,seven,2,4\r\n",
            "Line 3, column pain_before: Must be a whole number from 0 to 10, not &#39;seven&#39;.",
        ),
        (
            "occurred_at,kind,pain_before,pain_after,mood\r\n"
            + GOOD
            + "\r\n2026-05-01T18:30:00+02:00,self,6,2\r\n",
            "Line 3: expected 5 values, found 4",
        ),
        (
            "occurred_at,kind,pain_before,pain_after,mood,focus_areas\r\n"
            + GOOD
            + ",neck;elbow\r\n",
            "Line 2, column focus_areas: Unknown: elbow",
        ),
        (
            "occurred_at,kind,pain_before,pain_after,mood\r\n2026-05-01 18:30,self,6,2,4\r\n",
            "Line 2, column occurred_at: Must be an ISO 8601 time with a UTC offset",
        ),
        (
            "occurred_at,kind,pain_before,pain_after,mood\r\n2027-05-01T18:30:00+02:00,self,6,2,4\r\n",
            "more than a day in the future",
        ),
        (
            "occurred_at,kind,pain_before,pain_after,mood,notes\r\n"
            + GOOD
            + ","
            + "x" * 2001
            + "\r\n",
            "Line 2, column notes: Must be at most 2,000 characters",
        ),
        (
            "id,occurred_at,kind,pain_before,pain_after,mood\r\n"
            "3f2c9a4e-8b1d-4c6e-9f7a-2d5b8e1c0a43,"
            + GOOD
            + "\r\n3f2c9a4e-8b1d-4c6e-9f7a-2d5b8e1c0a43,"
            + GOOD
            + "\r\n",
            "Line 3, column id: the same id is already on line 2.",
        ),
        (
            "occurred_at,kind,pain_before,pain_after,mood,notes\r\n" + GOOD + ',"multi\r\nline"\r\n'
            "2026-05-01T18:30:00+02:00,self,6,2,40,x\r\n",
            "Line 4, column mood",
        ),
    ],
)
def test_bad_files_are_rejected_precisely_and_import_nothing(
    alice_client, app, alice, text, message
):
    response = upload(alice_client, text)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html, html[html.find("Nothing was imported") :][:600]
    assert "Nothing was imported" in html
    assert count_sessions(app, alice.id) == 0


def test_non_utf8_and_missing_files_are_explained(alice_client, app, alice):
    response = upload(alice_client, "occurred_at,notes\r\n".encode("utf-16"))
    assert response.status_code == 422 and "UTF-8" in response.get_data(as_text=True)
    response = alice_client.post("/sessions/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a CSV file" in response.get_data(as_text=True)


def test_a_huge_file_is_refused_with_the_limit(alice_client, app, alice, monkeypatch):
    monkeypatch.setattr(csvio, "MAX_ROWS", 50)
    text = "occurred_at,kind,pain_before,pain_after,mood\r\n" + (GOOD + "\r\n") * 120
    response = upload(alice_client, text)
    assert response.status_code == 422
    assert "The file has 120 rows; at most 50 can be imported" in response.get_data(as_text=True)
    assert count_sessions(app, alice.id) == 0


def test_the_real_limit_is_ten_thousand_rows(alice_client, app, alice):
    # Tiny rows keep the upload under the test client's 500 KB in-memory threshold.
    text = "occurred_at,kind,pain_before,pain_after,mood\r\n" + "1\r\n" * 100_000
    response = upload(alice_client, text)
    assert response.status_code == 422
    assert "100,000 rows; at most 10,000" in response.get_data(as_text=True)


def test_import_links_my_appointments_only(alice_client, bob_client, app, alice, bob):
    ids = add_appointment(app, alice.id)
    text = f"occurred_at,kind,pain_before,pain_after,mood,appointment_id\r\n{GOOD},{ids['appointment_uuid']}\r\n"
    response = upload(bob_client, text)
    assert response.status_code == 422 and "No such appointment" in response.get_data(as_text=True)
    assert upload(alice_client, text).status_code == 302
    assert count_sessions(app, bob.id) == 0 and count_sessions(app, alice.id) == 1


def test_import_and_export_need_login_and_csrf(client, alice_client, app, alice):
    assert client.get("/sessions/export.csv").status_code == 302
    text = "occurred_at,kind,pain_before,pain_after,mood\r\n" + GOOD + "\r\n"
    response = alice_client.post(
        "/sessions/import",
        data={"file": (io.BytesIO(text.encode()), "a.csv")},
        content_type="multipart/form-data",
        csrf=False,
    )
    assert response.status_code == 400 and count_sessions(app, alice.id) == 0


def test_the_account_json_export_contains_sessions(alice_client, app, alice):
    seed(app, alice)
    data = json.loads(alice_client.get("/settings/export.json").data)
    notes = [row["notes"] for row in data["tables"]["massage_session"]]
    assert len(notes) == 3 and "gone" in notes


def test_a_file_over_the_size_limit_is_explained(alice_client, app, alice, monkeypatch):
    monkeypatch.setattr(csvio, "MAX_BYTES", 4096)
    text = "occurred_at,kind,pain_before,pain_after,mood\r\n" + (GOOD + "\r\n") * 500
    response = upload(alice_client, text)
    assert response.status_code == 413
    assert "larger than" in response.get_data(as_text=True)
    assert count_sessions(app, alice.id) == 0
