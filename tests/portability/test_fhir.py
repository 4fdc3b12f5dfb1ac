"""The FHIR R4 export validates against two independent model sets and carries the codes.

fhirclient's models are generated from FHIR R4 4.0.1 itself (strict: unknown keys, missing
required elements and wrong types are errors); fhir.resources' R4B pydantic models check the
same bundle a second way (value sets of codes, date formats)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhirclient.models.bundle import Bundle as R4Bundle
from fhirclient.models.fhirabstractbase import FHIRValidationError
from pydantic.v1 import ValidationError

from tests.seed import seed
from tracker.extensions import db
from tracker.models import MassageSession


def export(client) -> dict:
    response = client.get("/settings/data/export.fhir.json")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    return json.loads(response.data)


def validate(bundle: dict) -> None:
    """Raise if either model set refuses the bundle."""
    R4Bundle(bundle, strict=True)
    Bundle.parse_obj(bundle)


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_the_bundle_is_valid_fhir_with_pain_sessions_and_sleep(app, alice, alice_client):
    rows = seed(app, alice)
    with app.app_context():
        session = db.session.get(MassageSession, rows.session)
        session.sleep_quality, session.duration_minutes = 4, 45
        db.session.commit()
    data = export(alice_client)
    validate(data)  # raises on anything FHIR R4 (and R4B) doesn't allow
    procedures = resources(data, "Procedure")
    assert len(procedures) == 1  # the deleted session is not exported
    assert procedures[0]["code"]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "387854002",
        "display": "Massage",
    }
    assert procedures[0]["performedPeriod"] == {
        "start": "2026-03-02T18:00:00Z",
        "end": "2026-03-02T18:45:00Z",
    }
    pain = [
        o for o in resources(data, "Observation") if o["code"]["coding"][0]["code"] == "72514-3"
    ]
    assert [
        (o["method"]["coding"][0]["code"], o["valueQuantity"]["value"], o["effectiveDateTime"])
        for o in pain
    ] == [
        ("before", 6, "2026-03-02T18:00:00Z"),
        ("after", 3, "2026-03-02T18:45:00Z"),
    ]
    procedure_url = next(e["fullUrl"] for e in data["entry"] if e["resource"] is procedures[0])
    assert all(o["partOf"] == [{"reference": procedure_url}] for o in pain)
    sleep = [o for o in resources(data, "Observation") if "valueInteger" in o]
    # The session's sleep rating and the night logged on its own (Berlin wake time 08:00).
    assert sorted((o["valueInteger"], o["effectiveDateTime"]) for o in sleep) == [
        (3, "2026-03-02T07:00:00Z"),
        (4, "2026-03-02T18:45:00Z"),
    ]
    hours = [
        o for o in resources(data, "Observation") if o["code"]["coding"][0]["code"] == "93832-4"
    ]
    assert hours[0]["valueQuantity"]["value"] == 7.0


def test_an_empty_account_is_a_valid_bundle_with_only_the_patient(alice_client):
    data = export(alice_client)
    validate(data)
    assert [e["resource"]["resourceType"] for e in data["entry"]] == ["Patient"]


def test_the_validator_would_notice_a_broken_resource(app, alice, alice_client):
    seed(app, alice)
    data = export(alice_client)
    del resources(data, "Procedure")[0]["status"]  # required in R4
    with pytest.raises(FHIRValidationError, match="status"):
        R4Bundle(data, strict=True)
    with pytest.raises(ValidationError, match="status"):
        Bundle.parse_obj(data)


def test_the_r4_models_refuse_what_r4_does_not_define(app, alice, alice_client):
    seed(app, alice)
    data = export(alice_client)
    procedure = resources(data, "Procedure")[0]
    procedure["performedOn"] = procedure.pop("performedPeriod")  # no such element in R4
    with pytest.raises(FHIRValidationError, match="performedOn"):
        R4Bundle(data, strict=True)


def test_bobs_export_has_none_of_alices_rows(app, alice, bob, bob_client):
    seed(app, alice)
    data = export(bob_client)
    assert "alice" not in json.dumps(data)
    assert resources(data, "Procedure") == []


def test_ids_are_stable_between_exports(app, alice, alice_client, frozen):
    seed(app, alice)
    first = [e["fullUrl"] for e in export(alice_client)["entry"]]
    frozen.move_to(datetime(2026, 11, 8, tzinfo=UTC))
    assert [e["fullUrl"] for e in export(alice_client)["entry"]] == first
