"""Dashboard, trends and the printable therapist summary."""

from flask import render_template, request
from flask_login import current_user, login_required
from markupsafe import Markup

from ..pagecache import cached_page
from . import bp, pages, svg

SUMMARY_DEFAULT, SUMMARY_MAX = 10, 50


@bp.get("/")
@login_required
def dashboard():
    return cached_page(
        "dashboard",
        lambda: render_template(
            "trends/dashboard.html",
            body=Markup(
                render_template("trends/_dashboard_body.html", **pages.dashboard(current_user))
            ),
        ),
    )


@bp.get("/trends")
@login_required
def trends():
    range_key = request.args.get("range", pages.DEFAULT_RANGE)
    notice = None
    if range_key not in pages.RANGES:
        # A hand-edited or stale link: show the default rather than an error page.
        notice = "That range isn't available, so this shows the last 12 weeks."
        range_key = pages.DEFAULT_RANGE
    return cached_page(
        "trends",
        lambda: render_template(
            "trends/trends.html",
            body=Markup(
                render_template(
                    "trends/_trends_body.html",
                    notice=notice,
                    svg=svg,
                    **pages.trends(current_user, range_key),
                )
            ),
        ),
    )


@bp.get("/trends/summary")
@login_required
def summary():
    n = _small_int(request.args.get("n", str(SUMMARY_DEFAULT)), SUMMARY_MAX)
    notice = (
        None if n else f"Showing the last {SUMMARY_DEFAULT}: pick a number from 1 to {SUMMARY_MAX}."
    )
    n = n or SUMMARY_DEFAULT
    rows = pages.summary(current_user, n)
    return render_template(
        "trends/summary.html",
        rows=rows,
        n=n,
        notice=notice,
        all_notes=request.args.get("notes") == "all",
        max_n=SUMMARY_MAX,
    )


def _small_int(raw: str, most: int) -> int | None:
    """1..most from a query string, else None (ASCII digits only, so int() can't raise)."""
    if raw.isascii() and raw.isdigit() and len(raw) <= 4:
        value = int(raw)
        return value if 1 <= value <= most else None
    return None
