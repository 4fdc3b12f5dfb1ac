"""The log form: 4-tap path, defaults, validation, idempotent double submit, advisory."""

from __future__ import annotations

import re
import uuid

import pytest

from tracker.extensions import db
from tracker.models import MassageSession, Routine, Therapist
from tracker.signals import session_changed

from .conftest import add_appointment, add_session, count_sessions, form, get_session


def hidden_id(html: str) -> str:
    return re.search(r'name="id" value="([0-9a-f-]{36})"', html).group(1)


def checked(html: str, name: str) -> str | None:
    match = re.search(rf'name="{name}" value="([^"]*)" checked', html)
    return match.group(1) if match else None


def test_the_form_is_offline_ready(alice_client):
    html = alice_client.get("/sessions/new").get_data(as_text=True)
    assert 'data-outbox="session"' in html and 'action="/sessions/new"' in html
    uuid.UUID(hidden_id(html))
    for name in (
        "occurred_at_local",
        "kind",
        "duration_minutes",
        "style",
        "therapist",
        "focus_areas",
        "pressure",
        "pain_before",
        "pain_after",
        "mood",
        "relaxation",
        "sleep_quality",
        "sleep_hours",
        "water_glasses",
        "tools",
        "notes",
        "appointment_id",
    ):
        assert f'name="{name}"' in html, name
    assert "<script>" not in html and "style=" not in html


def test_the_four_tap_path_saves_a_complete_entry(alice_client, app, alice):
    """Post exactly what the page pre-fills, plus the three ratings."""
    html = alice_client.get("/sessions/new").get_data(as_text=True)
    fields = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"[^>]*>', html))
    prefilled = {
        k: v
        for k, v in fields.items()
        if k
        in (
            "id",
            "occurred_at_local",
            "duration_minutes",
            "water_glasses",
            "therapist",
            "appointment_id",
            "routine_id",
            "sleep_hours",
        )
    }
    prefilled.update(kind=checked(html, "kind"), pressure=checked(html, "pressure"))
    taps = {"pain_before": "7", "pain_after": "3", "mood": "4"}
    response = alice_client.post("/sessions/new", data={**prefilled, **taps})
    assert response.status_code == 302
    stored = get_session(app, prefilled["id"])
    assert (stored.pain_before, stored.pain_after, stored.mood) == (7, 3, 4)
    assert stored.kind == "self" and stored.duration_minutes == 20 and stored.pressure == "medium"
    assert stored.occurred_at.isoformat() == "2026-11-07T14:00:00+00:00"


def test_defaults_come_from_the_main_routine(alice_client, app, alice):
    with app.app_context():
        therapist = Therapist(user_id=alice.id, name="Rui")
        db.session.add(therapist)
        db.session.flush()
        from datetime import date

        db.session.add(
            Routine(
                user_id=alice.id,
                name="Monthly",
                kind="professional",
                style="swedish",
                duration_minutes=75,
                therapist_id=therapist.id,
                anchor_date=date(2026, 1, 1),
            )
        )
        db.session.commit()
    html = alice_client.get("/sessions/new").get_data(as_text=True)
    assert checked(html, "kind") == "professional"
    assert 'name="therapist" type="text" value="Rui"' in html and 'value="75"' in html


def test_an_appointment_link_prefills_from_that_appointment(alice_client, app, alice):
    ids = add_appointment(app, alice.id)
    for key in (ids["appointment"], ids["appointment_uuid"]):
        html = alice_client.get(f"/sessions/new?appointment={key}").get_data(as_text=True)
        assert checked(html, "kind") == "professional"
        assert 'value="Dana Kim"' in html and 'value="90"' in html
        assert '<option value="shiatsu" selected>' in html
        assert 'value="2026-11-07T13:00"' in html  # 12:00 UTC in Berlin
        assert f'name="appointment_id" value="{ids["appointment_uuid"]}"' in html


def test_a_logged_appointment_opens_its_entry_instead(alice_client, app, alice):
    ids = add_appointment(app, alice.id)
    existing = add_session(app, alice.id, appointment_id=ids["appointment"])
    response = alice_client.get(f"/sessions/new?appointment={ids['appointment']}")
    assert response.status_code == 302 and f"/sessions/{existing}/edit" in response.location


def test_a_routine_link_prefills_from_that_routine(alice_client, app, alice):
    ids = add_appointment(app, alice.id)
    html = alice_client.get(f"/sessions/new?routine={ids['routine']}").get_data(as_text=True)
    assert '<option value="sports" selected>' in html and 'value="45"' in html
    assert f'name="routine_id" value="{ids["routine"]}"' in html


@pytest.mark.parametrize("query", ["appointment", "routine"])
def test_bobs_appointment_or_routine_is_404(alice_client, app, bob, query):
    ids = add_appointment(app, bob.id)
    key = ids["appointment"] if query == "appointment" else ids["routine"]
    assert alice_client.get(f"/sessions/new?{query}={key}").status_code == 404
    assert alice_client.get(f"/sessions/new?{query}=nonsense").status_code == 404


def test_a_full_form_saves_every_field(alice_client, app, alice):
    ids = add_appointment(app, alice.id)
    data = form(
        kind="professional",
        therapist="dana kim",
        style="shiatsu",
        duration_minutes="90",
        focus_areas=["neck", "feet"],
        tools=["oil"],
        pressure="firm",
        relaxation="5",
        sleep_quality="4",
        sleep_hours="7.5",
        water_glasses="3",
        notes="Great",
        appointment_id=ids["appointment_uuid"],
        routine_id=str(ids["routine"]),
    )
    assert alice_client.post("/sessions/new", data=data).status_code == 302
    stored = get_session(app, data["id"])
    assert stored.focus_areas == ["neck", "feet"] and stored.tools == ["oil"]
    assert stored.therapist_id == ids["therapist"] and stored.appointment_id == ids["appointment"]
    assert (stored.sleep_quality, stored.sleep_hours, stored.water_glasses) == (4, 7.5, 3)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("pain_before", "seven", "not &#39;seven&#39;"),
        ("pain_before", "11", "from 0 to 10"),
        ("pain_after", "-1", "from 0 to 10"),
        ("pain_after", None, "This field is required"),
        ("mood", "6", "from 1 to 5"),
        ("mood", None, "This field is required"),
        ("relaxation", "0", "from 1 to 5"),
        ("sleep_quality", "9", "from 1 to 5"),
        ("sleep_hours", "25", "from 0 to 24"),
        ("duration_minutes", "abc", "whole number"),
        ("water_glasses", "99", "from 0 to 50"),
        ("kind", "spa", "Must be one of"),
        ("pressure", "x", "Must be one of"),
        ("style", "judo", "Must be one of"),
        ("focus_areas", ["neck", "elbow"], "Unknown: elbow"),
        ("tools", ["chainsaw"], "Unknown: chainsaw"),
        ("notes", "n" * 2001, "at most 2,000 characters"),
        ("occurred_at_local", "2026-11-09T12:00", "more than a day in the future"),
        ("occurred_at_local", "someday", "Enter a date and time"),
        ("occurred_at_local", None, "This field is required"),
        ("appointment_id", str(uuid.uuid4()), "No such appointment"),
    ],
)
def test_every_rule_shows_its_message_and_saves_nothing(
    alice_client, app, alice, field, value, message
):
    data = form(**{field: value})
    response = alice_client.post("/sessions/new", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and "Nothing was saved" in html
    assert f'id="{field}-error"' in html
    assert count_sessions(app, alice.id) == 0
    assert f'value="{data["id"]}"' in html  # the retry keeps the same id


def test_a_dst_gap_time_explains_the_fix(alice_client, app, alice):
    response = alice_client.post("/sessions/new", data=form(occurred_at_local="2026-03-29T02:30"))
    assert response.status_code == 422
    assert "the clocks went forward. Did you mean 03:30?" in response.get_data(as_text=True)


def test_a_double_submit_saves_once(alice_client, app, alice):
    data = form()
    first = alice_client.post("/sessions/new", data=data)
    second = alice_client.post("/sessions/new", data=data)
    assert first.status_code == second.status_code == 302
    assert count_sessions(app, alice.id) == 1
    page = alice_client.get("/sessions").get_data(as_text=True)
    assert "Already saved." in page


def test_a_changed_resubmit_of_the_same_id_is_refused(alice_client, app, alice):
    data = form()
    alice_client.post("/sessions/new", data=data)
    response = alice_client.post("/sessions/new", data={**data, "mood": "1"})
    assert response.status_code == 409
    assert "already saved with other details" in response.get_data(as_text=True)
    assert get_session(app, data["id"]).mood == 4


def test_severe_pain_shows_the_advisory(alice_client):
    page = alice_client.get("/sessions/new").get_data(as_text=True)
    assert "8 or more after a massage? Stop, and seek medical advice." in page  # without JS too
    response = alice_client.post("/sessions/new", data=form(pain_after="8"), follow_redirects=True)
    assert "seek medical advice" in response.get_data(as_text=True)
    calm = alice_client.post("/sessions/new", data=form(pain_after="7"), follow_redirects=True)
    assert "flash-advisory" not in calm.get_data(as_text=True)


def test_session_changed_is_sent_before_commit(alice_client, app, alice):
    seen = []

    def receiver(session):
        # Inside the transaction: the row is flushed but the change isn't committed yet.
        seen.append(
            (session.client_id, session.deleted_at is not None, db.session().in_transaction())
        )

    session_changed.connect(receiver)
    try:
        data = form()
        alice_client.post("/sessions/new", data=data)
        alice_client.post(f"/sessions/{data['id']}/edit", data={**data, "mood": "5"})
        alice_client.post(f"/sessions/{data['id']}/delete")
        alice_client.post(f"/sessions/{data['id']}/restore")
        alice_client.post("/sessions/new", data=data)  # replay: no signal
    finally:
        session_changed.disconnect(receiver)
    assert [s[1] for s in seen] == [False, False, True, False]
    assert all(s[0] == data["id"] and s[2] for s in seen)


def test_the_page_needs_a_login(client):
    response = client.get("/sessions/new")
    assert response.status_code == 302 and "/login" in response.location


def test_csrf_is_required_for_the_form(alice_client, app, alice):
    response = alice_client.post("/sessions/new", data=form(), csrf=False)
    assert response.status_code == 400
    assert count_sessions(app, alice.id) == 0


def test_focus_areas_keep_a_canonical_order(alice_client, app):
    data = form(focus_areas=["feet", "neck", "feet"])
    alice_client.post("/sessions/new", data=data)
    assert get_session(app, data["id"]).focus_areas == ["neck", "feet"]


def test_stored_rows_are_never_partial(app, alice_client, alice):
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(MassageSession)) == 0
