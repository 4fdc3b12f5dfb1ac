"""The import wizard with CSV files: preview first, confirm saves, limits and isolation."""

from __future__ import annotations

from .helpers import sessions, token_of, upload

GOOD = (
    b"occurred_at,kind,pain_before,pain_after,mood,notes\r\n"
    b"2026-10-01T18:00:00+02:00,self,6,3,4,foam roller\r\n"
    b"2026-10-02T18:00:00+02:00,professional,7,2,5,\r\n"
)


def test_preview_shows_rows_and_saves_nothing_until_confirmed(app, alice, alice_client):
    preview = upload(alice_client, GOOD)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "2 new sessions" in html and "foam roller" in html
    assert sessions(app, alice.id) == []
    token = token_of(preview)
    assert token not in preview.request.url  # the preview is never named in a URL
    done = alice_client.post("/settings/data/import/confirm", data={"token": token})
    assert done.status_code == 302
    assert [(s.pain_before, s.notes) for s in sessions(app, alice.id)] == [
        (6, "foam roller"),
        (7, ""),
    ]
    # A confirmed preview is used up.
    again = alice_client.post("/settings/data/import/confirm", data={"token": token})
    assert again.status_code == 404


def test_reimporting_the_same_file_adds_nothing(app, alice, alice_client):
    first = upload(alice_client, GOOD)
    alice_client.post("/settings/data/import/confirm", data={"token": token_of(first)})
    second = upload(alice_client, GOOD)
    assert "Nothing new to add." in second.get_data(as_text=True)
    alice_client.post("/settings/data/import/confirm", data={"token": token_of(second)})
    assert len(sessions(app, alice.id)) == 2


def test_a_bad_row_in_the_middle_names_line_and_column(app, alice, alice_client):
    raw = (
        b"occurred_at,kind,pain_before,pain_after,mood\n"
        b"2026-10-01T18:00:00+02:00,self,6,3,4\n"
        b"2026-10-02T18:00:00+02:00,self,6,3,nine\n"
        b"2026-10-03T18:00:00+02:00,self,6,3,4\n"
    )
    response = upload(alice_client, raw)
    assert response.status_code == 422
    assert "Line 3, column mood" in response.get_data(as_text=True)
    assert 'name="token"' not in response.get_data(as_text=True)
    assert sessions(app, alice.id) == []


def test_a_file_over_the_size_limit_is_refused(app, alice, alice_client, monkeypatch):
    from tracker.portability import service

    monkeypatch.setattr(service, "MAX_BYTES", 100)
    response = upload(alice_client, GOOD + b"x" * 200)
    assert response.status_code == 422
    assert "larger than" in response.get_data(as_text=True)


def test_an_expired_preview_cannot_be_confirmed(app, alice, alice_client, frozen):
    from datetime import timedelta

    preview = upload(alice_client, GOOD)
    frozen.shift(timedelta(hours=1))
    response = alice_client.post("/settings/data/import/confirm", data={"token": token_of(preview)})
    assert response.status_code == 404
    assert sessions(app, alice.id) == []


def test_bob_cannot_confirm_alices_csv(app, alice, alice_client, bob, bob_client):
    token = token_of(upload(alice_client, GOOD))
    assert (
        bob_client.post("/settings/data/import/confirm", data={"token": token}).status_code == 404
    )
    assert sessions(app, bob.id) == [] and sessions(app, alice.id) == []


def test_the_data_page_says_what_each_format_is_for(alice_client):
    html = alice_client.get("/settings/data").get_data(as_text=True)
    assert "Everything in your account" in html
    assert "For clinicians (FHIR R4)" in html and "spreadsheet" in html
    assert "/settings/data" in alice_client.get("/settings").get_data(as_text=True)


def test_bob_cannot_choose_options_for_alices_upload(app, alice, alice_client, bob, bob_client):
    sheet = b"date,pain_before,pain_after,mood\n2026-10-01 18:00,6,3,4\n"
    token = token_of(upload(alice_client, sheet, "sheet.csv"))
    form = {"token": token, "map:date": "date", "map:mood": "mood"}
    assert bob_client.post("/settings/data/import/preview", data=form).status_code == 404
    assert (
        bob_client.post("/settings/data/import/confirm", data={"token": token}).status_code == 404
    )
    assert sessions(app, bob.id) == [] and sessions(app, alice.id) == []
