"""Fuzzing, part two: registration (logged out), CSV import and list parameters (pages,
keyset cursors), plus the inputs that used to crash, kept as plain regression cases.

Same strategies and properties as test_fuzz.py: never a 5xx; an /api/ 4xx is JSON with
`errors`; anything refused changes nothing. For registration and CSV import, "changes nothing"
is checked on the row count of every table, since they write outside alice's and bob's rows.
"""

from __future__ import annotations

import base64
import io
import json
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.extensions import db
from tracker.logbook.schema import FIELDS

from .test_fuzz import (
    FUZZ,
    ROUTINE_FORM,
    SESSION,
    SESSION_FORM,
    SETTINGS_FORM,
    SURROGATES,
    big_numbers,
    form_edits,
    form_text,
    json_values,
    make_world,
    mutate,
    state,
)

BIG = "9" * 5000  # int() raises ValueError past 4,300 digits


@pytest.fixture(scope="module")
def world(tmp_path_factory, password_hashes):
    yield from make_world(tmp_path_factory, password_hashes)


def row_counts(world) -> dict[str, int]:
    with world.app.app_context():
        counts = {
            table.name: db.session.scalar(db.select(db.func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }
        db.session.remove()
    return counts


# --- registration, before any login -------------------------------------------------------


@FUZZ
@given(change=form_edits(["email", "password", "timezone"]), n=st.uuids())
def test_registering_never_fails_or_half_saves(world, change, n):
    base = {"email": f"fuzz-{n}@example.com", "password": "long enough pw", "timezone": "UTC"}
    client = world.app.test_client()  # a stranger: no session, no account
    before = row_counts(world)
    response = client.post("/register", data=mutate(base, *change))
    assert response.status_code < 500, (response.status_code, change)
    after = row_counts(world)
    if response.status_code == 302:
        assert after["user"] == before["user"] + 1
    else:
        assert after == before, ("refused but changed", response.status_code, change)


# --- CSV import ---------------------------------------------------------------------------

CSV_ROW = {
    "occurred_at": "2026-01-10T10:00:00+01:00",
    "kind": "self",
    "pain_before": "6",
    "pain_after": "3",
    "mood": "4",
    "duration_minutes": "20",
    "notes": "ok",
}
csv_cells = form_text.filter(lambda t: "\x00" not in t)  # NUL has its own case below


def csv_file(rows: list[dict]) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(FIELDS), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


@FUZZ
@given(
    rows=st.lists(
        st.tuples(
            st.dictionaries(st.sampled_from(list(FIELDS)), csv_cells, max_size=4), st.uuids()
        ),
        min_size=1,
        max_size=3,
    ),
    raw=st.none() | st.binary(max_size=200),
)
def test_csv_import_never_fails_or_half_saves(world, rows, raw):
    if raw is None:
        raw = csv_file([{**CSV_ROW, "id": str(n), **change} for change, n in rows])
    before, counts = state(world), row_counts(world)
    response = world.client.post(
        "/sessions/import", data={"file": (io.BytesIO(raw), "sessions.csv")}
    )
    assert response.status_code < 500, (response.status_code, raw[:300])
    if response.status_code != 302:  # all or nothing
        assert state(world) == before and row_counts(world) == counts, raw[:300]


# --- list parameters: pages, cursors, ranges ----------------------------------------------


def cursor(at, row_id) -> str:
    raw = json.dumps([at, row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


cursors = (
    st.builds(
        cursor,
        st.sampled_from(["2026-01-10T10:00:00+00:00", "9999-12-31T23:59:59-12:00", 5, None]),
        big_numbers | st.integers() | st.floats() | st.sampled_from([BIG, "1", None, []]),
    )
    | form_text
)
query_values = form_text | st.sampled_from([BIG, "0", "-1", "99999999999999999999"])


@FUZZ
@given(page=query_values, day=query_values, text=query_values, limit=query_values, at=cursors)
def test_list_parameters_never_fail(world, page, day, text, limit, at):
    pages = {"page": page, "from": day, "to": day, "therapist": text, "kind": text}
    api = {"limit": limit, "cursor": at, "since": day, "until": day}
    for url, params in (
        ("/sessions", pages),
        ("/api/v1/sessions", api),
        ("/api/v1/appointments", api),
        ("/api/v1/water", api),
        ("/sleep", {"night": day}),
        ("/trends/summary", {"n": page}),
    ):
        response = world.client.get(url, query_string=params)
        assert response.status_code < 500, (url, params)
        if url.startswith("/api/") and response.status_code >= 400:
            assert response.json["errors"], (url, params)


# --- JSON text the database could not store -------------------------------------------------


@FUZZ
@given(field=st.sampled_from(["notes", "therapist", "style", "kind", "id"]), value=json_values)
def test_text_with_lone_surrogates_is_refused_whole(world, field, value):
    body = {**SESSION, "id": str(uuid.uuid4()), field: [value, SURROGATES[0]]}
    before = state(world)
    response = world.client.post("/api/v1/sessions", json=body)
    assert response.status_code == 400 and response.json["errors"], body
    assert state(world) == before


def test_a_nul_in_a_query_string_is_harmless(world):
    for url in ("/sessions?therapist=a%00b", "/trends?range=%00", "/api/v1/sessions?cursor=%00"):
        assert world.client.get(url).status_code in (200, 400, 422), url


def test_deeply_nested_json_is_a_400_not_a_crash(world):
    for body in (b"[" * 100_000, b'{"a":' * 5_000 + b"1" + b"}" * 5_000):
        response = world.client.post("/api/v1/sessions", data=body, content_type="application/json")
        assert response.status_code == 400 and response.json["errors"]


@pytest.mark.parametrize("where", ["path", "form", "json", "csv"])
def test_nul_characters_are_refused_before_they_reach_the_database(world, where):
    """PostgreSQL rejects NUL in text, so it must never get that far (SQLite would store it)."""
    before = state(world)
    if where == "path":
        response = world.client.get("/calendar/a%00bcdefghijklmnopqrstuvwxyz.ics")
    elif where == "csv":
        text = f"id,occurred_at,kind,pain_before,pain_after,mood,notes\n{uuid.uuid4()},"
        text += "2026-01-10T10:00:00+01:00,self,6,3,4,a\x00b\n"
        response = world.client.post(
            "/sessions/import", data={"file": (io.BytesIO(text.encode()), "s.csv")}
        )
        assert response.status_code == 422 and b"NUL" in response.data
        assert state(world) == before
        return
    elif where == "form":
        response = world.client.post("/therapists/new", data={"name": "Da\x00na"})
    else:
        response = world.client.post(
            "/api/v1/sessions", json={**SESSION, "id": str(uuid.uuid4()), "notes": "\x00"}
        )
        assert response.is_json and response.json["errors"]
    assert response.status_code == 400
    assert state(world) == before


APPOINTMENT = {"id": str(uuid.uuid4()), "starts_at": "2026-06-01T18:00:00+02:00", "style": ""}

# 500s the fuzzing found, kept as plain regression cases.
NOW_ISH = {**SESSION, "id": "3f2c9a4e-8b1d-4c6e-9f7a-2d5b8e1c0a43"}
REGRESSIONS = [
    ("POST", "/api/v1/sessions", {**NOW_ISH, "appointment_id": "²"}, 422),  # int("²") raised
    ("POST", "/api/v1/sessions", {**NOW_ISH, "appointment_id": "9" * 20}, 422),  # SQLite overflow
    ("POST", "/api/v1/sessions", {**NOW_ISH, "occurred_at": "0001-01-01T00:00:00+05:00"}, 422),
    ("POST", "/api/v1/sessions", {**NOW_ISH, "occurred_at": "9999-12-31T23:59:59-05:00"}, 422),
    ("POST", "/api/v1/sleep", {"night": "9999-12-31", "quality": 3}, 422),
    ("GET", "/api/v1/sessions?since=0001-01-01&until=9999-12-31", None, 422),
    ("GET", "/sessions?from=0001-01-01&to=9999-12-31", None, 200),
    ("GET", "/sleep?night=0001-01-01", None, 200),
    ("GET", "/sessions/new?appointment=%C2%B2", None, 404),
    ("GET", "/sessions/new?appointment=99999999999999999999", None, 404),
    ("GET", "/sessions/new?routine=99999999999999999999", None, 404),
    ("POST", "/sessions/new", {**SESSION_FORM, "occurred_at_local": "0001-01-01T00:00"}, 422),
    ("POST", "/sessions/new", {**SESSION_FORM, "occurred_at_local": "9999-12-31T23:59"}, 422),
    # Issue #14: digit strings past 4,300 characters, huge pages and cursors, zone names.
    ("POST", "/api/v1/sessions", {**NOW_ISH, "pain_before": BIG}, 422),
    ("POST", "/api/v1/sessions", {**NOW_ISH, "appointment_id": BIG}, 422),
    ("POST", "/api/v1/sessions", {**NOW_ISH, "routine_id": BIG}, 422),
    ("POST", "/api/v1/sleep", {"night": "2026-01-09", "quality": BIG}, 422),
    ("POST", "/api/v1/appointments", {**APPOINTMENT, "duration_minutes": BIG}, 422),
    ("GET", "/api/v1/sessions?limit=" + BIG, None, 422),
    ("GET", "/api/v1/sessions?cursor=" + cursor("2026-01-10T10:00:00+00:00", 10**30), None, 422),
    ("GET", "/api/v1/appointments?cursor=" + cursor("2026-01-10T10:00:00+00:00", 1e300), None, 422),
    ("GET", "/api/v1/sessions?cursor=" + cursor("2026-01-10T10:00:00+00:00", BIG), None, 422),
    ("GET", "/sessions?page=99999999999999999999", None, 200),
    ("GET", "/sessions?page=" + BIG, None, 200),
    ("GET", "/sessions/new?appointment=" + BIG, None, 404),
    ("POST", "/sessions/new", {**SESSION_FORM, "pain_before": BIG}, 422),
    ("POST", "/sessions/new", {**SESSION_FORM, "routine_id": BIG}, 422),
    ("POST", "/routine/new", {**ROUTINE_FORM, "cadence_count": BIG}, 200),
    ("POST", "/routine/new", {**ROUTINE_FORM, "duration_minutes": BIG}, 200),
    ("POST", "/settings/profile", {**SETTINGS_FORM, "timezone": "a" * 300}, 200),
    ("POST", "/settings/profile", {**SETTINGS_FORM, "timezone": "America"}, 200),
]


@pytest.mark.parametrize(("method", "url", "body", "status"), REGRESSIONS)
def test_inputs_that_used_to_crash_are_refused(world, method, url, body, status):
    before = state(world)
    kwargs = {} if body is None else {"json" if url.startswith("/api/") else "data": body}
    response = world.client.open(url, method=method, **kwargs)
    assert response.status_code == status
    assert state(world) == before


@pytest.mark.parametrize("zone", ["a" * 300, "Europe/" + "x" * 300, "America", "../../etc/x"])
def test_registering_with_an_impossible_time_zone_is_a_form_error(world, zone):
    before = row_counts(world)
    response = world.app.test_client().post(
        "/register", data={"email": "zone@example.com", "password": "long enough", "timezone": zone}
    )
    assert response.status_code == 200 and b"Choose a time zone" in response.data
    assert row_counts(world) == before


def test_a_huge_number_in_a_csv_file_is_a_row_error(world):
    before = row_counts(world)
    text = f"id,occurred_at,kind,pain_before,pain_after,mood\n{uuid.uuid4()},"
    text += f"2026-01-10T10:00:00+01:00,self,{BIG},3,4\n"
    response = world.client.post(
        "/sessions/import", data={"file": (io.BytesIO(text.encode()), "s.csv")}
    )
    assert response.status_code == 422 and b"outside that range" in response.data
    assert row_counts(world) == before


@pytest.mark.parametrize(
    "body",
    [
        b'{"notes": "\\ud800"}',  # a lone surrogate, as JSON escapes it
        b'{"notes": "ok", "therapist": "a\\udfffb"}',
        b'{"pain_before": ' + BIG.encode() + b"}",  # json.loads's own int() refuses it: a 400
    ],
)
def test_json_the_database_could_not_store_is_a_400(world, body):
    before = state(world)
    response = world.client.post("/api/v1/sessions", data=body, content_type="application/json")
    assert response.status_code == 400 and response.json["errors"]
    assert state(world) == before
