"""Install polish: manifest screenshots and description, shortcuts that open what they name
(the "Next appointment" one is tested in tests/routines/test_next_appointment.py)."""

from __future__ import annotations

import io

from PIL import Image


def manifest(client) -> dict:
    return client.get("/manifest.webmanifest").get_json(force=True)


def test_the_manifest_describes_the_app_and_has_a_narrow_and_a_wide_screenshot(client):
    data = manifest(client)
    assert "reminders" in data["description"] and "what helps" in data["description"]
    shots = {s["form_factor"]: s for s in data["screenshots"]}
    assert set(shots) == {"narrow", "wide"}
    for shot in shots.values():
        assert shot["label"]
        response = client.get(shot["src"])
        assert response.status_code == 200, shot["src"]
        assert len(response.data) < 80 * 1024, "keep the install dialog quick to load"
        with Image.open(io.BytesIO(response.data)) as image:
            assert image.format == "PNG" and f"{image.width}x{image.height}" == shot["sizes"]
    assert shots["narrow"]["sizes"] == "390x844" and shots["wide"]["sizes"] == "1280x800"


def test_the_log_shortcut_opens_the_log_form(client, alice_client):
    [shortcut] = [s for s in manifest(client)["shortcuts"] if s["name"] == "Log a session"]
    assert alice_client.get(shortcut["url"]).status_code == 200
