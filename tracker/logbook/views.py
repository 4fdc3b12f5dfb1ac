"""Log form, history, edit, soft delete with undo, recently deleted, CSV export/import."""

from __future__ import annotations

import uuid
from datetime import time, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from .. import timeutil
from ..extensions import db
from ..labels import plural
from ..models import Appointment, MassageSession, Routine
from ..models.routine import KINDS
from ..values import local_path
from . import bp, csvio, forms, store
from .schema import (
    SEVERE_PAIN,
    Invalid,
    SessionSchema,
    parse_day,
    parse_page,
    parse_row_id,
    parse_uuid,
)

PER_PAGE = 20
ADVISORY = (
    "Pain of 8 or more after a massage is a warning sign: stop massaging that area and seek "
    "medical advice, urgently if the pain is sudden or comes with numbness, weakness or fever."
)


def owned_appointment_or_404(raw: str) -> Appointment:
    """By numeric id (notification links) or UUID; anyone else's appointment is a 404."""
    number = parse_row_id(raw)
    column = Appointment.id if number is not None else Appointment.client_id
    try:
        key = number if number is not None else parse_uuid(raw)
    except Invalid:
        abort(404)
    found = db.session.scalar(
        db.select(Appointment).where(column == key, Appointment.user_id == current_user.id)
    )
    return found if found is not None else abort(404)


def owned_routine_or_404(raw: str) -> Routine:
    found = db.session.scalar(
        db.select(Routine).where(
            Routine.id == (parse_row_id(raw) or -1), Routine.user_id == current_user.id
        )
    )
    return found if found is not None else abort(404)


def render_form(values: dict, errors: dict, *, session=None, status: int = 200):
    zone = current_user.timezone
    routines = forms.active_routines(current_user.id)
    chosen = parse_row_id(values.get("routine_id") or "")  # posted text: never int() it
    if chosen and chosen not in {r.id for r in routines}:  # e.g. an archived one, if it's ours
        found = db.session.scalar(
            db.select(Routine).where(Routine.id == chosen, Routine.user_id == current_user.id)
        )
        routines += [found] if found is not None else []
    back = safe_next(request.values.get("next") or referrer_path(), "")
    return render_template(
        "logbook/form.html", values=values, errors=errors, session=session, f=forms,
        therapists=forms.therapist_names(current_user.id), severe=SEVERE_PAIN,
        when_label=forms.when_label(values.get("occurred_at_local") or "", zone),
        routines=routines, summary=forms.summary(values, routines), next_url=back,
    ), status  # fmt: skip


def referrer_path() -> str:
    """The page the form was opened from, if it is one of ours (for the recap after Save)."""
    ref = urlsplit(request.referrer or "")
    if ref.netloc != request.host or ref.path.startswith("/sessions/"):
        return ""
    return ref.path + (f"?{ref.query}" if ref.query else "")


def after_save(session: MassageSession, message: str):
    """Back to the page the form was opened from, with a recap and Undo (_recap.html)."""
    if session.pain_after is not None and session.pain_after >= SEVERE_PAIN:
        flash(ADVISORY, "advisory")
    back = safe_next(request.form.get("next"), url_for("logbook.history"))
    if back.startswith(url_for("logbook.history")):
        flash(message, "success")
    return redirect(with_query(back, done=session.client_id))


@bp.route("/sessions/new", methods=["GET", "POST"])
@login_required
def new_session():
    """The log form; a repeated POST of the same hidden id saves once."""
    if request.method == "GET":
        appointment = routine = None
        if request.args.get("appointment"):
            appointment = owned_appointment_or_404(request.args["appointment"])
            logged = db.session.scalar(
                db.select(MassageSession).where(
                    MassageSession.user_id == current_user.id,
                    MassageSession.appointment_id == appointment.id,
                    MassageSession.deleted_at.is_(None),
                )
            )
            if logged is not None:
                flash("This appointment is already logged; you can edit it here.", "info")
                return redirect(url_for("logbook.edit_session", raw_id=logged.client_id))
        if request.args.get("routine"):
            routine = owned_routine_or_404(request.args["routine"])
        return render_form(forms.defaults(current_user, appointment, routine), {})
    values = forms.follow_choice(forms.payload(request.form), current_user)
    clean, errors = SessionSchema(current_user).clean(values)
    if errors:
        return render_form(values, errors, status=422)
    session, outcome = store.create_or_replay(current_user.id, clean)
    if outcome == "conflict":
        db.session.rollback()
        errors = {"id": ["This entry was already saved with other details. Edit it instead."]}
        return render_form(values, errors, session=session, status=409)
    db.session.commit()
    return after_save(session, "Session saved." if outcome == "created" else "Already saved.")


def safe_next(raw: str | None, default: str = "/") -> str:
    """A local path to go back to; anything that could leave the site falls back."""
    return local_path(raw, default)


def with_query(path: str, **params: str) -> str:
    parts = urlsplit(path)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in params] + list(params.items())
    return urlunsplit(("", "", parts.path, urlencode(query), ""))


@bp.post("/sessions/done/<int:routine_id>")
@login_required
def quick_done(routine_id: int):
    """One tap on a self-massage card: saved under that routine, then back with an Undo."""
    routine = owned_routine_or_404(str(routine_id))
    back = safe_next(request.form.get("next"))
    if routine.kind != "self" or routine.archived_at is not None:
        flash("Only an active self-massage routine has a one-tap Done; use Log a session.", "error")
        return redirect(back)
    try:  # the page's hidden id makes a double tap save once
        client_id = parse_uuid(request.form.get("id") or "")
    except Invalid:
        client_id = str(uuid.uuid4())
    session, _ = store.quick_done(current_user, routine, client_id)
    db.session.commit()
    return redirect(with_query(back, done=session.client_id))


@bp.route("/sessions/<raw_id>/edit", methods=["GET", "POST"])
@login_required
def edit_session(raw_id: str):
    """Edit any field later (e.g. sleep next morning); the entry keeps its id."""
    session = store.owned_or_404(raw_id)
    if request.method == "GET":
        return render_form(forms.from_session(session, current_user.timezone), {}, session=session)
    values = forms.follow_choice(forms.payload(request.form), current_user)
    values["id"] = session.client_id
    clean, errors = SessionSchema(current_user).clean(values)
    if errors:
        return render_form(values, errors, session=session, status=422)
    store.update(session, clean)
    db.session.commit()
    return after_save(session, "Changes saved.")


def history_filters() -> tuple[dict, list]:
    args, zone = request.args, current_user.timezone
    where = [MassageSession.user_id == current_user.id, MassageSession.deleted_at.is_(None)]
    chosen, problems = {}, []
    if args.get("kind") in KINDS:
        chosen["kind"] = args["kind"]
        where.append(MassageSession.kind == args["kind"])
    if args.get("therapist"):
        chosen["therapist"] = args["therapist"]
        where.append(MassageSession.therapist_name == args["therapist"])
    for name, days in (("from", 0), ("to", 1)):
        if not args.get(name):
            continue
        try:
            day = parse_day(args[name])
        except Invalid:
            problems.append(f"“{args[name]}” isn't a date; use YYYY-MM-DD.")
            continue
        chosen[name] = day.isoformat()
        edge = timeutil.local_to_utc(day + timedelta(days=days), time(0), zone)
        where.append(
            MassageSession.occurred_at >= edge if days == 0 else MassageSession.occurred_at < edge
        )
    return {"where": where, "chosen": chosen}, problems


@bp.get("/sessions")
@login_required
def history():
    """Newest first, paginated, filtered by kind, therapist and local date range."""
    filters, problems = history_filters()
    query = (
        db.select(MassageSession)
        .where(*filters["where"])
        .order_by(MassageSession.occurred_at.desc(), MassageSession.id.desc())
    )
    page = db.paginate(
        query, page=parse_page(request.args.get("page")), per_page=PER_PAGE, error_out=False
    )
    therapists = db.session.scalars(
        db.select(MassageSession.therapist_name)
        .where(MassageSession.user_id == current_user.id, MassageSession.therapist_name != "")
        .distinct()
        .order_by(MassageSession.therapist_name)
    )
    undo = None
    if request.args.get("deleted"):
        try:
            undo = store.find(current_user.id, parse_uuid(request.args["deleted"]))
        except Invalid:
            undo = None
        undo = undo if undo is not None and store.restorable(undo) else None
    return render_template(
        "logbook/history.html", page=page, chosen=filters["chosen"], problems=problems,
        therapists=list(therapists), undo=undo, f=forms,
    )  # fmt: skip


@bp.post("/sessions/<raw_id>/delete")
@login_required
def delete_session(raw_id: str):
    session = store.owned_or_404(raw_id)
    store.soft_delete(session)
    db.session.commit()
    if request.form.get("next"):  # Undo of a quick Done or of a recap: back where it was
        flash("Session removed.", "success")
        return redirect(safe_next(request.form["next"]))
    return redirect(url_for("logbook.history", deleted=session.client_id))


@bp.post("/sessions/<raw_id>/restore")
@login_required
def restore_session(raw_id: str):
    session = store.owned_or_404(raw_id, deleted=True)
    if not store.restorable(session):
        abort(404)
    store.restore(session)
    db.session.commit()
    flash("Session restored.", "success")
    return redirect(url_for("logbook.history"))


@bp.get("/sessions/deleted")
@login_required
def recently_deleted():
    """Deleted in the last 30 days, newest deletion first, each with Restore."""
    rows = db.session.scalars(
        db.select(MassageSession)
        .where(
            MassageSession.user_id == current_user.id,
            MassageSession.deleted_at > store.undo_cutoff(),
        )
        .order_by(MassageSession.deleted_at.desc())
    )
    return render_template("logbook/deleted.html", rows=list(rows), f=forms, days=store.UNDO_DAYS)


@bp.get("/sessions/export.csv")
@login_required
def export_csv():
    stamp = timeutil.today_in(current_user.timezone).isoformat()
    return Response(
        csvio.export_csv(current_user),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="back-relief-sessions-{stamp}.csv"'},
    )


def allow_large_csv() -> None:
    """Raise the request size limit for CSV uploads only (10,000 rows can pass 2 MB).

    Runs first among before_request hooks, because the CSRF check already parses the body.
    """
    if request.endpoint == "logbook.import_csv":
        request.max_content_length = csvio.MAX_BYTES


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    if request.endpoint != "logbook.import_csv":
        from ..core import handle_http

        return handle_http(error)
    return render_template(
        "logbook/import.html", errors=[csvio.TOO_BIG], columns=csvio.COLUMNS
    ), 413


@bp.route("/sessions/import", methods=["GET", "POST"])
@login_required
def import_csv():
    """Validate the whole file first; import every new row or none."""
    if request.method == "GET":
        return render_template("logbook/import.html", errors=[], columns=csvio.COLUMNS)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        errors = ["Choose a CSV file to import."]
    else:
        result = csvio.import_csv(upload.stream.read(csvio.MAX_BYTES + 1), current_user)
        errors = result.errors
    if errors:
        db.session.rollback()
        shown = errors[: csvio.MAX_SHOWN_ERRORS]
        more = len(errors) - len(shown)
        return render_template(
            "logbook/import.html", errors=shown, more=more, columns=csvio.COLUMNS
        ), 422
    db.session.commit()
    here = "was" if result.skipped == 1 else "were"
    flash(
        f"Imported {plural(result.created, 'session')}; {result.skipped} {here} already here.",
        "success",
    )
    return redirect(url_for("logbook.history"))
