"""The one clock process: `flask --app tracker reminders run` (Procfile: clock).

Web workers never schedule; this process runs the dispatch interval job and the hourly
routine-due planning. Several clocks are safe (claims use leases, planning is idempotent and
walks users in chunks); one is enough, two for a fleet (docs/deploying.md).
"""

from __future__ import annotations

import logging
import signal
from datetime import UTC

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask.cli import AppGroup

from .. import timeutil
from ..extensions import db
from . import schedule
from .dispatcher import dispatch_due, dispatch_until_idle

log = logging.getLogger(__name__)


def _run_job(app: Flask, work, failure: str) -> None:
    """One scheduled job in its own app context; a failure is logged and rolled back, and
    the next run starts clean (for dispatch, leases expire so nothing is lost)."""
    with app.app_context():
        try:
            work()
        except Exception:
            db.session.rollback()
            log.exception(failure)
        finally:
            db.session.remove()


def dispatch_job(app: Flask) -> None:
    def work() -> None:
        result = dispatch_until_idle()
        if result.claimed or result.expired:
            log.info("dispatch: %s", result)

    _run_job(app, work, "dispatch pass failed; the next pass retries (leases expire)")


def routine_job(app: Flask) -> None:
    def work() -> None:
        users = schedule.plan_all_routines()  # commits chunk by chunk
        log.info("planned routine-due reminders for %d users", users)

    _run_job(app, work, "routine planning failed")


def build_scheduler(app: Flask) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=UTC)
    start = timeutil.now()
    scheduler.add_job(
        dispatch_job,
        "interval",
        args=[app],
        id="dispatch",
        seconds=int(app.config["REMINDER_DISPATCH_SECONDS"]),
        next_run_time=start,
        max_instances=1,
        coalesce=True,
    )
    # Hourly is cheap and catches a new day in every time zone; each cycle is keyed by its
    # due date, so repeated planning never duplicates.
    scheduler.add_job(
        routine_job,
        "interval",
        args=[app],
        id="routines",
        hours=1,
        next_run_time=start,
        max_instances=1,
        coalesce=True,
    )
    return scheduler


def install_sigterm(scheduler: BlockingScheduler) -> None:
    def stop(signum, frame) -> None:
        # Ctrl-C reaches every process in the group and a supervisor may follow with TERM:
        # only the first signal shuts down; later ones have nothing left to do.
        if not scheduler.running:
            return
        log.info("signal %s: finishing the current pass and exiting", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


reminders_cli = AppGroup("reminders", help="The reminder clock and one-off dispatch.")


@reminders_cli.command("run")
def run() -> None:
    """Run the clock until SIGTERM."""
    app = current_app._get_current_object()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # APScheduler logs every run at INFO (every few seconds); keep its warnings and errors only.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    scheduler = build_scheduler(app)
    install_sigterm(scheduler)
    click.echo(
        f"reminder clock started (dispatch every {app.config['REMINDER_DISPATCH_SECONDS']} s)",
        err=True,
    )
    scheduler.start()
    click.echo("reminder clock stopped", err=True)


@reminders_cli.command("dispatch")
def dispatch_once() -> None:
    """Send what is due now: one pass, for cron or tests."""
    result = dispatch_due()
    click.echo(
        f"claimed={result.claimed} sent={result.sent} retried={result.retried} "
        f"failed={result.failed} expired={result.expired} pruned={result.pruned}"
    )


@reminders_cli.command("plan-routines")
def plan_routines() -> None:
    """Plan routine-due reminders now (the clock does this hourly)."""
    users = schedule.plan_all_routines()  # commits chunk by chunk
    click.echo(f"planned routines for {users} users")
