"""Loop Habit Tracker's zip: checked days of a mapped habit become minimal sessions."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, time

from tracker.extensions import db
from tracker.models import Routine

from .helpers import loop_zip, sessions, token_of, upload


def routine_for(app, user, name="Rolling", preferred=time(19, 0)) -> int:
    with app.app_context():
        row = Routine(
            user_id=user.id,
            name=name,
            kind="self",
            anchor_date=datetime(2026, 1, 1).date(),
            preferred_time=preferred,
            duration_minutes=15,
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def test_checked_days_become_sessions_under_the_routine(app, alice, alice_client):
    routine = routine_for(app, alice)
    choices = upload(alice_client, loop_zip(), "Loop Habits CSV 2026-10-09.zip")
    html = choices.get_data(as_text=True)
    assert "Loop Habit Tracker export" in html and 'name="habit:Foam roller"' in html
    token = token_of(choices)
    preview = alice_client.post(
        "/settings/data/import/preview", data={"token": token, "habit:Foam roller": str(routine)}
    )
    assert "3 new sessions" in preview.get_data(as_text=True)
    alice_client.post("/settings/data/import/confirm", data={"token": token})
    rows = sessions(app, alice.id)
    # Only YES_MANUAL days; gaps, skips and Loop's own YES_AUTO fill-ins are not sessions.
    assert [r.occurred_at for r in rows] == [
        datetime(2026, 10, 2, 17, 0, tzinfo=UTC),  # 19:00 in Berlin
        datetime(2026, 10, 5, 17, 0, tzinfo=UTC),
        datetime(2026, 10, 9, 17, 0, tzinfo=UTC),
    ]
    assert {(r.routine_id, r.kind, r.duration_minutes, r.mood, r.pain_after) for r in rows} == {
        (routine, "self", 15, None, None)  # nothing invented: no ratings
    }


def test_reimport_adds_nothing_and_bobs_routine_cannot_be_used(app, runner, alice, bob, tmp_path):
    mine, his = routine_for(app, alice), routine_for(app, bob)
    path = tmp_path / "loop.zip"
    path.write_bytes(loop_zip())
    base = ["data", "import", "--user", "alice@example.com", str(path)]
    stolen = runner.invoke(args=[*base, "--habit", f"Foam roller={his}"])
    assert stolen.exit_code != 0 and f"routine {his} isn't one of your routines" in stolen.output
    assert runner.invoke(args=[*base, "--habit", f"Foam roller={mine}"]).exit_code == 0
    again = runner.invoke(args=[*base, "--habit", f"Foam roller={mine}"])
    assert "adds nothing new; 3 already" in again.output
    assert len(sessions(app, alice.id)) == 3 and sessions(app, bob.id) == []


def test_a_zip_bomb_is_refused_before_reading(app, alice, alice_client):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Checkmarks.csv", b"Date,Foam roller,\n" + b"0" * (30 * 1024 * 1024))
    assert len(out.getvalue()) < 100 * 1024  # tiny on the wire
    response = upload(alice_client, out.getvalue(), "bomb.zip")
    assert response.status_code == 422
    assert "unpacks to too much data; refused" in response.get_data(as_text=True)


def test_a_zip_without_checkmarks_is_refused(alice_client):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hello")
    response = upload(alice_client, out.getvalue(), "other.zip")
    assert "no Checkmarks.csv" in response.get_data(as_text=True)
