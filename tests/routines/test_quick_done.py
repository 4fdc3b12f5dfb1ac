"""One-tap Done on a self-massage routine: saved under that routine, undoable, rateable later."""

from __future__ import annotations

import uuid
from datetime import date

from tracker.extensions import db
from tracker.models import MassageSession

from .conftest import NOW, count


def foam_roller(make, user, **kw):
    return make.routine(
        user,
        name="Foam roller",
        kind="self",
        cadence_kind="times",
        cadence_count=2,
        cadence_unit="weeks",
        anchor_date=date(2026, 5, 3),
        tools=["foam_roller", "towel"],
        focus_areas=["lower_back"],
        duration_minutes=15,
        **kw,
    )


def done(client, routine_id, next_url="/", form_id=None):
    return client.post(
        f"/sessions/done/{routine_id}",
        data={"id": form_id or str(uuid.uuid4()), "next": next_url},
    )


def sessions(app, user_id):
    with app.app_context():
        rows = db.session.scalars(
            db.select(MassageSession).where(MassageSession.user_id == user_id)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_done_on_home_saves_a_self_massage_under_its_own_routine(app, alice_client, alice, make):
    make.routine(alice, name="Fortnightly", therapist_id=make.therapist(alice).id)
    routine = foam_roller(make, alice)
    home = alice_client.get("/").get_data(as_text=True)
    assert f'action="/sessions/done/{routine.id}"' in home
    response = done(alice_client, routine.id, "/")
    assert response.status_code == 302
    (saved,) = sessions(app, alice.id)
    assert response.headers["Location"] == f"/?done={saved.client_id}"
    assert (saved.kind, saved.routine_id, saved.therapist_id, saved.therapist_name) == (
        "self",
        routine.id,
        None,
        "",
    )
    assert (saved.style, saved.tools, saved.focus_areas) == (
        "",
        ["foam_roller", "towel"],
        ["lower_back"],
    )
    assert saved.duration_minutes == 15 and saved.occurred_at == NOW
    assert (saved.pain_before, saved.pain_after, saved.mood) == (None, None, None)
    page = alice_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Self-massage logged" in page and "Undo" in page
    assert f"/sessions/{saved.client_id}/edit" in page  # "Add ratings"
    # The routine got credit: the target week now has one of its two sessions.
    assert "Foam roller" in page


def test_a_double_tap_saves_once(app, alice_client, alice, make):
    routine = foam_roller(make, alice)
    form_id = str(uuid.uuid4())
    assert done(alice_client, routine.id, form_id=form_id).status_code == 302
    assert done(alice_client, routine.id, form_id=form_id).status_code == 302
    assert count(app, MassageSession, user_id=alice.id) == 1


def test_undo_removes_it_and_returns_to_the_page(app, alice_client, alice, make):
    routine = foam_roller(make, alice)
    done(alice_client, routine.id, "/routine")
    (saved,) = sessions(app, alice.id)
    page = alice_client.get(f"/routine?done={saved.client_id}").get_data(as_text=True)
    assert "Self-massage logged" in page
    undo = alice_client.post(f"/sessions/{saved.client_id}/delete", data={"next": "/routine"})
    assert undo.status_code == 302 and undo.headers["Location"] == "/routine"
    (gone,) = sessions(app, alice.id)
    assert gone.deleted_at is not None
    # The recap disappears once undone.
    assert "Self-massage logged" not in alice_client.get(f"/routine?done={saved.client_id}").text


def test_add_ratings_later_through_the_edit_form(app, alice_client, alice, make):
    routine = foam_roller(make, alice)
    done(alice_client, routine.id)
    (saved,) = sessions(app, alice.id)
    history = alice_client.get("/sessions").get_data(as_text=True)
    assert "not rated yet" in history
    form = alice_client.get(f"/sessions/{saved.client_id}/edit")
    assert form.status_code == 200
    response = alice_client.post(
        f"/sessions/{saved.client_id}/edit",
        data={
            "occurred_at_local": "2026-05-06T12:00",
            "kind": "self",
            "routine_id": str(routine.id),
            "pain_before": "6",
            "pain_after": "3",
            "mood": "4",
        },
    )
    assert response.status_code == 302
    (rated,) = sessions(app, alice.id)
    assert (rated.pain_before, rated.pain_after, rated.mood, rated.routine_id) == (
        6,
        3,
        4,
        routine.id,
    )


def test_unrated_sessions_do_not_break_the_dashboard_trends_or_api(app, alice_client, alice, make):
    routine = foam_roller(make, alice)
    make.session(alice, kind="self", routine_id=routine.id, occurred_at=NOW.replace(day=4))
    done(alice_client, routine.id)
    for url in ("/", "/trends", "/sessions", "/api/v1/sessions", "/sessions/export.csv"):
        assert alice_client.get(url).status_code == 200, url
    listed = alice_client.get("/api/v1/sessions").json["sessions"]
    assert sorted((s["pain_before"] is None) for s in listed) == [False, True]


def test_a_professional_or_archived_routine_has_no_one_tap_done(app, alice_client, alice, make):
    professional = make.routine(alice, name="Fortnightly")
    archived = foam_roller(make, alice, archived_at=NOW)
    for routine in (professional, archived):
        response = done(alice_client, routine.id, "/routine")
        assert response.status_code == 302 and response.headers["Location"] == "/routine"
    assert count(app, MassageSession, user_id=alice.id) == 0
    page = alice_client.get("/routine").get_data(as_text=True)
    assert "one-tap Done" in page


def test_the_routine_page_offers_done_not_booking_for_self_massage(alice_client, alice, make):
    routine = foam_roller(make, alice)
    page = alice_client.get("/routine").get_data(as_text=True)
    assert f'action="/sessions/done/{routine.id}"' in page
    assert f"/appointments/new?routine={routine.id}" not in page


def test_bob_cannot_mark_alices_routine_done(app, bob_client, alice, bob, make):
    routine = foam_roller(make, alice)
    assert done(bob_client, routine.id).status_code == 404
    assert count(app, MassageSession) == 0


def test_bob_sees_nothing_of_alices_done_recap(app, alice_client, bob_client, alice, make):
    routine = foam_roller(make, alice)
    done(alice_client, routine.id)
    (saved,) = sessions(app, alice.id)
    page = bob_client.get(f"/?done={saved.client_id}").get_data(as_text=True)
    assert "Self-massage logged" not in page and saved.client_id not in page


def test_next_never_leaves_the_site(app, alice_client, alice, make):
    routine = foam_roller(make, alice)
    for bad in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"):
        response = done(alice_client, routine.id, bad)
        assert response.headers["Location"].startswith("/?done="), bad
