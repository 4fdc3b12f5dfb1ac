"""`flask --app tracker data export|import`: the wizard's importers for administrators."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from ..accounts.data import export_user
from ..logbook import csvio
from ..models import User
from . import fhir, service
from .options import OptionError, build, pairs

data = AppGroup("data", help="Export or import one account's data.")


def _user(email: str) -> User:
    user = User.by_email(email)
    if user is None:
        raise click.ClickException(f"No account with the email {email}.")
    return user


@data.command("export")
@click.option("--user", "email", required=True, help="The account's email.")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "fhir"]), default="json")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Default: stdout.")
def export_command(email: str, fmt: str, output: Path | None) -> None:
    """Write the account's data as a JSON backup, sessions CSV or FHIR R4 Bundle."""
    user = _user(email)
    if fmt == "json":
        body = service.export_payload(user, export_user)
    elif fmt == "csv":
        body = csvio.export_csv(user)
    else:
        body = json.dumps(fhir.bundle(user), indent=2)
    if output is None:
        click.echo(body, nl=False)
    else:
        output.write_text(body, encoding="utf-8")
        click.echo(f"Wrote {fmt} export of {user.email} to {output}.", err=True)


@data.command("import")
@click.option("--user", "email", required=True, help="The account's email.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(service.FORMATS), help="Default: detected.")
@click.option("--dry-run", is_flag=True, help="Check and summarise; save nothing.")
@click.option("--activity", multiple=True, help="Daylio: an activity that marks a massage.")
@click.option("--kind", type=click.Choice(["self", "professional"]), help="Daylio: session kind.")
@click.option("--mood", multiple=True, help="Daylio: LABEL=1..5 for a custom mood.")
@click.option("--habit", multiple=True, help="Loop: NAME=ROUTINE_ID.")
@click.option(
    "--map", "mapping", multiple=True, help="CSV: field=Column,... (date, pain_before...)."
)
@click.option("--date-format", help="CSV: strptime format of the date column, e.g. %d.%m.%Y.")
@click.option("--timezone", help="CSV: IANA zone of the dates (default: the account's).")
def import_command(email: str, file: Path, fmt: str | None, dry_run: bool, **choices) -> None:
    """Import FILE into the account, all or nothing."""
    user = _user(email)
    if file.stat().st_size > service.MAX_BYTES:
        raise click.ClickException(service.too_big())
    raw = file.read_bytes()
    fmt = fmt or service.detect(raw, file.name)
    if fmt == "csv" and choices["mapping"]:
        fmt = "sheet"  # a column mapping means a foreign spreadsheet
    lists = {"activity": choices["activity"]}
    maps = {"mood": choices["mood"], "habit": choices["habit"], "map": choices["mapping"]}
    try:
        options = build(
            fmt or "",
            lambda name: choices.get(name.replace("-", "_")),
            lambda name: lists.get(name, ()),
            lambda name: pairs(maps[name], name),
        )
    except OptionError as err:
        raise click.ClickException(str(err)) from err
    result = service.run(raw, fmt, user, save=not dry_run, options=options)
    for problem in result.problems:
        click.echo(f"{file.name}: {problem}", err=True)
    if not result.ok:
        raise click.ClickException(result.summary())
    click.echo(("Dry run, nothing saved. " if dry_run else "") + result.summary())
