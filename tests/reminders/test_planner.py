"""Pure planning: every kind, quiet hours, staleness and DST, with no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

import pytest

from tracker.models.user import DEFAULT_REMINDER_PREFS
from tracker.reminders import morning, planner


@dataclass
class U:
    timezone: str = "Europe/Berlin"
    quiet_start: time = time(22, 0)
    quiet_end: time = time(8, 0)
    wake_time: time = time(8, 0)
    reminder_time: time = time(18, 0)
    prefs: dict = field(default_factory=dict)

    def pref(self, key):
        return self.prefs.get(key, DEFAULT_REMINDER_PREFS[key])


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def appt(starts_at, *, minutes=60, status="booked", id=7, name="Dana", location="Studio Nord"):
    return SimpleNamespace(
        id=id,
        starts_at=starts_at,
        duration_minutes=minutes,
        status=status,
        therapist_name=name,
        location=location,
        ends_at=starts_at + timedelta(minutes=minutes),
    )


def session(occurred_at, *, id=3, sleep=None, deleted=None):
    return SimpleNamespace(
        id=id,
        client_id="c0ffee",
        occurred_at=occurred_at,
        sleep_quality=sleep,
        deleted_at=deleted,
        duration_minutes=60,
    )


EARLY = utc(2026, 3, 1)  # "now" well before everything below


# --- appointments --------------------------------------------------------------------------


def test_it_reminds_the_day_before_at_reminder_time_and_two_hours_before():
    # Tue 10 Mar 2026 10:00 in Berlin (CET, UTC+1).
    specs = planner.plan_appointment(U(), appt(utc(2026, 3, 10, 9)), EARLY)
    assert [(s.slot, s.due_at) for s in specs] == [
        ("lead:1440", utc(2026, 3, 9, 17)),  # Mon 18:00 local
        ("lead:120", utc(2026, 3, 10, 7)),  # 08:00 local: quiet hours have just ended
    ]
    assert all(s.stale_at == utc(2026, 3, 10, 9) for s in specs)
    assert specs[0].title == "Massage with Dana tomorrow at 10:00"
    assert "Studio Nord" in specs[0].body and "10:00" in specs[0].body
    assert specs[0].actions == [{"action": "open", "title": "Open"}]


def test_it_sends_before_quiet_hours_when_the_appointment_starts_before_they_end():
    # 07:30 local: "2 hours before" is 05:30 (quiet); 08:00 would be too late -> 21:59 the evening before.
    specs = planner.plan_appointment(U(), appt(utc(2026, 3, 10, 6, 30)), EARLY)
    assert [s.due_at for s in specs] == [utc(2026, 3, 9, 17), utc(2026, 3, 9, 20, 59)]


def test_it_moves_an_appointment_reminder_to_quiet_end_when_that_is_still_in_time():
    user = U(prefs={"lead_minutes": [720]})  # 12 h before a 15:00 appointment = 03:00
    specs = planner.plan_appointment(user, appt(utc(2026, 3, 10, 14)), EARLY)
    assert [s.due_at for s in specs] == [utc(2026, 3, 10, 7)]


@pytest.mark.parametrize(
    "leads, expected_hours_before",
    [
        ([15], [0.25]),
        ([30, 60], [1, 0.5]),
        ([240], [4]),
    ],
)
def test_it_honours_every_lead_time(leads, expected_hours_before):
    starts = utc(2026, 3, 10, 12)  # 13:00 local, far from quiet hours
    specs = planner.plan_appointment(U(prefs={"lead_minutes": leads}), appt(starts), EARLY)
    assert [(starts - s.due_at) / timedelta(hours=1) for s in specs] == expected_hours_before


def test_multi_day_leads_are_at_reminder_time():
    specs = planner.plan_appointment(
        U(prefs={"lead_minutes": [4320, 2880]}), appt(utc(2026, 3, 10, 9)), EARLY
    )
    assert [s.due_at for s in specs] == [utc(2026, 3, 7, 17), utc(2026, 3, 8, 17)]


@pytest.mark.parametrize("status", ["cancelled", "done"])
def test_it_plans_nothing_for_cancelled_or_done_appointments(status):
    assert planner.plan_appointment(U(), appt(utc(2026, 3, 10, 9), status=status), EARLY) == []


def test_it_plans_nothing_when_the_kind_is_switched_off():
    user = U(
        prefs={
            k: False
            for k in (
                "appointment",
                "log_prompt",
                "hydration",
                "sleep_checkin",
                "next_day",
                "routine_due",
            )  # fmt: skip
        }
    )
    a = appt(utc(2026, 3, 10, 9))
    assert planner.plan_appointment(user, a, EARLY) == []
    assert planner.plan_log_prompt(user, a, EARLY, logged=False) == []
    assert planner.plan_hydration(user, 1, "s", a.ends_at, EARLY, glasses=0, url="/") == []
    assert morning.plan_checkin(user, 1, date(2026, 3, 10), [session(a.ends_at)], EARLY) == []
    routine = SimpleNamespace(id=1, name="Fortnightly massage", archived_at=None, paused_at=None)
    assert (
        planner.plan_routine_due(user, routine, date(2026, 3, 12), "due_soon", EARLY, booked=False)
        == []
    )


def test_stale_appointment_reminders_are_not_planned():
    now = utc(2026, 3, 10, 8, 30)  # after the 2 h reminder time, before the start
    specs = planner.plan_appointment(U(), appt(utc(2026, 3, 10, 9)), now)
    assert len(specs) == 2  # both still make sense until the appointment starts
    assert planner.plan_appointment(U(), appt(utc(2026, 3, 10, 9)), utc(2026, 3, 10, 9)) == []


# --- log prompt, hydration, sleep ----------------------------------------------------------


def test_it_prompts_to_log_at_the_end_unless_already_logged():
    a = appt(utc(2026, 3, 10, 14), minutes=90)
    [spec] = planner.plan_log_prompt(U(), a, EARLY, logged=False)
    assert spec.due_at == utc(2026, 3, 10, 15, 30)
    assert spec.title == "How was your massage with Dana?"
    assert spec.url == "/sessions/new?appointment=7"
    assert spec.actions == [{"action": "log", "title": "Log now"}]
    assert planner.plan_log_prompt(U(), a, EARLY, logged=True) == []
    assert (
        planner.plan_log_prompt(U(), appt(a.starts_at, status="cancelled"), EARLY, logged=False)
        == []
    )
    # A day later it is stale.
    assert planner.plan_log_prompt(U(), a, spec.due_at + timedelta(hours=24), logged=False) == []


def test_a_late_evening_log_prompt_waits_for_the_morning():
    a = appt(utc(2026, 3, 10, 21), minutes=60)  # ends 23:00 local
    [spec] = planner.plan_log_prompt(U(), a, EARLY, logged=False)
    assert spec.due_at == utc(2026, 3, 11, 7)


def test_hydration_chain_follows_the_offsets():
    anchor = utc(2026, 3, 10, 13)  # 14:00 local
    specs = planner.plan_hydration(U(), 5, "s", anchor, EARLY, glasses=2, url="/sessions/x")
    assert [(s.slot, s.due_at) for s in specs] == [
        ("s15", utc(2026, 3, 10, 13, 15)),
        ("s60", utc(2026, 3, 10, 14)),
        ("s120", utc(2026, 3, 10, 15)),
        ("s240", utc(2026, 3, 10, 17)),
    ]
    assert all(s.stale_at - s.due_at == timedelta(hours=1) for s in specs)
    assert specs[0].body.startswith("2 of 8 glasses")
    assert [a["action"] for a in specs[0].actions] == ["drank", "snooze"]


def test_hydration_stops_when_the_goal_is_met():
    assert (
        planner.plan_hydration(U(), 5, "s", utc(2026, 3, 10, 13), EARLY, glasses=8, url="/") == []
    )


def test_hydration_reminders_in_quiet_hours_go_out_before_they_begin_once():
    anchor = utc(2026, 3, 10, 19)  # 20:00 local: +2 h and +4 h fall in quiet hours
    specs = planner.plan_hydration(U(), 5, "a", anchor, EARLY, glasses=0, url="/")
    assert [(s.slot, s.due_at, s.stale_at) for s in specs] == [
        ("a15", utc(2026, 3, 10, 19, 15), utc(2026, 3, 10, 20, 15)),
        ("a60", utc(2026, 3, 10, 20), utc(2026, 3, 10, 21)),
        # 21:59 local, stale when quiet hours begin: a late delivery never buzzes inside them.
        ("a120", utc(2026, 3, 10, 20, 59), utc(2026, 3, 10, 21)),
    ]


def test_water_after_quiet_hours_began_is_dropped_not_moved_to_the_morning():
    anchor = utc(2026, 3, 10, 21, 30)  # 22:30 local: every reminder would be stale by 08:00
    assert planner.plan_hydration(U(), 5, "s", anchor, EARLY, glasses=0, url="/") == []


@pytest.mark.parametrize(
    "zone, anchor, before_quiet",
    [
        # Sat 28 Mar 2026, 20:00 CET; Berlin springs forward that night.
        ("Europe/Berlin", utc(2026, 3, 28, 19), utc(2026, 3, 28, 20, 59)),
        # Sun 29 Mar 2026, the first CEST evening (20:00 CEST is 18:00 UTC).
        ("Europe/Berlin", utc(2026, 3, 29, 18), utc(2026, 3, 29, 19, 59)),
        # Sun 25 Oct 2026, the first CET evening after falling back.
        ("Europe/Berlin", utc(2026, 10, 25, 19), utc(2026, 10, 25, 20, 59)),
        # Sun 8 Mar 2026 in New York, the first EDT evening: 20:00 EDT is 00:00 UTC.
        ("America/New_York", utc(2026, 3, 9, 0), utc(2026, 3, 9, 1, 59)),
    ],
)
def test_an_evening_sessions_water_never_lands_the_next_morning_across_dst(
    zone, anchor, before_quiet
):
    user = U(timezone=zone)
    specs = planner.plan_hydration(user, 5, "s", anchor, EARLY, glasses=0, url="/")
    assert [(s.slot, s.due_at) for s in specs] == [
        ("s15", anchor + timedelta(minutes=15)),
        ("s60", anchor + timedelta(minutes=60)),
        ("s120", before_quiet),
    ]  # 21:59 local; +4 h collapses into it
    evening = planner.to_local(anchor, zone).date()
    assert all(planner.to_local(s.due_at, zone).date() == evening for s in specs)
    assert all(
        planner.quiet_window(s.due_at, zone, user.quiet_start, user.quiet_end) is None
        for s in specs
    )


def test_water_moved_before_quiet_hours_is_dropped_right_after_the_previous_one():
    anchor = utc(2026, 3, 10, 19, 40)  # 20:40: +60 is 21:40, +120 would move to 21:59
    specs = planner.plan_hydration(U(), 5, "s", anchor, EARLY, glasses=0, url="/")
    assert [s.slot for s in specs] == ["s15", "s60"]


def test_water_waits_for_a_short_quiet_window_to_end_while_still_fresh():
    user = U(quiet_start=time(14, 0), quiet_end=time(14, 30))  # a nap, 13:00-13:30 UTC
    anchor = utc(2026, 3, 10, 13, 5)  # inside it, so "before it began" is before the massage
    [first, *_] = planner.plan_hydration(user, 5, "s", anchor, EARLY, glasses=0, url="/")
    assert (first.due_at, first.stale_at) == (utc(2026, 3, 10, 13, 30), utc(2026, 3, 10, 14, 20))


def test_a_newer_massage_restarts_the_one_water_chain():
    older = planner.Massage("a", 7, utc(2026, 3, 10, 12), "/appt")
    first = planner.Massage("s", 8, utc(2026, 3, 10, 14), "/one")
    second = planner.Massage("s", 9, utc(2026, 3, 10, 14, 1), "/two")  # logged a minute later
    specs = planner.plan_water(U(), [second, older, first], EARLY, glasses_on=lambda day: 0)
    assert [(s.subject_id, s.slot) for s in specs] == [
        (7, "a15"),
        (7, "a60"),  # 12:15 and 13:00 UTC; the rest is after the next massage
        (9, "s15"),
        (9, "s60"),
        (9, "s120"),
        (9, "s240"),
    ]
    assert len({s.due_at for s in specs}) == len(specs)


def test_the_goal_counts_the_chains_local_day():
    days = []
    massage = planner.Massage("s", 8, utc(2026, 3, 10, 23, 30), "/")  # 00:30 on the 11th in Berlin
    user = U(quiet_start=time(3), quiet_end=time(3))
    planner.plan_water(user, [massage], EARLY, glasses_on=lambda day: days.append(day) or 8)
    assert days == [date(2026, 3, 11)]


def test_water_text_uses_the_right_plural():
    [spec, *_] = planner.plan_hydration(
        U(prefs={"glasses_goal": 1}), 5, "s", utc(2026, 3, 10, 13), EARLY, glasses=0, url="/"
    )
    assert spec.body.startswith("0 of 1 glass today.")
    [spec, *_] = planner.plan_hydration(
        U(), 5, "s", utc(2026, 3, 10, 13), EARLY, glasses=1, url="/"
    )
    assert spec.body.startswith("1 of 8 glasses today.")


def test_hydration_window_passed_is_not_planned():
    anchor = utc(2026, 3, 10, 13)
    specs = planner.plan_hydration(
        U(), 5, "s", anchor, utc(2026, 3, 10, 16, 30), glasses=0, url="/"
    )
    assert [s.slot for s in specs] == ["s240"]


# The morning check-in (sleep and next-day back pain): tests/reminders/test_next_day.py.


def test_snooze_into_quiet_hours_comes_before_them_or_not_at_all():
    # 21:20 local + 30 min is before 22:00: as asked.
    assert planner.snooze_until(U(), utc(2026, 3, 10, 20, 20))[0] == utc(2026, 3, 10, 20, 50)
    # 21:45 + 30 min is quiet: 21:59 instead, stale at 22:00.
    assert planner.snooze_until(U(), utc(2026, 3, 10, 20, 45)) == (
        utc(2026, 3, 10, 20, 59),
        utc(2026, 3, 10, 21),
    )
    # 22:10 is already quiet: not carried to the morning.
    assert planner.snooze_until(U(), utc(2026, 3, 10, 21, 10)) is None


# --- routine due ---------------------------------------------------------------------------


ROUTINE = SimpleNamespace(id=4, name="Fortnightly massage", archived_at=None, paused_at=None)


def test_routine_due_soon_nudges_at_reminder_time_today():
    now = utc(2026, 3, 10, 9)  # Tue
    [spec] = planner.plan_routine_due(
        U(), ROUTINE, date(2026, 3, 12), "due_soon", now, booked=False
    )
    assert spec.title == "Fortnightly massage is due Thursday"
    assert spec.due_at == utc(2026, 3, 10, 17)
    assert spec.slot == "2026-03-12:due_soon"


def test_routine_due_after_reminder_time_waits_for_tomorrow():
    now = utc(2026, 3, 10, 19)
    [spec] = planner.plan_routine_due(U(), ROUTINE, date(2026, 3, 9), "overdue", now, booked=False)
    assert spec.title == "Fortnightly massage is overdue"
    assert spec.due_at == utc(2026, 3, 11, 17)


@pytest.mark.parametrize(
    "status, booked", [("on_track", False), ("due_soon", True), ("paused", False)]
)
def test_routine_due_is_quiet_when_on_track_or_booked(status, booked):
    assert (
        planner.plan_routine_due(U(), ROUTINE, date(2026, 3, 12), status, EARLY, booked=booked)
        == []
    )


# --- quiet hours and DST -------------------------------------------------------------------


@pytest.mark.parametrize(
    "zone, local_due, expected_utc",
    [
        # Berlin springs forward on 29 Mar 2026: 08:00 is CEST (UTC+2) after a CET evening.
        ("Europe/Berlin", utc(2026, 3, 28, 22), utc(2026, 3, 29, 6)),
        # ...and falls back on 25 Oct 2026: 08:00 is CET (UTC+1) after a CEST evening.
        ("Europe/Berlin", utc(2026, 10, 24, 21), utc(2026, 10, 25, 7)),
        # New York springs forward on 8 Mar 2026 (EST -> EDT) and falls back on 1 Nov 2026.
        ("America/New_York", utc(2026, 3, 8, 4), utc(2026, 3, 8, 12)),
        ("America/New_York", utc(2026, 11, 1, 3), utc(2026, 11, 1, 13)),
    ],
)
def test_quiet_hours_end_is_local_wall_clock_across_dst(zone, local_due, expected_utc):
    # Every due above is 23:00 local the night before the change.
    assert planner.respect_quiet_hours(local_due, U(timezone=zone)) == expected_utc


@pytest.mark.parametrize(
    "zone, starts, expected",
    [
        # Appointment Sun 29 Mar 10:00 CEST: the day before is Sat 18:00 CET (17:00 UTC).
        ("Europe/Berlin", utc(2026, 3, 29, 8), utc(2026, 3, 28, 17)),
        # Appointment Mon 30 Mar 10:00 CEST: Sun 18:00 CEST (16:00 UTC).
        ("Europe/Berlin", utc(2026, 3, 30, 8), utc(2026, 3, 29, 16)),
        # New York, Sun 8 Mar 2026 10:00 EDT (14:00 UTC): Sat 18:00 EST (23:00 UTC).
        ("America/New_York", utc(2026, 3, 8, 14), utc(2026, 3, 7, 23)),
        # New York, Mon 2 Nov 2026 10:00 EST (15:00 UTC): Sun 18:00 EST (23:00 UTC).
        ("America/New_York", utc(2026, 11, 2, 15), utc(2026, 11, 1, 23)),
    ],
)
def test_the_day_before_reminder_keeps_local_time_across_dst(zone, starts, expected):
    user = U(timezone=zone, prefs={"lead_minutes": [1440]})
    [spec] = planner.plan_appointment(user, appt(starts), EARLY)
    assert spec.due_at == expected


def test_two_hours_before_is_elapsed_time_across_the_spring_gap():
    # 04:00 CEST on 29 Mar (02:00 UTC): 2 h before is 00:00 UTC, i.e. 01:00 CET, not 02:00
    # local (the wall clock skips an hour in between).
    user = U(quiet_start=time(23, 0), quiet_end=time(0, 30), prefs={"lead_minutes": [120]})
    [spec] = planner.plan_appointment(user, appt(utc(2026, 3, 29, 2)), EARLY)
    assert spec.due_at == utc(2026, 3, 29, 0)  # 01:00 CET is outside 23:00-00:30


@pytest.mark.parametrize(
    "start, end, local_hour, quiet",
    [
        (time(22), time(8), 23, True),
        (time(22), time(8), 3, True),
        (time(22), time(8), 8, False),
        (time(22), time(8), 21, False),
        (time(13), time(15), 14, True),
        (time(13), time(15), 15, False),
        (time(9), time(9), 9, False),
    ],
)
def test_quiet_window_membership(start, end, local_hour, quiet):
    at = datetime(2026, 6, 10, local_hour, tzinfo=UTC)
    assert (planner.quiet_window(at, "UTC", start, end) is not None) is quiet


def test_a_quiet_end_inside_the_dst_gap_moves_forward():
    # Quiet until 02:30, which does not exist on 29 Mar in Berlin: it ends at 03:30 CEST.
    user = U(quiet_start=time(23, 0), quiet_end=time(2, 30))
    assert planner.respect_quiet_hours(utc(2026, 3, 29, 0), user) == utc(2026, 3, 29, 1, 30)
