"""Domain events that let one capability react to another without importing it.

Receivers run synchronously inside the sender's transaction, so re-planning reminders
commits (or rolls back) together with the change that caused it.
"""

from blinker import Namespace

_signals = Namespace()

# sender: the User; kwargs: zone_changed
preferences_changed = _signals.signal("preferences-changed")
# sender: the Appointment (booked, moved, cancelled, marked done)
appointment_changed = _signals.signal("appointment-changed")
# sender: the MassageSession (logged, edited, deleted or restored)
session_changed = _signals.signal("session-changed")
# sender: the Routine (created, edited, paused, resumed, archived or restored)
routine_changed = _signals.signal("routine-changed")
# sender: the user id; a glass of water was added or undone (form, API, notification action)
water_changed = _signals.signal("water-changed")
