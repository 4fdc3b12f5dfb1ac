"""A FHIR R4 Bundle (type collection) of the log, for clinicians and health records.

- each live session is a Procedure coded SNOMED CT 387854002 (massage), performed over its
  duration;
- pain before and after are Observations coded LOINC 72514-3 (pain severity, 0-10 verbal
  numeric rating), timed at the session's start and end, marked "before"/"after" in `method`
  and linked to their Procedure with `partOf`; the next-day check-in's pain is one more,
  marked "next-day" and timed at wake time the morning after;
- sleep quality (1-5) is an Observation, from sleep check-ins and sessions; sleep hours use
  LOINC 93832-4 (sleep duration).
Choices and sources are in docs/portability.md.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from .. import timeutil
from ..extensions import db
from ..models import MassageSession, SleepLog

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
# Our own code systems, as URNs: there are no standard codes for these markers.
TIMING = "urn:back-relief:pain-timing"
SLEEP_QUALITY = "urn:back-relief:sleep-quality"
MASSAGE = {"system": SNOMED, "code": "387854002", "display": "Massage"}
PAIN = {
    "system": LOINC,
    "code": "72514-3",
    "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
}
SLEEP_HOURS = {"system": LOINC, "code": "93832-4", "display": "Sleep duration"}
# Stable ids: the same row gets the same urn in every export.
NAMESPACE = uuid.UUID("6f1c9a52-3d1e-4c55-9a55-0d6f4f6b2b10")


def _urn(*parts) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, ':'.join(map(str, parts)))}"


def _category(code: str) -> list[dict]:
    return [{"coding": [{"system": CATEGORY, "code": code}]}]


def _score(value: int, high: int) -> dict:
    return {"value": value, "unit": f"score 0-{high}", "system": UCUM, "code": "{score}"}


def _observation(patient: str, code: dict, when: datetime, **fields) -> dict:
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": _category("survey"),
        "code": {"coding": [code], "text": code["display"]},
        "subject": {"reference": patient},
        "effectiveDateTime": timeutil.iso(when),
        **fields,
    }


def _morning_after(user, day) -> datetime:
    """The morning after a local day, at wake time, in the user's zone."""
    return timeutil.local_to_utc(day + timedelta(days=1), user.wake_time or time(8), user.timezone)


TIMING_TEXT = {"before": "before massage", "after": "after massage",
               "next-day": "the morning after the massage"}  # fmt: skip


def _session_entries(patient: str, session: MassageSession, user) -> list[tuple[str, dict]]:
    procedure = _urn("procedure", session.client_id)
    end = session.occurred_at + timedelta(minutes=session.duration_minutes)
    resource = {
        "resourceType": "Procedure",
        "identifier": [{"system": "urn:back-relief:session", "value": session.client_id}],
        "status": "completed",
        "code": {"coding": [MASSAGE], "text": f"Massage ({session.kind})"},
        "subject": {"reference": patient},
        "performedPeriod": {"start": timeutil.iso(session.occurred_at), "end": timeutil.iso(end)},
    }
    if session.therapist_name:
        resource["performer"] = [{"actor": {"display": session.therapist_name}}]
    if session.notes:
        resource["note"] = [{"text": session.notes}]
    entries = [(procedure, resource)]
    day = timeutil.to_local(session.occurred_at, user.timezone).date()
    for marker, value, when in (
        ("before", session.pain_before, session.occurred_at),
        ("after", session.pain_after, end),
        # The next-day check-in, timed when it is asked: wake time the morning after.
        ("next-day", session.pain_next_day, _morning_after(user, day)),
    ):
        if value is None:  # a one-tap "Done" not rated yet: no rating to report
            continue
        method = {"coding": [{"system": TIMING, "code": marker}], "text": TIMING_TEXT[marker]}
        entries.append(
            (
                _urn("pain", marker, session.client_id),
                _observation(
                    patient,
                    PAIN,
                    when,
                    valueQuantity=_score(value, 10),
                    method=method,
                    partOf=[{"reference": procedure}],
                ),
            )
        )
    if session.sleep_quality is not None:
        entries.append(_sleep(patient, f"session:{session.client_id}", end, session.sleep_quality))
    return entries


def _sleep(patient: str, key: str, when: datetime, quality: int) -> tuple[str, dict]:
    code = {"system": SLEEP_QUALITY, "code": "quality", "display": "Sleep quality (1-5)"}
    return _urn("sleep", key), _observation(patient, code, when, valueInteger=quality)


def bundle(user) -> dict:
    patient = _urn("patient", user.id)
    entries: list[tuple[str, dict]] = [
        (
            patient,
            {
                "resourceType": "Patient",
                "telecom": [{"system": "email", "value": user.email}],
            },
        )
    ]
    sessions = db.session.scalars(
        db.select(MassageSession)
        .where(MassageSession.user_id == user.id, MassageSession.deleted_at.is_(None))
        .order_by(MassageSession.occurred_at, MassageSession.id)
    )
    for session in sessions:
        entries.extend(_session_entries(patient, session, user))
    nights = db.session.scalars(
        db.select(SleepLog).where(SleepLog.user_id == user.id).order_by(SleepLog.night)
    )
    for night in nights:
        woke = _morning_after(user, night.night)
        entries.append(_sleep(patient, f"night:{night.night}", woke, night.quality))
        if night.hours is not None:
            hours = {"value": night.hours, "unit": "h", "system": UCUM, "code": "h"}
            entries.append(
                (
                    _urn("sleep-hours", night.night),
                    _observation(patient, SLEEP_HOURS, woke, valueQuantity=hours),
                )
            )
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timeutil.iso(timeutil.now()),
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries],
    }
