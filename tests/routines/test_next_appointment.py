"""/appointments/next, the manifest's "Next appointment" shortcut."""

from datetime import timedelta

from .conftest import NOW

URL = "/appointments/next?source=shortcut"


def test_the_shortcut_in_the_manifest_points_here(client):
    shortcuts = client.get("/manifest.webmanifest").get_json(force=True)["shortcuts"]
    assert {s["name"]: s["url"] for s in shortcuts}["Next appointment"] == URL


def test_it_opens_my_next_booked_appointment_or_the_list(alice_client, client, alice, bob, make):
    # None booked yet: the list, where "Book" is.
    assert alice_client.get(URL).headers["Location"] == "/appointments"
    make.appointment(alice, starts_at=NOW - timedelta(days=1))  # past
    make.appointment(alice, starts_at=NOW + timedelta(hours=2), status="cancelled")
    make.appointment(alice, starts_at=NOW + timedelta(days=9))
    soonest = make.appointment(alice, starts_at=NOW + timedelta(days=2))
    make.appointment(bob, starts_at=NOW + timedelta(hours=1))  # someone else's is sooner
    response = alice_client.get(URL)
    assert response.headers["Location"] == f"/appointments/{soonest.id}"
    assert client.get(URL).headers["Location"].startswith("/login")
