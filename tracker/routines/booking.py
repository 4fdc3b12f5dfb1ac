"""The one booking service: book, change, move, cancel, reinstate and mark done.

The appointment forms, the /api/v1 appointment endpoints and the tests all go through here.
Each call changes the appointment, flushes, and sends `appointment_changed`, so reminders are
re-planned in the same transaction. Nothing here commits: the caller commits once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from ..extensions import db
from ..models import Appointment
from ..signals import appointment_changed

# What a booking may set besides its time and status.
DETAILS = ("routine_id", "therapist_id", "therapist_name", "duration_minutes", "location",
           "style", "notes")  # fmt: skip


class BookingError(ValueError):
    """A change the appointment's state does not allow; the message is shown as is."""

    def __init__(self, message: str, field: str = "status") -> None:
        super().__init__(message)
        self.field = field  # the API field the problem is reported under


def _changed(appt: Appointment) -> Appointment:
    db.session.flush()
    appointment_changed.send(appt)
    return appt


def _set(appt: Appointment, details: dict[str, Any]) -> None:
    unknown = set(details) - set(DETAILS)
    if unknown:
        raise TypeError(f"not appointment details: {sorted(unknown)}")
    for name, value in details.items():
        setattr(appt, name, value)


def book(
    user_id: int, starts_at: datetime, *, client_id: str | None = None, **details: Any
) -> Appointment:
    appt = Appointment(
        user_id=user_id,
        client_id=client_id or str(uuid.uuid4()),
        starts_at=starts_at,
        status="booked",
    )
    _set(appt, details)
    db.session.add(appt)
    return _changed(appt)


def update(appt: Appointment, *, starts_at: datetime | None = None, **details: Any) -> Appointment:
    """Edit details (and the time, as the edit form may) whatever the status."""
    if starts_at is not None:
        appt.starts_at = starts_at
    _set(appt, details)
    return _changed(appt)


def move(appt: Appointment, starts_at: datetime) -> Appointment:
    if appt.status != "booked":
        raise BookingError("Only a booked appointment can be moved.", "starts_at")
    return update(appt, starts_at=starts_at)


def cancel(appt: Appointment) -> Appointment:
    if appt.status != "booked":
        raise BookingError(f"This appointment is already {appt.status}.")
    appt.status = "cancelled"
    return _changed(appt)


def reinstate(appt: Appointment) -> Appointment:
    if appt.status != "cancelled":
        raise BookingError("Only a cancelled appointment can be reinstated.")
    appt.status = "booked"
    return _changed(appt)


def mark_done(appt: Appointment, now: datetime) -> Appointment:
    if appt.status != "booked":
        raise BookingError(f"This appointment is already {appt.status}.")
    if appt.starts_at > now:
        raise BookingError("You can mark it done once it has started.")
    appt.status = "done"
    return _changed(appt)


def set_status(appt: Appointment, status: str, now: datetime) -> Appointment:
    """Move to `status` by the one allowed transition; the same status is a no-op."""
    if status == appt.status:
        return appt
    if status == "cancelled":
        return cancel(appt)
    if status == "done":
        return mark_done(appt, now)
    if status == "booked":
        if appt.status == "done":
            raise BookingError("A completed appointment can't be booked again; book a new one.")
        return reinstate(appt)
    raise BookingError(f"Unknown status {status!r}.")
