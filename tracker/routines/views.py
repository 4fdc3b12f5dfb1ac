"""Routine pages: list with due status, create, edit, pause/resume, archive/restore."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import timeutil
from ..extensions import db
from ..models import Appointment, PushSubscription, Routine
from ..ownership import owned_or_404
from ..signals import routine_changed
from ..values import local_path
from . import bp, cadence, drafts, queries, welcome_bp
from .forms import RoutineForm, owned_choices


def therapist_choices(form_field) -> set[int]:
    """Fill a therapist select with the user's own therapists; returns their ids."""
    rows = queries.therapists(current_user.id)
    form_field.choices = owned_choices(rows)
    return {t.id for t in rows}


def require_owned(field, owned: set[int]) -> None:
    """Someone else's (or a made-up) id in a form is treated like one in a URL: 404."""
    if field.data is not None and field.data not in owned:
        abort(404)


@bp.get("/routine")
@login_required
def index():
    today = timeutil.today_in(current_user.timezone)
    done = queries.last_done_dates(current_user.id, current_user.timezone)
    rows = queries.routines(current_user.id, include_archived=True)
    states = queries.due_states(
        current_user.id, [r for r in rows if r.archived_at is None], current_user.timezone, today
    )
    active = [(r, *states[r.id]) for r in rows if r.archived_at is None]
    archived = [r for r in rows if r.archived_at is not None]
    return render_template("routines/index.html", active=active, archived=archived, last_done=done)


FORM_COLUMNS = (
    "name",
    "kind",
    "anchor_date",
    "preferred_time",
    "therapist_id",
    "style",
    "duration_minutes",
    "tools",
    "focus_areas",
    "nudge_enabled",
)


def _save(form: RoutineForm, routine: Routine | None):
    owned = therapist_choices(form.therapist_id)
    if request.method == "POST":
        require_owned(form.therapist_id, owned)
    if not form.validate_on_submit():
        return None
    if routine is None:
        routine = Routine(user_id=current_user.id)
        db.session.add(routine)
    for name in FORM_COLUMNS:
        setattr(routine, name, getattr(form, name).data)
    for name, value in form.cadence_values().items():
        setattr(routine, name, value)
    if routine.kind == "self":  # no booking: nothing professional is kept for home sessions
        routine.therapist_id = None
    else:
        routine.tools, routine.focus_areas = [], []
    db.session.flush()
    routine_changed.send(routine)  # re-plans its nudge in this transaction
    db.session.commit()
    return routine


@bp.route("/routine/new", methods=["GET", "POST"])
@login_required
def new_routine():
    if (leave := drafts.leaving()) is not None:
        return leave
    today = timeutil.today_in(current_user.timezone)
    typed = drafts.returning()
    # ?kind= preselects what the welcome page's two buttons chose.
    kind = (
        request.args.get("kind") if request.args.get("kind") in ("professional", "self") else None
    )
    form = (
        RoutineForm(formdata=typed)
        if typed
        else RoutineForm(anchor_date=today, **({"kind": kind} if kind else {}))
    )
    if (routine := _save(form, None)) is not None:
        flash(f"Routine “{routine.name}” saved.", "success")
        if request.args.get("from") == "welcome":  # back to the remaining first-run steps
            return redirect(url_for("welcome.onboarding") + "#reminders-step")
        return redirect(url_for("routines.index"))
    return render_template("routines/routine_form.html", form=form, routine=None)


@bp.route("/routine/<int:routine_id>/edit", methods=["GET", "POST"])
@login_required
def edit_routine(routine_id: int):
    routine = owned_or_404(Routine, routine_id)
    if (leave := drafts.leaving()) is not None:
        return leave
    targets = (
        {"times_count": routine.cadence_count, "times_per": routine.cadence_unit}
        if routine.cadence_kind == "times"
        else {}
    )
    typed = drafts.returning()
    form = (
        RoutineForm(formdata=typed)
        if typed
        else RoutineForm(obj=routine, weekdays=routine.cadence_weekdays, **targets)
    )
    if _save(form, routine) is not None:
        flash("Routine updated.", "success")
        return redirect(url_for("routines.index"))
    return render_template("routines/routine_form.html", form=form, routine=routine)


@bp.post("/routine/<int:routine_id>/<any(pause, resume, archive, restore):action>")
@login_required
def routine_action(routine_id: int, action: str):
    routine = owned_or_404(Routine, routine_id)
    now = timeutil.now()
    if action == "pause" and routine.paused_at is None:
        routine.paused_at = now
    elif action == "resume" and routine.paused_at is not None:
        resume(routine, now, timeutil.today_in(current_user.timezone))
    elif action == "archive":
        routine.archived_at = routine.archived_at or now
    elif action == "restore":
        routine.archived_at = None
    routine_changed.send(routine)
    db.session.commit()
    flash(f"Routine “{routine.name}”: {MESSAGES[action]}", "success")
    return redirect(url_for("routines.index"))


MESSAGES = {
    "pause": "paused.",
    "resume": "resumed.",
    "archive": "archived.",
    "restore": "restored.",
}


def resume(routine: Routine, now, today) -> None:
    """Close the pause and restart the schedule at the next occurrence, so time spent paused
    does not count as overdue (streaks skip the closed interval in `pauses`)."""
    pauses = list(routine.pauses or [])
    pauses.append([timeutil.iso(routine.paused_at), timeutil.iso(now)])
    routine.pauses = pauses
    routine.paused_at = None
    routine.anchor_date = cadence.first_on_or_after(
        routine.anchor_date, routine.cadence_count, routine.cadence_unit, today
    )


@welcome_bp.get("/welcome")
@login_required
def onboarding():
    """First run on one screen: safety checklist, first routine, reminders; each optional."""
    devices = db.session.scalar(
        db.select(db.func.count())
        .select_from(PushSubscription)
        .where(PushSubscription.user_id == current_user.id)
    )
    return render_template(
        "routines/onboarding.html", routines=queries.routines(current_user.id), devices=devices
    )


@bp.post("/safety/advisory")
@login_required
def dismiss_advisory():
    """ "I've talked to my doctor": hide the advisory for good (until the checklist gains a
    condition). A plain form, so it works without JavaScript."""
    current_user.advisory_dismissed = True
    db.session.commit()
    flash("Safety note hidden. Your checklist is still in Settings.", "success")
    return redirect(local_path(request.form.get("back"), url_for("routines.index")))


@bp.get("/appointments/next")
@login_required
def next_appointment():
    """The manifest's "Next appointment" shortcut: that appointment's page, or the list (with
    its "Book" button) when nothing is booked. Same rule as the list's "Upcoming"."""
    found = db.session.scalar(
        db.select(Appointment.id)
        .where(
            Appointment.user_id == current_user.id,
            Appointment.status == "booked",
            Appointment.starts_at >= timeutil.now(),
        )
        .order_by(Appointment.starts_at, Appointment.id)
        .limit(1)
    )
    if found is None:
        return redirect(url_for("routines.appointments"))
    return redirect(url_for("routines.appointment", appointment_id=found))
