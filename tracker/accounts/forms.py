"""Account forms; every rule shows its message next to its field."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from .. import timeutil

PASSWORD_MIN = 8
password_rules = [
    DataRequired(message="Enter a password."),
    Length(min=PASSWORD_MIN, max=200, message=f"Use at least {PASSWORD_MIN} characters."),
]


def valid_zone(form, field) -> None:
    if not timeutil.is_valid_zone(field.data or ""):
        raise ValidationError("Choose a time zone such as Europe/Berlin or America/New_York.")


email_rules = [
    DataRequired(message="Enter your email address."),
    Email(
        message="Enter a valid email address, like name@example.com.", check_deliverability=False
    ),
    Length(max=254),
]


class RegisterForm(FlaskForm):
    email = EmailField("Email", validators=email_rules)
    password = PasswordField("Password", validators=password_rules)
    timezone = StringField("Time zone", validators=[DataRequired(), valid_zone], default="UTC")


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(message="Enter your email address.")])
    password = PasswordField("Password", validators=[DataRequired(message="Enter your password.")])
    remember = BooleanField("Remember me on this device", default=True)


class ProfileForm(FlaskForm):
    # Quiet hours and wake time moved to the reminders form: they only shape reminders.
    timezone = StringField("Time zone", validators=[DataRequired(), valid_zone])


class PasswordForm(FlaskForm):
    current = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")]
    )
    new = PasswordField("New password", validators=password_rules)
    confirm = PasswordField(
        "Repeat new password", validators=[EqualTo("new", message="The passwords do not match.")]
    )


class EmailChangeForm(FlaskForm):
    email = EmailField("New email", validators=email_rules)
    password = PasswordField("Current password", validators=[DataRequired("Enter your password.")])


class DeleteForm(FlaskForm):
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password to confirm.")]
    )


class ForgotForm(FlaskForm):
    email = EmailField("Email", validators=email_rules)


class ResetForm(FlaskForm):
    new = PasswordField("New password", validators=password_rules)
    confirm = PasswordField(
        "Repeat new password", validators=[EqualTo("new", message="The passwords do not match.")]
    )


class ConfirmForm(FlaskForm):
    """A button only: a mail scanner that follows the link (a GET) must not confirm it."""
