"""Shared helpers: fixture files, the wizard's steps, and reading back sessions."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from tracker.extensions import db
from tracker.models import MassageSession

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def loop_zip(folder: str = "loop") -> bytes:
    """Zip a fixture folder the way Loop's export lays it out."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        root = FIXTURES / folder
        for path in sorted(root.rglob("*.csv")):
            archive.write(path, path.relative_to(root).as_posix())
    return out.getvalue()


def upload(client, raw: bytes, name: str = "sheet.csv", **form):
    return client.post(
        "/settings/data/import",
        data={"file": (io.BytesIO(raw), name), **form},
        content_type="multipart/form-data",
    )


def token_of(response) -> str:
    return response.get_data(as_text=True).split('name="token" value="', 1)[1].split('"', 1)[0]


def sessions(app, user_id: int) -> list[MassageSession]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                db.select(MassageSession)
                .where(MassageSession.user_id == user_id)
                .order_by(MassageSession.occurred_at)
            )
        )
        db.session.expunge_all()
        return rows
