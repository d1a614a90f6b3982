"""`flask --app wsgi plans …`: export one person's plan, or everyone's, as PDF files."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from core.users import get_user_by_email
from plans.export import MAX_EXPORT_PLANS, atomic_write, export_to_directory, latest_for_person
from plans.export import list_plans as list_export_plans
from plans.models import PlanStatus
from webapp.extensions import db
from webapp.plan_helpers import plan_signing

plans_cli = AppGroup("plans", help="Export development plans as PDF.")


@plans_cli.command("export")
@click.option("--email", required=True, help="Whose plan.")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="The PDF file to write.",
)
def export_command(email: str, out: str) -> None:
    """The person's latest approved plan as PDF (else their latest plan; it says which)."""
    from plans.document import build_plan_document
    from plans.render import render_plan_pdf

    person = get_user_by_email(db.session, email)
    if person is None:
        raise click.ClickException(f"Nobody has the email {email}.")
    found = latest_for_person(db.session, person.id)
    if found is None:
        raise click.ClickException(f"{person.name} has no development plan yet.")
    plan_id, which = found
    document = build_plan_document(db.session, plan_id)
    atomic_write(Path(out), render_plan_pdf(document, plan_signing(current_app)))
    signed = " signed by the organisation" if document.status == "approved" else ""
    click.echo(
        f"Wrote {which} of {person.name}'s plan (version {document.version_number}, "
        f"{document.status}){signed} to {out}."
    )


@plans_cli.command("export-all")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, writable=True),
    help="Folder for the PDF files (created when missing).",
)
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(1, 32), help="Processes.")
@click.option(
    "--status",
    type=click.Choice([s.value for s in PlanStatus]),
    help="Every version in this status; by default each person's latest approved version "
    "(else their latest).",
)
def export_all_command(out: str, jobs: int, status: str | None) -> None:
    """Every person's plan as one PDF each, rendered by a pool of processes."""
    rows = list_export_plans(
        db.session, status=status, latest_only=status is None, limit=MAX_EXPORT_PLANS
    )
    if not rows:
        raise click.ClickException("There is no plan to export.")
    database_url = db.engine.url.render_as_string(hide_password=False)
    # Close this process's connections: the worker processes open their own.
    db.session.remove()
    db.engine.dispose()
    directory = Path(out)
    with click.progressbar(length=len(rows), label="Rendering plans", show_pos=True) as bar:
        result = export_to_directory(
            database_url,
            rows,
            directory,
            jobs=jobs,
            on_done=bar.update,
            signing=plan_signing(current_app),
        )
    click.echo(
        f"Wrote {len(result.written)} PDF file(s) to {directory} in {result.seconds:.1f} s "
        f"with {jobs} process(es)."
    )
    for plan_id, error in result.failed:
        click.echo(f"  failed: plan {plan_id}: {error}", err=True)
    if result.failed:
        raise click.ClickException(f"{len(result.failed)} plan(s) could not be exported.")
