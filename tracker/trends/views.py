"""Dashboard, trends and the printable therapist summary."""

from flask import render_template, request
from flask_login import current_user, login_required
from markupsafe import Markup

from ..core import reflects_nothing
from ..pagecache import cached_page
from . import bp, pages, report, share, svg


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
@reflects_nothing("range")  # checked against pages.RANGES; anything else shows the default
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
    range_key, n, all_notes, show_initials = report.options(request.args)
    notice = None
    if n is None:
        notice = (
            f"Showing the last {report.SUMMARY_DEFAULT}: pick a number from 1 to "
            f"{report.SUMMARY_MAX}."
        )
    elif range_key is None:
        notice = "That range isn't available, so this shows the last 12 weeks."
    range_key, n = range_key or pages.DEFAULT_RANGE, n or report.SUMMARY_DEFAULT
    return render_template(
        "trends/summary.html",
        notice=notice,
        n=n,
        max_n=report.SUMMARY_MAX,
        ranges=pages.RANGES,
        show_initials=show_initials,
        share_days=share.SHARE_DAYS,
        **report.build(current_user, range_key, n, all_notes, show_initials),
    )
