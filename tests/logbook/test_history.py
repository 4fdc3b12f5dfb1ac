"""History, edit next morning, soft delete with undo, recently deleted, sleep form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tracker.extensions import db
from tracker.models import SleepLog

from .conftest import NOW, add_session, form, get_session


def test_history_is_newest_first_and_paginated(alice_client, app, alice):
    base = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    for i in range(25):
        add_session(app, alice.id, occurred_at=base + timedelta(days=i), notes=f"n{i}")
    first = alice_client.get("/sessions").get_data(as_text=True)
    assert first.count('class="card entry"') == 20
    assert first.index("Thu 25 Jun 2026") < first.index("Wed 24 Jun 2026")
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = alice_client.get("/sessions?page=2").get_data(as_text=True)
    assert second.count('class="card entry"') == 5 and "Mon 01 Jun 2026" in second
    assert alice_client.get("/sessions?page=99").status_code == 200


def test_history_filters_by_kind_therapist_and_local_dates(alice_client, app, alice):
    add_session(app, alice.id, kind="self", occurred_at=datetime(2026, 10, 1, 22, 30, tzinfo=UTC))
    add_session(
        app,
        alice.id,
        kind="professional",
        therapist_name="Dana",
        occurred_at=datetime(2026, 10, 2, 9, 0, tzinfo=UTC),
    )
    add_session(
        app,
        alice.id,
        kind="professional",
        therapist_name="Rui",
        occurred_at=datetime(2026, 10, 5, 9, 0, tzinfo=UTC),
    )

    def count(query):
        return (
            alice_client.get(f"/sessions?{query}")
            .get_data(as_text=True)
            .count('class="card entry"')
        )

    assert count("kind=self") == 1
    assert count("kind=professional&therapist=Dana") == 1
    # 22:30 UTC on 1 Oct is 00:30 on 2 Oct in Berlin: the filter works in the user's zone.
    assert count("from=2026-10-02&to=2026-10-02") == 2
    assert count("to=2026-10-01") == 0
    page = alice_client.get("/sessions?from=tomorrow").get_data(as_text=True)
    assert "a date; use YYYY-MM-DD" in page


def test_history_shows_only_my_sessions(alice_client, app, alice, bob):
    add_session(app, bob.id, notes="bob's", therapist_name="BobsTherapist")
    page = alice_client.get("/sessions").get_data(as_text=True)
    assert "BobsTherapist" not in page and "No sessions yet" in page


def test_editing_next_morning_keeps_the_identity(alice_client, app, alice):
    data = form()
    alice_client.post("/sessions/new", data=data)
    created = get_session(app, data["id"])
    with time_machine.travel(NOW + timedelta(hours=18), tick=False):
        page = alice_client.get(f"/sessions/{data['id']}/edit").get_data(as_text=True)
        assert 'value="2026-11-07T13:30"' in page and "Edit session" in page
        assert 'data-outbox="session"' not in page
        response = alice_client.post(
            f"/sessions/{data['id']}/edit",
            data={
                **data,
                "id": "11111111-1111-4111-8111-111111111111",
                "sleep_quality": "5",
                "sleep_hours": "8",
            },
        )
    assert response.status_code == 302
    edited = get_session(app, data["id"])
    assert edited.id == created.id and edited.client_id == data["id"]
    assert (edited.sleep_quality, edited.sleep_hours) == (5, 8.0)
    assert edited.updated_at > created.updated_at


def test_an_invalid_edit_changes_nothing(alice_client, app, alice):
    mine = add_session(app, alice.id)
    response = alice_client.post(f"/sessions/{mine}/edit", data=form(mood="9", id=mine))
    assert response.status_code == 422 and get_session(app, mine).mood == 4


def test_delete_then_undo(alice_client, app, alice):
    mine = add_session(app, alice.id)
    response = alice_client.post(f"/sessions/{mine}/delete")
    assert response.status_code == 302 and f"deleted={mine}" in response.location
    page = alice_client.get(response.location).get_data(as_text=True)
    assert "deleted." in page and f"/sessions/{mine}/restore" in page and ">Undo<" in page
    assert 'class="card entry"' not in page
    assert get_session(app, mine).deleted_at is not None
    assert alice_client.post(f"/sessions/{mine}/restore").status_code == 302
    assert get_session(app, mine).deleted_at is None
    assert alice_client.get("/sessions").get_data(as_text=True).count('class="card entry"') == 1


def test_recently_deleted_lists_30_days_and_restores(alice_client, app, alice):
    recent = add_session(app, alice.id, deleted_at=NOW - timedelta(days=29), notes="recent")
    old = add_session(app, alice.id, deleted_at=NOW - timedelta(days=31))
    add_session(app, alice.id)  # live
    page = alice_client.get("/sessions/deleted").get_data(as_text=True)
    assert f"/sessions/{recent}/restore" in page and f"/sessions/{old}/restore" not in page
    assert alice_client.post(f"/sessions/{old}/restore").status_code == 404
    assert alice_client.post(f"/sessions/{recent}/restore").status_code == 302
    assert get_session(app, recent).deleted_at is None


def test_a_deleted_session_cannot_be_edited_until_restored(alice_client, app, alice):
    mine = add_session(app, alice.id, deleted_at=NOW)
    assert alice_client.get(f"/sessions/{mine}/edit").status_code == 404
    assert alice_client.post(f"/sessions/{mine}/delete").status_code == 404


def test_sleep_form_logs_and_edits_one_night(alice_client, app, alice):
    page = alice_client.get("/sleep").get_data(as_text=True)
    assert 'value="2026-11-06"' in page  # last night in Berlin
    assert (
        alice_client.post("/sleep", data={"night": "2026-11-06", "quality": "2"}).status_code == 302
    )
    assert (
        alice_client.post(
            "/sleep", data={"night": "2026-11-06", "quality": "4", "hours": "7,5"}
        ).status_code
        == 302
    )
    with app.app_context():
        rows = list(db.session.scalars(db.select(SleepLog)))
        assert [(r.quality, r.hours) for r in rows] == [(4, 7.5)]
    edit = alice_client.get("/sleep?night=2026-11-06").get_data(as_text=True)
    assert 'value="4" checked' in edit and 'value="7.5"' in edit


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"night": "2026-11-06"}, "This field is required"),
        ({"night": "2026-11-20", "quality": "3"}, "future"),
        ({"night": "2026-11-06", "quality": "3", "hours": "99"}, "0 to 24"),
    ],
)
def test_sleep_form_rejects_bad_input(alice_client, app, data, message):
    response = alice_client.post("/sleep", data=data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(SleepLog)) == 0


def test_sleep_form_points_to_a_massage_that_evening(alice_client, app, alice):
    mine = add_session(app, alice.id, occurred_at=datetime(2026, 11, 6, 17, 0, tzinfo=UTC))
    page = alice_client.get("/sleep").get_data(as_text=True)
    assert f"/sessions/{mine}/edit" in page


def test_settings_link_to_export_import_and_tokens(alice_client):
    page = alice_client.get("/settings/data").get_data(as_text=True)
    for link in ("/sessions/export.csv", "/sessions/import", "/sessions/deleted"):
        assert link in page, link
    assert "/settings/tokens" in alice_client.get("/settings").get_data(as_text=True)


def test_the_undo_banner_never_shows_someone_elses_session(alice_client, app, bob):
    theirs = add_session(app, bob.id, deleted_at=NOW)
    page = alice_client.get(f"/sessions?deleted={theirs}").get_data(as_text=True)
    assert f"/sessions/{theirs}/restore" not in page
    assert alice_client.get("/sessions?deleted=garbage").status_code == 200
