"""Daylio's CSV: chosen activities become sessions, custom moods are mapped, notes kept."""

from __future__ import annotations

from datetime import UTC, datetime

from .helpers import fixture, sessions, token_of, upload

FILE = "daylio_custom_moods.csv"


def test_wizard_lists_activities_and_moods_then_imports(app, alice, alice_client):
    choices = upload(alice_client, fixture(FILE), "daylio_export.csv")
    html = choices.get_data(as_text=True)
    assert "Daylio CSV export" in html
    assert 'value="foam roller"' in html and 'name="mood:ecstatic"' in html
    token = token_of(choices)
    form = {
        "token": token,
        "activity": ["massage", "foam roller"],
        "kind": "self",
        "mood:ecstatic": "5",
        "mood:sore": "2",
    }
    preview = alice_client.post("/settings/data/import/preview", data=form)
    assert preview.status_code == 200, preview.get_data(as_text=True)
    assert "3 new sessions" in preview.get_data(as_text=True)
    assert sessions(app, alice.id) == []
    assert (
        alice_client.post("/settings/data/import/confirm", data={"token": token}).status_code == 302
    )
    rows = sessions(app, alice.id)
    assert [(r.occurred_at, r.mood, r.kind, r.pain_before) for r in rows] == [
        (datetime(2026, 10, 3, 9, 50, tzinfo=UTC), 1, "self", None),  # 11:50 am Berlin (CEST)
        (datetime(2026, 10, 7, 20, 5, tzinfo=UTC), 2, "self", None),
        (datetime(2026, 10, 9, 19, 15, tzinfo=UTC), 5, "self", None),
    ]
    assert rows[0].notes == "Back pain\nWoke up stiff; rolled before breakfast"
    assert rows[2].notes == "Great day\nDana worked on my neck, <b>much</b> better"


def test_an_unmapped_custom_mood_is_named_with_its_line(app, alice, alice_client):
    token = token_of(upload(alice_client, fixture(FILE), "daylio_export.csv"))
    form = {"token": token, "activity": ["massage", "foam roller"], "mood:ecstatic": "5"}
    response = alice_client.post("/settings/data/import/preview", data=form)
    assert response.status_code == 422
    assert "Line 4, column mood: unknown mood &#39;sore&#39;" in response.get_data(as_text=True)
    assert sessions(app, alice.id) == []


def test_cli_import_twice_adds_nothing_the_second_time(app, runner, alice, tmp_path):
    path = tmp_path / FILE
    path.write_bytes(fixture(FILE))
    args = ["data", "import", "--user", "alice@example.com", str(path), "--activity", "massage"]
    args += ["--activity", "foam roller", "--mood", "ecstatic=5", "--mood", "sore=2"]
    args += ["--kind", "professional"]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert "adds 3 sessions" in first.output
    second = runner.invoke(args=args)
    assert "adds nothing new; 3 already in the account" in second.output
    assert {r.kind for r in sessions(app, alice.id)} == {"professional"}


def test_cli_refuses_a_bad_mood_value(runner, alice, tmp_path):
    path = tmp_path / FILE
    path.write_bytes(fixture(FILE))
    result = runner.invoke(
        args=["data", "import", "--user", "alice@example.com", str(path), "--mood", "sore=9"]
    )
    assert result.exit_code != 0 and "use a number from 1 to 5" in result.output
