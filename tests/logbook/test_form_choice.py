"""The log form follows the user's choice of routine and kind, and recaps where it came from."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest

from tracker.extensions import db
from tracker.models import MassageSession, Routine, Therapist

from .conftest import get_session


@pytest.fixture
def two_routines(app, alice) -> dict:
    """A fortnightly professional routine with Dana, on track, and a foam-roller habit that
    is overdue (so it is due soonest)."""
    with app.app_context():
        dana = Therapist(user_id=alice.id, name="Dana")
        db.session.add(dana)
        db.session.flush()
        pro = Routine(
            user_id=alice.id, name="Fortnightly", kind="professional", style="swedish",
            duration_minutes=60, therapist_id=dana.id, anchor_date=date(2026, 11, 12),
        )  # fmt: skip
        roller = Routine(
            user_id=alice.id, name="Foam roller", kind="self", duration_minutes=15,
            tools=["foam_roller"], focus_areas=["lower_back"], anchor_date=date(2026, 11, 1),
        )  # fmt: skip
        db.session.add_all([pro, roller])
        db.session.commit()
        return {"pro": pro.id, "self": roller.id}


def selected_routine(html: str) -> str:
    select = re.search(r'<select id="f-routine_id".*?</select>', html, re.S).group(0)
    return re.search(r'<option value="(\d*)"[^>]*selected', select, re.S).group(1)


def posted(**values) -> dict:
    return {
        "id": str(uuid.uuid4()), "occurred_at_local": "2026-11-07T14:30", "pressure": "medium",
        "pain_before": "6", "pain_after": "3", "mood": "4", **values,
    }  # fmt: skip


def test_with_several_routines_the_one_due_soonest_is_chosen(alice_client, two_routines):
    html = alice_client.get("/sessions/new").get_data(as_text=True)
    assert selected_routine(html) == str(two_routines["self"])
    assert 'name="kind" value="self" checked' in html
    assert 'name="therapist" type="text" value=""' in html and 'value="15"' in html
    assert "Self-massage · 15 min · for Foam roller" in html  # the summary line
    asked = alice_client.get(f"/sessions/new?routine={two_routines['pro']}").text
    assert selected_routine(asked) == str(two_routines["pro"])
    assert "Professional with Dana · Swedish · 60 min · for Fortnightly" in asked


def test_switching_routine_without_js_replaces_the_old_defaults(app, alice_client, two_routines):
    pro, roller = two_routines["pro"], two_routines["self"]
    data = posted(
        defaults_from=str(pro), routine_id=str(roller), kind="professional", therapist="Dana",
        style="swedish", duration_minutes="60",
    )  # fmt: skip
    assert alice_client.post("/sessions/new", data=data).status_code == 302
    saved = get_session(app, data["id"])
    assert (saved.kind, saved.routine_id, saved.therapist_name, saved.style) == (
        "self",
        roller,
        "",
        "",
    )
    assert saved.duration_minutes == 15 and saved.tools == ["foam_roller"]


def test_switching_kind_moves_to_that_kinds_routine(app, alice_client, two_routines):
    pro, roller = two_routines["pro"], two_routines["self"]
    data = posted(
        defaults_from=str(pro), routine_id=str(pro), kind="self", therapist="Dana",
        style="swedish", duration_minutes="60",
    )  # fmt: skip
    alice_client.post("/sessions/new", data=data)
    saved = get_session(app, data["id"])
    assert (saved.kind, saved.routine_id, saved.therapist_name, saved.style) == (
        "self",
        roller,
        "",
        "",
    )


def test_values_typed_by_hand_are_kept(app, alice_client, two_routines):
    pro, roller = two_routines["pro"], two_routines["self"]
    data = posted(
        defaults_from=str(roller), routine_id=str(pro), kind="self", duration_minutes="45",
        tools=["foam_roller"],
    )  # fmt: skip
    alice_client.post("/sessions/new", data=data)
    saved = get_session(app, data["id"])
    assert (saved.kind, saved.routine_id, saved.therapist_name) == ("professional", pro, "Dana")
    assert saved.duration_minutes == 45 and saved.style == "swedish" and saved.tools == []


def test_a_post_without_defaults_from_is_taken_as_sent(app, alice_client, two_routines):
    data = posted(routine_id=str(two_routines["pro"]), kind="self", duration_minutes="20")
    alice_client.post("/sessions/new", data=data)
    saved = get_session(app, data["id"])
    assert (saved.kind, saved.routine_id) == ("self", two_routines["pro"])


def test_after_save_a_recap_with_undo_on_the_page_it_came_from(app, alice_client, two_routines):
    data = posted(defaults_from="", routine_id="", kind="self", next="/routine")
    response = alice_client.post("/sessions/new", data=data)
    assert response.headers["Location"] == f"/routine?done={data['id']}"
    page = alice_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Pain 6 → 3 logged." in page
    assert f'action="/sessions/{data["id"]}/delete"' in page
    # The form remembers where it was opened from.
    html = alice_client.get("/sessions/new?next=/routine").get_data(as_text=True)
    assert 'name="next" value="/routine"' in html
    outside = alice_client.get("/sessions/new?next=//evil.example").get_data(as_text=True)
    assert "evil.example" not in outside


def test_without_next_the_recap_is_on_history(app, alice_client, two_routines):
    data = posted(kind="self")
    response = alice_client.post("/sessions/new", data=data)
    assert response.headers["Location"] == f"/sessions?done={data['id']}"
    page = alice_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Pain 6 → 3 logged." in page and "Session saved." in page


def test_bobs_routine_cannot_be_chosen(app, bob_client, bob, two_routines):
    data = posted(defaults_from="", routine_id=str(two_routines["self"]), kind="self")
    assert bob_client.post("/sessions/new", data=data).status_code == 422
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(MassageSession.id))) == 0
