"""Appointments: book (pre-filled from a routine), edit, reschedule, cancel, mark done."""

from __future__ import annotations

from datetime import date, datetime, time

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import timeutil
from ..extensions import db
from ..models import Appointment, Routine, Therapist
from ..ownership import owned_or_404
from . import booking, bp, drafts, queries
from .forms import AppointmentForm, RescheduleForm, owned_choices
from .views import require_owned, therapist_choices


def resolve_start(day: date, at: time, zone: str) -> tuple[datetime, str | None]:
    """Local date and time -> UTC, plus a note when the time fell in a DST gap and moved."""
    try:
        return timeutil.local_to_utc(day, at, zone, strict=True), None
    except timeutil.NonexistentLocalTime as gap:
        moved = timeutil.to_local(gap.resolved, zone)
        note = (
            f"{at:%H:%M} does not exist on {day:%a %d %b %Y} in {zone} because the clocks "
            f"go forward, so it was booked for {moved:%H:%M}."
        )
        return gap.resolved, note


def _choices(form: AppointmentForm) -> None:
    """Only the user's own routines and therapists; anyone else's id is a 404."""
    owned_therapists = therapist_choices(form.therapist_id)
    rows = queries.routines(current_user.id, include_archived=True)
    form.routine_id.choices = owned_choices(rows)
    if request.method == "POST":
        require_owned(form.therapist_id, owned_therapists)
        require_owned(form.routine_id, {r.id for r in rows})


def _details(form: AppointmentForm, appt: Appointment | None) -> tuple[datetime, dict, str | None]:
    """The form as (start in UTC, booking details, DST note if the time moved)."""
    starts_at, note = resolve_start(form.day.data, form.at.data, current_user.timezone)
    details = {"therapist_id": form.therapist_id.data, "routine_id": form.routine_id.data,
               "duration_minutes": form.duration_minutes.data, "style": form.style.data,
               "location": (form.location.data or "").strip(),
               "notes": (form.notes.data or "").strip()}  # fmt: skip
    if form.therapist_id.data is not None:
        details["therapist_name"] = db.session.get(Therapist, form.therapist_id.data).name
    elif appt is not None and appt.therapist_id is not None:
        details["therapist_name"] = ""  # cleared on purpose; a deleted therapist keeps the copy
    return starts_at, details, note


def _done(appt: Appointment, message: str, note: str | None = None):
    """The booking service has flushed and signalled; commit once and show the result."""
    db.session.commit()
    flash(message, "success")
    if note:
        flash(note, "info")
    return redirect(url_for("routines.appointment", appointment_id=appt.id))


@bp.get("/appointments")
@login_required
def appointments():
    now = timeutil.now()
    mine = db.select(Appointment).where(Appointment.user_id == current_user.id)
    ahead = list(
        db.session.scalars(mine.where(Appointment.starts_at >= now).order_by(Appointment.starts_at))
    )
    # A cancelled appointment leaves "Upcoming" but stays reachable, to reinstate it.
    upcoming = [a for a in ahead if a.status != "cancelled"]
    cancelled = [a for a in ahead if a.status == "cancelled"]
    past = list(
        db.session.scalars(
            mine.where(Appointment.starts_at < now).order_by(Appointment.starts_at.desc()).limit(50)
        )
    )
    logged = queries.logged_appointment_ids(current_user.id, [a.id for a in past])
    return render_template(
        "routines/appointments.html",
        upcoming=upcoming,
        cancelled=cancelled,
        past=past,
        logged=logged,
        now=now,
    )


def _defaults(routine: Routine | None) -> dict:
    """Pre-fill from the routine: next due date (never in the past), time, therapist, style."""
    today = timeutil.today_in(current_user.timezone)
    if routine is None:
        return {"day": today, "at": time(18, 0)}
    due, _ = queries.due_states(current_user.id, [routine], current_user.timezone, today)[
        routine.id
    ]
    return {
        "day": max(due or today, today),
        "at": routine.preferred_time,
        "routine_id": routine.id,
        "therapist_id": routine.therapist_id,
        "style": routine.style,
        "duration_minutes": routine.duration_minutes,
    }


@bp.route("/appointments/new", methods=["GET", "POST"])
@login_required
def new_appointment():
    if (leave := drafts.leaving()) is not None:
        return leave
    routine_arg = request.args.get("routine")
    routine = owned_or_404(Routine, routine_arg) if routine_arg else None
    typed = drafts.returning()
    form = AppointmentForm(formdata=typed) if typed else AppointmentForm(**_defaults(routine))
    _choices(form)
    if form.validate_on_submit():
        starts_at, details, note = _details(form, None)
        appt = booking.book(current_user.id, starts_at, **details)
        return _done(appt, "Appointment booked.", note)
    return render_template("routines/appointment_form.html", form=form, appt=None)


@bp.get("/appointments/<int:appointment_id>")
@login_required
def appointment(appointment_id: int):
    appt = owned_or_404(Appointment, appointment_id)
    logged = queries.logged_appointment_ids(current_user.id, [appt.id])
    return render_template(
        "routines/appointment.html", appt=appt, logged=appt.id in logged, now=timeutil.now()
    )


@bp.route("/appointments/<int:appointment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_appointment(appointment_id: int):
    appt = owned_or_404(Appointment, appointment_id)
    if (leave := drafts.leaving()) is not None:
        return leave
    local = timeutil.to_local(appt.starts_at, current_user.timezone)
    typed = drafts.returning()
    form = (
        AppointmentForm(formdata=typed)
        if typed
        else AppointmentForm(obj=appt, day=local.date(), at=local.time())
    )
    _choices(form)
    if form.validate_on_submit():
        starts_at, details, note = _details(form, appt)
        booking.update(appt, starts_at=starts_at, **details)
        return _done(appt, "Appointment updated.", note)
    return render_template("routines/appointment_form.html", form=form, appt=appt)


@bp.route("/appointments/<int:appointment_id>/reschedule", methods=["GET", "POST"])
@login_required
def reschedule_appointment(appointment_id: int):
    appt = owned_or_404(Appointment, appointment_id)
    if appt.status != "booked":
        flash("Only a booked appointment can be moved.", "error")
        return redirect(url_for("routines.appointment", appointment_id=appt.id))
    local = timeutil.to_local(appt.starts_at, current_user.timezone)
    form = RescheduleForm(day=local.date(), at=local.time())
    if form.validate_on_submit():
        starts_at, note = resolve_start(form.day.data, form.at.data, current_user.timezone)
        booking.move(appt, starts_at)
        return _done(appt, "Appointment moved.", note)
    return render_template("routines/reschedule.html", form=form, appt=appt)


@bp.get("/appointments/<int:appointment_id>/confirm-cancel")
@login_required
def confirm_cancel(appointment_id: int):
    """The confirmation step before cancelling (a page, so it works without JS)."""
    appt = owned_or_404(Appointment, appointment_id)
    if appt.status != "booked":
        flash("Only a booked appointment can be cancelled.", "error")
        return redirect(url_for("routines.appointment", appointment_id=appt.id))
    return render_template("routines/cancel.html", appt=appt)


STATUS_ACTIONS = {"cancel": ("booked", "Appointment cancelled."),
                  "done": ("booked", "Marked as done."),
                  "reinstate": ("cancelled", "Appointment reinstated.")}  # fmt: skip


@bp.post("/appointments/<int:appointment_id>/<any(cancel, done, reinstate):action>")
@login_required
def appointment_status(appointment_id: int, action: str):
    appt = owned_or_404(Appointment, appointment_id)
    needed, message = STATUS_ACTIONS[action]
    if appt.status != needed:
        abort(409, "This appointment is already " + appt.status + ".")
    try:
        if action == "cancel":
            booking.cancel(appt)
        elif action == "reinstate":
            booking.reinstate(appt)
        else:
            booking.mark_done(appt, timeutil.now())
    except booking.BookingError as problem:
        flash(str(problem), "error")
        return redirect(url_for("routines.appointment", appointment_id=appt.id))
    return _done(appt, message)
