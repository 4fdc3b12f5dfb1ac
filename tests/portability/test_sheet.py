"""Any spreadsheet's CSV through a column mapping: BOM, semicolons, decimal commas,
Excel dates, a chosen date format and time zone; a bad row saves nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from .helpers import fixture, sessions, token_of, upload


def test_semicolons_bom_and_decimal_commas(app, alice, alice_client):
    choices = upload(alice_client, fixture("sheet_semicolon_bom.csv"), "Tabelle1.csv")
    html = choices.get_data(as_text=True)
    assert "Any spreadsheet (CSV)" in html and '<option value="Schmerz vorher"' in html
    token = token_of(choices)
    form = {
        "token": token,
        "map:date": "Datum",
        "map:kind": "Art",
        "map:pain_before": "Schmerz vorher",
        "map:pain_after": "Schmerz nachher",
        "map:mood": "Stimmung",
        "map:duration_minutes": "Dauer",
        "map:notes": "Notiz",
        "date_format": "%d.%m.%Y %H:%M",
        "timezone": "Europe/Vienna",
    }
    preview = alice_client.post("/settings/data/import/preview", data=form)
    assert "3 new sessions" in preview.get_data(as_text=True), preview.get_data(as_text=True)
    alice_client.post("/settings/data/import/confirm", data={"token": token})
    rows = sessions(app, alice.id)
    assert [
        (r.occurred_at, r.kind, r.pain_before, r.pain_after, r.duration_minutes) for r in rows
    ] == [
        (datetime(2026, 10, 1, 16, 30, tzinfo=UTC), "self", 6, 3, 25),
        (datetime(2026, 10, 3, 7, 0, tzinfo=UTC), "professional", 7, 2, 60),
        (datetime(2026, 10, 5, 18, 15, tzinfo=UTC), "self", 5, 4, 20),  # blank: the default
    ]
    assert rows[1].notes == "Massage bei Dana; sehr gut"


def test_excel_serial_dates_via_cli(app, runner, alice, tmp_path):
    path = tmp_path / "sheet.csv"
    path.write_bytes(fixture("sheet_excel_dates.csv"))
    mapping = "date=When,pain_before=Pain before,pain_after=Pain after,mood=Mood,notes=Notes"
    args = ["data", "import", "--user", "alice@example.com", str(path), "--map", mapping]
    result = runner.invoke(args=[*args, "--timezone", "UTC"])
    assert result.exit_code == 0, result.output
    assert [r.occurred_at for r in sessions(app, alice.id)] == [
        datetime(2026, 10, 1, 18, 0, tzinfo=UTC),
        datetime(2026, 10, 2, 9, 0, tzinfo=UTC),
        datetime(2026, 10, 4, 19, 30, tzinfo=UTC),
    ]
    again = runner.invoke(args=[*args, "--timezone", "UTC"])
    assert "adds nothing new; 3 already" in again.output


def test_a_bad_row_in_the_middle_saves_nothing(app, runner, alice, alice_client, tmp_path):
    path = tmp_path / "sheet.csv"
    path.write_bytes(fixture("sheet_bad_row.csv"))
    mapping = "date=date,pain_before=pain_before,pain_after=pain_after,mood=mood,notes=notes"
    result = runner.invoke(
        args=["data", "import", "--user", "alice@example.com", str(path), "--map", mapping]
    )
    assert result.exit_code != 0
    assert "Line 4, column pain_after: must be between 0 and 10" in result.output
    assert sessions(app, alice.id) == []
    # The same file through the wizard: the problem is listed, nothing saved.
    token = token_of(upload(alice_client, fixture("sheet_bad_row.csv"), "sheet.csv"))
    form = {
        "token": token,
        **{f"map:{f}": f for f in ("date", "pain_before", "pain_after", "mood")},
    }
    response = alice_client.post("/settings/data/import/preview", data=form)
    assert response.status_code == 422
    assert "Line 4, column pain_after" in response.get_data(as_text=True)
    # Confirming anyway (a stale tab) saves nothing either.
    confirmed = alice_client.post("/settings/data/import/confirm", data={"token": token})
    assert confirmed.status_code == 422
    assert sessions(app, alice.id) == []


def test_a_date_that_does_not_match_the_format_is_named(app, runner, alice, tmp_path):
    path = tmp_path / "sheet.csv"
    path.write_bytes(fixture("sheet_semicolon_bom.csv"))
    result = runner.invoke(
        args=["data", "import", "--user", "alice@example.com", str(path), "--map", "date=Datum"]
        + ["--date-format", "%Y-%m-%d", "--dry-run"]
    )
    assert result.exit_code != 0
    assert "Line 2, column Datum: isn't a date matching %Y-%m-%d" in result.output


def test_too_many_rows_are_refused_with_the_limit(app, runner, alice, tmp_path, monkeypatch):
    from tracker.portability import service

    monkeypatch.setattr(service, "MAX_ROWS", 2)
    path = tmp_path / "sheet.csv"
    path.write_bytes(fixture("sheet_excel_dates.csv"))  # three rows
    result = runner.invoke(
        args=["data", "import", "--user", "alice@example.com", str(path), "--map", "date=When"]
    )
    assert result.exit_code != 0
    assert "more than 2 rows; split it into smaller files" in result.output
    assert sessions(app, alice.id) == []
