"""`flask data export|import`: same formats as the pages, all or nothing, clear exits."""

from __future__ import annotations

import json

from fhir.resources.R4B.bundle import Bundle

from tests.seed import seed
from tracker.extensions import db
from tracker.models import MassageSession

from .conftest import comparable


def sessions(app, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            db.select(db.func.count())
            .select_from(MassageSession)
            .where(MassageSession.user_id == user_id)
        )


def test_export_json_then_import_into_another_account(app, runner, alice, bob, tmp_path):
    seed(app, alice)
    out = tmp_path / "alice.json"
    result = runner.invoke(
        args=[
            "data",
            "export",
            "--user",
            "ALICE@example.com",
            "--format",
            "json",
            "--output",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["format"] == "back-relief-export"

    dry = runner.invoke(args=["data", "import", "--user", "bob@example.com", str(out), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Dry run, nothing saved." in dry.output and "2 sessions" in dry.output
    assert sessions(app, bob.id) == 0

    real = runner.invoke(args=["data", "import", "--user", "bob@example.com", str(out)])
    assert real.exit_code == 0, real.output
    assert comparable(app, bob.id) == comparable(app, alice.id)
    again = runner.invoke(args=["data", "import", "--user", "bob@example.com", str(out)])
    assert "adds nothing new" in again.output


def test_export_fhir_and_csv_to_stdout(app, runner, alice):
    seed(app, alice)
    fhir = runner.invoke(args=["data", "export", "--user", "alice@example.com", "--format", "fhir"])
    assert fhir.exit_code == 0
    Bundle.parse_obj(json.loads(fhir.output))
    csv = runner.invoke(args=["data", "export", "--user", "alice@example.com", "--format", "csv"])
    assert csv.output.splitlines()[0].startswith("id,occurred_at,kind")
    assert len(csv.output.splitlines()) == 2  # header and the one live session


def test_bad_csv_exits_non_zero_with_line_and_column(app, runner, alice, tmp_path):
    bad = tmp_path / "sheet.csv"
    bad.write_text(
        "occurred_at,kind,pain_before,pain_after,mood\n"
        "2026-10-01T18:00:00+02:00,self,6,3,4\n"
        "2026-10-02T18:00:00+02:00,self,six,3,4\n"
        "2026-10-03T18:00:00+02:00,self,5,2,4\n"
    )
    result = runner.invoke(args=["data", "import", "--user", "alice@example.com", str(bad)])
    assert result.exit_code != 0
    assert "Line 3, column pain_before" in result.output
    assert "nothing was saved" in result.output
    assert sessions(app, alice.id) == 0


def test_unknown_user_and_unknown_format(app, runner, alice, tmp_path):
    missing = runner.invoke(args=["data", "export", "--user", "nobody@example.com"])
    assert missing.exit_code != 0 and "No account with the email" in missing.output
    blob = tmp_path / "notes.txt"
    blob.write_bytes(b"\x00\x01binary")
    result = runner.invoke(args=["data", "import", "--user", "alice@example.com", str(blob)])
    assert result.exit_code != 0 and "Unknown file format" in result.output
