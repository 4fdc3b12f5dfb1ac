"""The safety checklist: conditions that call for care before massage. It informs, never blocks."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required

from ..extensions import db
from . import bp


@dataclass(frozen=True)
class Condition:
    key: str
    label: str
    # How to say it to a therapist: "tell your therapist about <topic>".
    topic: str
    # Conditions where a doctor should be asked before booking at all.
    see_doctor: bool


CONDITIONS: tuple[Condition, ...] = (
    Condition("spinal_surgery", "Recent spinal surgery", "your recent spinal surgery", True),
    Condition("pregnancy", "Pregnancy", "your pregnancy", True),
    Condition("osteoporosis", "Osteoporosis", "your osteoporosis", True),
    Condition("recent_injury", "A recent injury", "your recent injury", True),
    Condition("severe_pain", "Severe pain", "your severe pain", True),
    Condition(
        "child_under_8", "Massage is for a child under 8", "the child's age and health", True
    ),
    Condition("arthritis", "Arthritis", "your arthritis", False),
    Condition(
        "cardiovascular",
        "Cardiovascular disease (heart, blood pressure, clots)",
        "your heart or circulation condition",
        True,
    ),
    Condition("diabetes", "Diabetes", "your diabetes", False),
    Condition("migraines", "Migraines", "your migraines", False),
    Condition(
        "other",
        "Another condition or medication that might matter",
        "your other conditions and medication",
        False,
    ),
)
BY_KEY = {c.key: c for c in CONDITIONS}


def selected(keys) -> list[Condition]:
    """Known conditions from a stored list, in checklist order; unknown keys are ignored."""
    chosen = set(keys or [])
    return [c for c in CONDITIONS if c.key in chosen]


def advisory(keys) -> dict | None:
    """What the advisory box says for these ticked conditions, or None when nothing is ticked."""
    conditions = selected(keys)
    if not conditions:
        return None
    # Topics, not checklist labels: they read inside a sentence ("because of your pregnancy").
    return {
        "doctor": [c.topic for c in conditions if c.see_doctor],
        "tell": [c.topic for c in conditions],
    }


def checklist() -> list[tuple[Condition, bool]]:
    """Every condition with whether the current user ticked it (for the settings section)."""
    chosen = set(current_user.safety_conditions or [])
    return [(c, c.key in chosen) for c in CONDITIONS]


@bp.post("/safety")
@login_required
def save_safety():
    keys = [k for k in request.form.getlist("conditions") if k in BY_KEY]
    chosen = [c.key for c in CONDITIONS if c.key in keys]
    if set(chosen) - set(current_user.safety_conditions or []):
        current_user.advisory_dismissed = False  # something new to talk to a doctor about
    current_user.safety_conditions = chosen
    db.session.commit()
    flash("Safety checklist saved.", "success")
    if request.form.get("next") == "onboarding":
        return redirect(url_for("welcome.onboarding") + "#routine-step")
    return redirect(url_for("accounts.settings_safety"))
