"""Stored values are shown as words a person reads, through tracker/labels.py."""

from __future__ import annotations

import uuid
from datetime import timedelta

from tracker import labels, timeutil
from tracker.extensions import db
from tracker.models import Appointment, MassageSession

from .seed import seed


def test_labels_plurals_and_inline_words():
    assert labels.label("swedish", "style") == "Swedish"
    assert labels.label("hips_glutes", "focus") == "Hips and glutes"
    assert labels.label("something_new", "style") == "Something new"  # an unknown value
    assert labels.label_list(["neck", "hips_glutes"], "focus") == "Neck, Hips and glutes"
    assert labels.inline("deep_tissue", "style") == "deep tissue"
    assert labels.inline("swedish", "style") == "Swedish"
    assert [labels.plural(n, "session") for n in (0, 1, 3)] == [
        "0 sessions",
        "1 session",
        "3 sessions",
    ]


def test_pages_show_labels_not_stored_values(app, alice, alice_client):
    rows = seed(app, alice)
    with app.app_context():
        db.session.add(
            MassageSession(
                user_id=alice.id,
                client_id=str(uuid.uuid4()),
                occurred_at=timeutil.now() - timedelta(days=1),
                style="deep_tissue",
                pain_before=5,
                pain_after=2,
                mood=4,
            )
        )
        appt = db.session.get(Appointment, rows.appointment)
        appt.style = "trigger_point"
        db.session.commit()
    history = alice_client.get("/sessions").get_data(as_text=True)
    assert "Deep tissue" in history and "deep_tissue" not in history
    detail = alice_client.get(f"/appointments/{rows.appointment}").get_data(as_text=True)
    assert "Trigger point" in detail and "Booked" in detail
    listed = alice_client.get("/appointments").get_data(as_text=True)
    assert "Trigger point" in listed
    reminders = alice_client.get("/reminders").get_data(as_text=True)
    assert "hydration" not in reminders.split("<main", 1)[1]
