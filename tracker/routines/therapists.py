"""Therapists: the people the user sees; defaults for routines and appointments."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..models import Appointment, MassageSession, Therapist
from ..ownership import owned_or_404
from . import bp, drafts, queries
from .forms import TherapistForm


@bp.get("/therapists")
@login_required
def therapists():
    return render_template(
        "routines/therapists.html", therapists=queries.therapists(current_user.id)
    )


def _save(form: TherapistForm, therapist: Therapist | None):
    if not form.validate_on_submit():
        return None
    if therapist is None:
        therapist = Therapist(user_id=current_user.id)
        db.session.add(therapist)
    for name in ("name", "phone", "email", "website", "specialties", "notes"):
        setattr(therapist, name, (getattr(form, name).data or "").strip())
    db.session.commit()
    return therapist


@bp.route("/therapists/new", methods=["GET", "POST"])
@login_required
def new_therapist():
    form = TherapistForm()
    if (therapist := _save(form, None)) is not None:
        flash(f"{therapist.name} added.", "success")
        back = drafts.back_url(therapist.id)  # the routine/appointment form it came from
        return redirect(back or url_for("routines.therapists"))
    return render_template("routines/therapist_form.html", form=form, therapist=None)


@bp.route("/therapists/<int:therapist_id>/edit", methods=["GET", "POST"])
@login_required
def edit_therapist(therapist_id: int):
    therapist = owned_or_404(Therapist, therapist_id)
    form = TherapistForm(obj=therapist)
    if _save(form, therapist) is not None:
        flash("Therapist updated.", "success")
        return redirect(url_for("routines.therapists"))
    return render_template("routines/therapist_form.html", form=form, therapist=therapist)


@bp.post("/therapists/<int:therapist_id>/delete")
@login_required
def delete_therapist(therapist_id: int):
    therapist = owned_or_404(Therapist, therapist_id)
    # History keeps the name: fill any copy that is still empty before the FKs go NULL.
    for model in (Appointment, MassageSession):
        db.session.execute(
            db.update(model)
            .where(
                model.user_id == current_user.id,
                model.therapist_id == therapist.id,
                model.therapist_name == "",
            )
            .values(therapist_name=therapist.name)
            .execution_options(synchronize_session=False)
        )
    db.session.delete(therapist)
    db.session.commit()
    flash(f"{therapist.name} deleted. Past appointments and sessions keep the name.", "success")
    return redirect(url_for("routines.therapists"))
