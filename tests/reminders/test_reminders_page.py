"""The Reminders page: upcoming grouped per local day, no repeated badges, no future cancellations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from .conftest import book, change, log_session

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)  # Tue 13:00 in Berlin


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_upcoming_is_grouped_per_day_with_one_stop_per_water_chain(app, clock, alice, alice_client):
    with app.app_context():
        log_session(alice.id, NOW - timedelta(minutes=30), kind="self", duration_minutes=30)
        book(alice.id, datetime(2026, 3, 12, 9, tzinfo=UTC))  # Thu 10:00
    page = alice_client.get("/reminders").get_data(as_text=True)
    upcoming = page[page.index('id="upcoming-h"') : page.index('id="recent-h"')]
    days = ["Today, Tuesday 10 March", "Wednesday 11 March", "Thursday 12 March"]
    assert [upcoming.count(f'<h3 class="reminder-day">{d}</h3>') for d in days] == [1, 1, 1]
    assert upcoming.index(days[0]) < upcoming.index(days[1]) < upcoming.index(days[2])
    assert "badge" not in upcoming  # every row here is upcoming: no badge on each
    # Two chains (today's session, Thursday's appointment): one "Stop" each, not one per row.
    assert upcoming.count("Stop water reminders for this massage") == 2
    assert upcoming.count("How did you sleep") == 1


def test_cancelled_reminders_whose_time_has_not_come_are_hidden(app, clock, alice, alice_client):
    with app.app_context():
        appt = book(alice.id, datetime(2026, 3, 12, 9, tzinfo=UTC))
        change(appt, status="cancelled")
    page = alice_client.get("/reminders").get_data(as_text=True)
    assert "Appointment cancelled" not in page and "Massage with Dana" not in page
    assert "No reminders in the last 30 days." in page
