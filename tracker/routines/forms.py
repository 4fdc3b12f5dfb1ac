"""Routine, appointment and therapist forms; every rule shows its message next to its field."""

from __future__ import annotations

from datetime import time

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..models.routine import KINDS, STYLES
from . import cadence

STYLE_CHOICES = [SelectChoice(s, s.replace("_", " ").capitalize()) for s in STYLES]
KIND_CHOICES = [SelectChoice("professional", "Professional (with a therapist)"),
                SelectChoice("self", "Self-massage")]
UNIT_CHOICES = [SelectChoice(u) for u in cadence.UNITS]
assert [c.value for c in KIND_CHOICES] == list(KINDS)


def owned_choices(rows) -> list[SelectChoice]:
    """A "None" option plus the user's own rows, for an OwnedSelect."""
    return [SelectChoice("", "None")] + [SelectChoice(str(r.id), r.name) for r in rows]

duration_rules = [
    InputRequired("Enter a duration in minutes."),
    NumberRange(1, 480, "Between 1 minute and 8 hours (480 minutes); it must end after it starts."),
]


def reasonable_date(form, field) -> None:
    # Far-off years would overflow datetime arithmetic (and are always typos).
    if field.data is not None and not 2000 <= field.data.year <= 2100:
        raise ValidationError("Choose a date between 2000 and 2100.")


def _optional_id(value):
    """'' or None -> None; anything else must be an int (the view checks ownership)."""
    if value in (None, "", "0", 0):
        return None
    return int(value)


class OwnedSelect(SelectField):
    """A select of the user's own rows (plus "none"); the view 404s on anyone else's id."""

    def __init__(self, label, **kwargs):
        super().__init__(label, coerce=_optional_id, validate_choice=False, **kwargs)

    def pre_validate(self, form):
        if self.data is not None and str(self.data) not in {c.value for c in self.choices}:
            raise ValidationError("Choose one from the list.")


class RoutineForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the routine a name."), Length(max=120)])
    kind = SelectField("Kind", choices=KIND_CHOICES)
    cadence_count = IntegerField("Every", validators=[InputRequired("Enter a number.")], default=2)
    cadence_unit = SelectField("Unit", choices=UNIT_CHOICES, default="weeks")
    anchor_date = DateField(
        "Starts on", validators=[InputRequired("Choose a date."), reasonable_date]
    )
    preferred_time = TimeField(
        "Preferred time", validators=[InputRequired("Choose a time.")], default=time(18, 0)
    )
    therapist_id = OwnedSelect("Usual therapist")
    style = SelectField("Style", choices=STYLE_CHOICES)
    duration_minutes = IntegerField("Duration (minutes)", validators=duration_rules, default=60)

    def validate_cadence_count(self, field) -> None:
        message = cadence.validate_cadence(field.data, self.cadence_unit.data)
        if message and self.cadence_unit.data in cadence.LIMITS:
            raise ValidationError(message)


class AppointmentForm(FlaskForm):
    routine_id = OwnedSelect("Routine")
    therapist_id = OwnedSelect("Therapist")
    day = DateField("Date", validators=[InputRequired("Choose a date."), reasonable_date])
    at = TimeField("Start time", validators=[InputRequired("Choose a time.")])
    duration_minutes = IntegerField("Duration (minutes)", validators=duration_rules, default=60)
    style = SelectField("Style", choices=STYLE_CHOICES)
    location = StringField("Location", validators=[Optional(), Length(max=200)])
    notes = TextAreaField("To tell my therapist", validators=[Optional(), Length(max=4000)])


class RescheduleForm(FlaskForm):
    day = DateField("New date", validators=[InputRequired("Choose a date."), reasonable_date])
    at = TimeField("New start time", validators=[InputRequired("Choose a time.")])


class TherapistForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter a name."), Length(max=120)])
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    email = EmailField("Email", validators=[
        Optional(), Email("Enter a valid email address.", check_deliverability=False),
        Length(max=254),
    ])
    website = URLField("Website", validators=[
        Optional(), URL(message="Enter a full address, like https://example.com."),
        Length(max=500),
    ])
    specialties = StringField("Specialties", validators=[Optional(), Length(max=500)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=4000)])
