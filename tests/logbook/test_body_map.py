"""The log form's body map (#17): real checkboxes, the same stored values, form errors."""

from __future__ import annotations

import re
from datetime import date

from tracker.extensions import db
from tracker.labels import BODY_MAP, FOCUS_LABELS, expand_sides, merge_sides
from tracker.models import Routine
from tracker.models.session import FOCUS_AREAS

from .conftest import add_session, bearer, count_sessions, form, get_session, payload

REGIONS = [key for key, *_ in BODY_MAP]


def map_html(html: str) -> str:
    return re.search(r'<div class="body-map">.*?</fieldset>', html, flags=re.S).group(0)


def ticked(html: str) -> list[str]:
    return re.findall(r'name="focus_areas" value="(\w+)" checked', html)


def test_one_labelled_checkbox_per_region_and_for_the_rest(alice_client):
    html = alice_client.get("/sessions/new").get_data(as_text=True)
    part = map_html(html)
    labels = re.findall(
        r'<label class="bm-region"><input type="checkbox" name="focus_areas" value="(\w+)"'
        r"[^>]*><svg[^>]*><path d=[^>]*>.*?</svg><span>([^<]+)</span></label>",
        part,
        flags=re.S,
    )
    assert labels == [
        ("neck", "Neck"),
        ("left_shoulder", "Left shoulder"),
        ("right_shoulder", "Right shoulder"),
        ("upper_back", "Upper back"),
        ("mid_back", "Mid back"),
        ("lower_back", "Lower back"),
        ("left_hip", "Left hip and glute"),
        ("right_hip", "Right hip and glute"),
    ]
    # Areas the map doesn't draw are plain checkboxes below it; two-sided values have none.
    values = re.findall(r'name="focus_areas" value="(\w+)"', html)
    assert values == [*REGIONS, "legs", "arms_hands", "feet", "head_face"]
    assert "<script" not in part and "style=" not in part


def test_existing_areas_post_and_store_the_same_values(alice_client, app):
    data = form(focus_areas=["lower_back", "neck", "feet"])
    assert alice_client.post("/sessions/new", data=data).status_code == 302
    assert get_session(app, data["id"]).focus_areas == ["neck", "lower_back", "feet"]


def test_both_sides_store_the_two_sided_value_one_side_stays_one(alice_client, app):
    both = form(focus_areas=["left_shoulder", "right_shoulder", "left_hip", "upper_back"])
    assert alice_client.post("/sessions/new", data=both).status_code == 302
    assert get_session(app, both["id"]).focus_areas == ["shoulders", "upper_back", "left_hip"]


def test_editing_an_old_two_sided_entry_ticks_both_sides_and_keeps_it(alice_client, app, alice):
    client_id = add_session(app, alice.id, focus_areas=["shoulders", "hips_glutes"])
    html = alice_client.get(f"/sessions/{client_id}/edit").get_data(as_text=True)
    assert ticked(html) == ["left_shoulder", "right_shoulder", "left_hip", "right_hip"]
    data = form(id=client_id, focus_areas=ticked(html))
    assert alice_client.post(f"/sessions/{client_id}/edit", data=data).status_code == 302
    assert get_session(app, client_id).focus_areas == ["shoulders", "hips_glutes"]


def test_an_unknown_region_is_a_form_error_and_nothing_is_saved(alice_client, app, alice):
    data = form(focus_areas=["neck", "left_elbow"])
    response = alice_client.post("/sessions/new", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(r'<ul class="errors" id="focus_areas-error"><li>([^<]+)', html).group(1)
    assert "Unknown: left_elbow" in error
    assert (
        "focus_areas-error" in re.search(r'<fieldset class="checks body-map-field[^>]*>', html)[0]
    )
    assert ticked(html) == ["neck"]  # what was ticked stays ticked
    assert count_sessions(app, alice.id) == 0


def test_a_routine_with_both_sides_prefills_the_map(alice_client, app, alice):
    with app.app_context():
        db.session.add(
            Routine(user_id=alice.id, name="Evening roll", anchor_date=date(2026, 11, 1),
                    kind="self", duration_minutes=15,
                    focus_areas=["left_shoulder", "right_shoulder", "neck"])
        )  # fmt: skip
        db.session.commit()
    html = alice_client.get("/sessions/new").get_data(as_text=True)
    assert ticked(html) == ["neck", "left_shoulder", "right_shoulder"]


def test_merge_and_expand_are_inverse_for_the_map():
    assert merge_sides(["right_hip", "left_hip"]) == ["hips_glutes"]
    assert merge_sides(["shoulders", "left_shoulder"]) == ["shoulders"]
    assert merge_sides(["right_shoulder", "bogus"]) == ["right_shoulder", "bogus"]
    assert expand_sides(["hips_glutes", "neck"]) == ["left_hip", "right_hip", "neck"]
    assert merge_sides(expand_sides(["neck", "shoulders"])) == ["neck", "shoulders"]


def test_the_api_and_the_offline_outbox_store_both_sides_the_same_way(client, app, alice_token):
    """The outbox posts a copy of the form to the API: it must not store sides differently."""
    data = payload(focus_areas=["right_hip", "left_hip", "left_shoulder"])
    response = client.post("/api/v1/sessions", json=data, headers=bearer(alice_token))
    assert response.status_code == 201
    assert response.get_json()["focus_areas"] == ["hips_glutes", "left_shoulder"]
    bad = client.post(
        "/api/v1/sessions", json=payload(focus_areas=["left_knee"]), headers=bearer(alice_token)
    )
    assert (
        bad.status_code == 422
        and "Unknown: left_knee" in bad.get_json()["errors"]["focus_areas"][0]
    )


def test_labels_list_every_area_in_the_stored_order():
    assert list(FOCUS_LABELS) == list(FOCUS_AREAS)  # merge_sides orders by FOCUS_LABELS
