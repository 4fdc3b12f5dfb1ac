"""All models, imported here so Alembic and the account export see every table."""

from .appointment import Appointment
from .push import PushSubscription
from .reminder import Reminder, UsedActionToken
from .routine import Routine, Therapist
from .session import MassageSession, SleepLog, WaterIntake
from .share import ShareLink
from .signin import SignIn
from .token import ApiToken
from .user import User
from .versioning import bump_data_version  # noqa: F401  (registers the listener)

__all__ = [
    "ApiToken",
    "Appointment",
    "MassageSession",
    "PushSubscription",
    "Reminder",
    "Routine",
    "ShareLink",
    "SignIn",
    "SleepLog",
    "Therapist",
    "UsedActionToken",
    "User",
    "WaterIntake",
]
