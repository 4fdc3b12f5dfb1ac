"""Routine, appointment and therapist forms; every rule shows its message next to its field."""

from __future__ import annotations

from datetime import time

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
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
from wtforms.widgets import CheckboxInput, ListWidget

from ..core import BoundedIntegerField
from ..labels import FOCUS_LABELS, TOOL_LABELS, WEEKDAY_LABELS
from ..models.routine import KINDS, STYLES
from ..models.session import FOCUS_AREAS, TOOLS
from ..values import parse_row_id
from . import cadence

STYLE_CHOICES = [SelectChoice(s, s.replace("_", " ").capitalize()) for s in STYLES]
KIND_CHOICES = [
    SelectChoice("professional", "Professional (with a therapist)"),
    SelectChoice("self", "Self-massage"),
]
UNIT_CHOICES = [SelectChoice(u) for u in cadence.UNITS]
CADENCE_CHOICES = [
    SelectChoice("every", "Every few days, weeks or months"),
    SelectChoice("times", "A number of times a week or month"),
    SelectChoice("weekdays", "On chosen days of the week"),
]
PER_CHOICES = [SelectChoice("weeks", "a week"), SelectChoice("months", "a month")]
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
    number = value if isinstance(value, int) else parse_row_id(value)
    if number is None:  # not digits, or past 64 bits: never int() on arbitrary text
        raise ValueError("Not a valid choice.")
    return number


class OwnedSelect(SelectField):
    """A select of the user's own rows (plus "none"); the view 404s on anyone else's id."""

    def __init__(self, label, **kwargs):
        super().__init__(label, coerce=_optional_id, validate_choice=False, **kwargs)

    def pre_validate(self, form):
        if self.data is not None and str(self.data) not in {c.value for c in self.choices}:
            raise ValidationError("Choose one from the list.")


class MultiCheckboxField(SelectMultipleField):
    """Real checkboxes, so the form works and reads well without JavaScript."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RoutineForm(FlaskForm):
    name = StringField(
        "Name", validators=[DataRequired("Give the routine a name."), Length(max=120)]
    )
    kind = SelectField("Kind", choices=KIND_CHOICES)
    cadence_kind = RadioField("How often", choices=CADENCE_CHOICES, default="every")
    cadence_count = BoundedIntegerField("Every", validators=[Optional()], default=2)
    cadence_unit = SelectField("Unit", choices=UNIT_CHOICES, default="weeks")
    times_count = BoundedIntegerField("Times", validators=[Optional()], default=2)
    times_per = SelectField("Per", choices=PER_CHOICES, default="weeks")
    weekdays = MultiCheckboxField(
        "Days",
        choices=[SelectChoice(d, text) for d, text in WEEKDAY_LABELS.items()],
        coerce=int,
        validate_choice=True,
    )
    tools = MultiCheckboxField("Tools", choices=[SelectChoice(t, TOOL_LABELS[t]) for t in TOOLS])
    focus_areas = MultiCheckboxField(
        "Focus areas", choices=[SelectChoice(a, FOCUS_LABELS[a]) for a in FOCUS_AREAS]
    )
    nudge_enabled = BooleanField("Remind me when it's due", default=True)
    anchor_date = DateField(
        "Starts on", validators=[InputRequired("Choose a date."), reasonable_date]
    )
    preferred_time = TimeField(
        "Preferred time", validators=[InputRequired("Choose a time.")], default=time(18, 0)
    )
    therapist_id = OwnedSelect("Usual therapist")
    style = SelectField("Style", choices=STYLE_CHOICES)
    duration_minutes = BoundedIntegerField(
        "Duration (minutes)", validators=duration_rules, default=60
    )

    def validate(self, extra_validators=None) -> bool:
        """Check the part of the cadence the chosen kind uses; its message goes beside it.
        (After the fields, because each field's own validation resets its errors.)"""
        valid = super().validate(extra_validators)
        kind = self.cadence_kind.data
        if kind == "times":
            target, message = (
                self.times_count,
                cadence.validate_target("times", self.times_count.data, self.times_per.data, []),
            )
        elif kind == "weekdays":
            target, message = (
                self.weekdays,
                cadence.validate_target("weekdays", 0, "weeks", self.weekdays.data or []),
            )
        else:
            target, message = (
                self.cadence_count,
                cadence.validate_cadence(self.cadence_count.data, self.cadence_unit.data),
            )
        if target.data is None and kind != "weekdays":
            message = "Enter a number."
        if (
            message
            and not target.errors
            and (kind != "every" or self.cadence_unit.data in cadence.LIMITS)
        ):
            target.errors.append(message)
        return valid and not target.errors

    def cadence_values(self) -> dict:
        """The model's cadence columns from whichever part of the form the kind uses."""
        kind = self.cadence_kind.data
        if kind == "times":
            return {
                "cadence_kind": kind,
                "cadence_count": self.times_count.data,
                "cadence_unit": self.times_per.data,
                "cadence_weekdays": [],
            }
        if kind == "weekdays":
            return {
                "cadence_kind": kind,
                "cadence_weekdays": sorted(set(self.weekdays.data)),
                "cadence_count": 1,
                "cadence_unit": "weeks",
            }
        return {
            "cadence_kind": "every",
            "cadence_count": self.cadence_count.data,
            "cadence_unit": self.cadence_unit.data,
            "cadence_weekdays": [],
        }


class AppointmentForm(FlaskForm):
    routine_id = OwnedSelect("Routine")
    therapist_id = OwnedSelect("Therapist")
    day = DateField("Date", validators=[InputRequired("Choose a date."), reasonable_date])
    at = TimeField("Start time", validators=[InputRequired("Choose a time.")])
    duration_minutes = BoundedIntegerField(
        "Duration (minutes)", validators=duration_rules, default=60
    )
    style = SelectField("Style", choices=STYLE_CHOICES)
    location = StringField("Location", validators=[Optional(), Length(max=200)])
    notes = TextAreaField("To tell my therapist", validators=[Optional(), Length(max=4000)])


class RescheduleForm(FlaskForm):
    day = DateField("New date", validators=[InputRequired("Choose a date."), reasonable_date])
    at = TimeField("New start time", validators=[InputRequired("Choose a time.")])


class TherapistForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter a name."), Length(max=120)])
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    email = EmailField(
        "Email",
        validators=[
            Optional(),
            Email("Enter a valid email address.", check_deliverability=False),
            Length(max=254),
        ],
    )
    website = URLField(
        "Website",
        validators=[
            Optional(),
            URL(message="Enter a full address, like https://example.com."),
            Length(max=500),
        ],
    )
    specialties = StringField("Specialties", validators=[Optional(), Length(max=500)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=4000)])
