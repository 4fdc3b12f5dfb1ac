"""Settings → Data: the export formats and the import wizard.

Upload → detect → (choices for Daylio, Loop or a spreadsheet) → preview → confirm. The file
waits server-side (previews.py); its token travels only in POST bodies.
"""

from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import timeutil
from ..accounts.data import export_user
from ..extensions import db
from ..logbook import csvio
from ..models import Routine
from . import bp, fhir, previews, service
from .options import OptionError, build, prefixed

MAX_SHOWN = 100


def allow_large_upload() -> None:
    """Uploads may reach the import limit (runs before the CSRF check reads the body)."""
    if request.endpoint == "portability.upload":
        request.max_content_length = service.MAX_BYTES + 64 * 1024


def _download(body: str, mimetype: str, name: str) -> Response:
    stamp = timeutil.today_in(current_user.timezone).isoformat()
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="back-relief-{name}-{stamp}"'},
    )


@bp.get("/settings/data")
@login_required
def data_page():
    return render_template("portability/data.html")


@bp.get("/settings/data/export.fhir.json")
@login_required
def export_fhir():
    body = json.dumps(fhir.bundle(current_user), indent=2)
    return _download(body, "application/fhir+json", "fhir.json")


@bp.get("/settings/data/export.json")
@login_required
def export_backup():
    body = service.export_payload(current_user, export_user)
    return _download(body, "application/json", "backup.json")


@bp.get("/settings/data/export.csv")
@login_required
def export_csv():
    return _download(csvio.export_csv(current_user), "text/csv", "sessions.csv")


def _problems(problems, status: int = 422):
    shown = [str(p) for p in problems[:MAX_SHOWN]]
    more = len(problems) - len(shown)
    page = render_template(
        "portability/upload.html", problems=shown, more=more, labels=service.LABELS
    )
    return page, status


def _choices(token: str, fmt: str, raw: bytes, problems=()):
    found, errors = service.discover(raw, fmt)
    if errors:
        return _problems(errors)
    routines = db.session.scalars(
        db.select(Routine)
        .where(Routine.user_id == current_user.id, Routine.archived_at.is_(None))
        .order_by(Routine.name)
    )
    return render_template(
        "portability/choices.html",
        token=token,
        fmt=fmt,
        label=service.LABELS[fmt],
        found=found,
        routines=list(routines),
        problems=[str(p) for p in problems[:MAX_SHOWN]],
        fields=service.sheet.FIELDS,
        zone=current_user.timezone,
    ), (422 if problems else 200)


def _preview(token: str, fmt: str, raw: bytes, options: dict, filename: str):
    result = service.run(raw, fmt, current_user, save=False, options=options)
    if not result.ok:
        if fmt in service.NEEDS_OPTIONS:
            return _choices(token, fmt, raw, result.problems)
        previews.discard(token)
        return _problems(result.problems)
    previews.set_options(token, current_user.id, options)
    return render_template(
        "portability/preview.html", result=result, token=token, filename=filename
    )


@bp.route("/settings/data/import", methods=["GET", "POST"], endpoint="upload")
@login_required
def upload():
    if request.method == "GET":
        return render_template("portability/upload.html", problems=[], labels=service.LABELS)
    file = request.files.get("file")
    if file is None or not file.filename:
        return _problems(["Choose a file to import."], 400)
    raw = file.stream.read(service.MAX_BYTES + 1)
    if len(raw) > service.MAX_BYTES:
        return _problems([service.too_big()])
    fmt = request.form.get("format") or service.detect(raw, file.filename)
    if fmt not in service.FORMATS:
        return _problems(["Unknown file format: choose a backup, a CSV or a Loop zip."])
    token = previews.save(current_user.id, raw, fmt, file.filename)
    if fmt in service.NEEDS_OPTIONS:
        return _choices(token, fmt, raw)
    return _preview(token, fmt, raw, {}, file.filename)


@bp.post("/settings/data/import/preview")
@login_required
def preview():
    token = request.form.get("token", "")
    found = previews.load(token, current_user.id)
    if found is None:
        abort(404)  # missing, expired, or another user's preview: all look the same
    raw, meta = found
    try:
        options = build(
            meta["format"],
            request.form.get,
            request.form.getlist,
            lambda name: prefixed(request.form, name),
        )
    except OptionError as err:
        return _choices(token, meta["format"], raw, [str(err)])
    return _preview(token, meta["format"], raw, options, meta["filename"])


@bp.post("/settings/data/import/confirm")
@login_required
def confirm():
    token = request.form.get("token", "")
    found = previews.load(token, current_user.id)
    if found is None:
        abort(404)
    raw, meta = found
    result = service.run(raw, meta["format"], current_user, save=True, options=meta.get("options"))
    previews.discard(token)
    if not result.ok:
        return _problems(result.problems)
    flash(result.summary(), "success")
    return redirect(url_for("portability.data_page"))
