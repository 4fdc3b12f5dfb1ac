"""Reminder preferences form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField, TimeField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, StopValidation, ValidationError

from ..core import BoundedIntegerField

KIND_LABELS = {
    "appointment": "Before appointments",
    "log_prompt": "After an appointment: log it",
    "hydration": "Drink water after a massage",
    "sleep_checkin": "Next morning: how did you sleep?",
    "next_day": "Next-day check-in: how is your back the morning after",
    "routine_due": "When a routine is due and nothing is booked",
}
LEAD_CHOICES = [
    SelectChoice(str(minutes), label)
    for minutes, label in (
        (15, "15 minutes before"),
        (30, "30 minutes before"),
        (60, "1 hour before"),
        (120, "2 hours before"),
        (240, "4 hours before"),
        (1440, "The day before"),
        (2880, "2 days before"),
        (4320, "3 days before"),
    )
]
MAX_OFFSETS = 8


class MultiCheckbox(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def parse_offsets(text: str) -> list[int]:
    """ "15, 60, 120" -> [15, 60, 120]; raises ValueError with a message for the user."""
    parts = [p.strip() for p in (text or "").replace(";", ",").split(",") if p.strip()]
    if not parts:
        raise ValueError("Enter at least one time, e.g. 15, 60, 120.")
    if len(parts) > MAX_OFFSETS:
        raise ValueError(f"At most {MAX_OFFSETS} reminders.")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        raise ValueError("Use whole minutes separated by commas, e.g. 15, 60, 120.") from None
    if any(not 5 <= v <= 720 for v in values):
        raise ValueError("Each time must be between 5 and 720 minutes.")
    if len(set(values)) != len(values):
        raise ValueError("Each time may appear only once.")
    return sorted(values)


def keep_if_absent(form, field) -> None:
    """A field the request did not send at all (an older page or client) keeps its saved
    value (data None); one sent empty is still an error."""
    if not field.raw_data:
        raise StopValidation()


class ReminderPrefsForm(FlaskForm):
    appointment = BooleanField(KIND_LABELS["appointment"])
    log_prompt = BooleanField(KIND_LABELS["log_prompt"])
    hydration = BooleanField(KIND_LABELS["hydration"])
    sleep_checkin = BooleanField(KIND_LABELS["sleep_checkin"])
    next_day = BooleanField(KIND_LABELS["next_day"])
    routine_due = BooleanField(KIND_LABELS["routine_due"])
    lead_minutes = MultiCheckbox("Appointment reminders", coerce=int, choices=LEAD_CHOICES)
    reminder_time = TimeField(
        "Time for “the day before” reminders", validators=[InputRequired("Enter a time.")]
    )
    hydration_offsets = StringField("Water reminders, minutes after the massage")
    # Bounded: a huge number made NumberRange's float comparison raise (a 500).
    glasses_goal = BoundedIntegerField(
        "Glasses of water to aim for",
        validators=[
            InputRequired("Enter a number."),
            NumberRange(1, 20, "Between 1 and 20 glasses."),
        ],
    )

    # Quiet hours and wake time are User columns, saved here so they sit with the reminders
    # they shape and one Save keeps everything on the page (issue #15).
    quiet_start = TimeField(
        "Quiet hours start", validators=[keep_if_absent, InputRequired("Enter a time.")]
    )
    quiet_end = TimeField(
        "Quiet hours end", validators=[keep_if_absent, InputRequired("Enter a time.")]
    )
    wake_time = TimeField(
        "Usual wake-up time", validators=[keep_if_absent, InputRequired("Enter a time.")]
    )

    def validate_hydration_offsets(self, field) -> None:
        try:
            parse_offsets(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from None

    def validate_lead_minutes(self, field) -> None:
        if self.appointment.data and not field.data:
            raise ValidationError("Choose at least one, or switch appointment reminders off.")

    def fill_from(self, user) -> None:
        for kind in KIND_LABELS:
            getattr(self, kind).data = bool(user.pref(kind))
        self.lead_minutes.data = list(user.pref("lead_minutes"))
        self.reminder_time.data = user.reminder_time
        self.hydration_offsets.data = ", ".join(str(m) for m in user.pref("hydration_offsets"))
        self.glasses_goal.data = int(user.pref("glasses_goal"))
        self.quiet_start.data, self.quiet_end.data = user.quiet_start, user.quiet_end
        self.wake_time.data = user.wake_time

    def prefs(self) -> dict:
        values = {kind: bool(getattr(self, kind).data) for kind in KIND_LABELS}
        values["lead_minutes"] = sorted(set(self.lead_minutes.data or []), reverse=True)
        values["hydration_offsets"] = parse_offsets(self.hydration_offsets.data)
        values["glasses_goal"] = int(self.glasses_goal.data)
        return values
