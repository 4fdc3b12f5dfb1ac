""" "Add a therapist" from the routine or appointment form, and back with what was typed.

The button posts the half-filled form; its values wait in the (signed) session cookie while
the therapist form is open, and come back, with the new therapist chosen, on return.
"""

from __future__ import annotations

from flask import redirect, request, session, url_for
from werkzeug.datastructures import MultiDict

KEY = "therapist_draft"
RETURNS = ("/routine/", "/appointments/")  # the forms that offer the button


def leaving() -> object | None:
    """On the button's POST: keep the typed values and go to the therapist form."""
    if request.method != "POST" or "add_therapist" not in request.form:
        return None
    typed = {k: v for k, v in request.form.lists() if k not in ("csrf_token", "add_therapist")}
    session[KEY] = {"path": request.full_path.rstrip("?"), "form": typed}
    return redirect(url_for("routines.new_therapist", back=request.full_path.rstrip("?")))


def returning() -> MultiDict | None:
    """On the form's GET after a therapist was added: the typed values, new therapist chosen
    (its id was put in the session by the therapist form; the cookie is signed)."""
    draft = session.get(KEY)
    if request.method != "GET" or not draft or draft.get("path") != request.full_path.rstrip("?"):
        return None
    session.pop(KEY)
    values = MultiDict(draft.get("form") or {})
    chosen = session.pop("therapist_added", None)
    if chosen is not None:
        values.setlist("therapist_id", [str(chosen)])
    return values


def back_url(therapist_id: int) -> str | None:
    """Where the therapist form returns to: only one of the forms above."""
    back = request.args.get("back", "")
    if not back.startswith(RETURNS) or back.startswith("//"):
        return None
    session["therapist_added"] = therapist_id
    return back
