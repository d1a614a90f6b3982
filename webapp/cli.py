"""Command-line interface: `flask --app wsgi <command>`. Each command parses, calls, commits."""

from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from competencies.services import (
    current_framework,
    describe_framework,
    load_framework_tree,
    seed_default_framework,
)
from core.backup import BackupError, backup_database, restore_database
from core.errors import DomainError
from core.users import Role, create_user
from webapp.demo import (
    DEMO_PASSWORD,
    seed_demo_assessments,
    seed_demo_evaluations,
    seed_demo_people,
)
from webapp.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")
competencies_cli = AppGroup("competencies", help="Inspect and exchange the competency framework.")


def _fail(error: DomainError) -> None:
    db.session.rollback()
    lines = [error.message, *[f"  - {p}" for p in error.problems]]
    raise click.ClickException("\n".join(lines))


@click.command("seed")
@with_appcontext
@click.option("--demo", is_flag=True, help="Also create the demo people and their data.")
def seed_command(demo: bool) -> None:
    """Load the default framework and role profiles (idempotent); --demo adds demo data."""
    try:
        framework, created = seed_default_framework(db.session)
        people = seed_demo_people(db.session) if demo else []
        rounds = seed_demo_assessments(db.session) if demo else []
        projects = seed_demo_evaluations(db.session) if demo else []
    except DomainError as error:
        _fail(error)
    db.session.commit()
    state = "loaded" if created else "already present"
    click.echo(f"Framework {framework.name} v{framework.version_label}: {state}.")
    if demo:
        state = "; ".join(rounds) if rounds else "already present"
        click.echo(f"Demo self-assessments (generated, labelled as demo data): {state}.")
        state = "; ".join(projects) if projects else "already present"
        click.echo(f"Demo evaluation projects (generated, labelled as demo data): {state}.")
        click.echo("\nDemo logins (generated demo data, not real people):")
        width = max(len(p.email) for p, _ in people)
        click.echo(f"  {'email'.ljust(width)}  {'role'.ljust(14)}  password")
        for person, _ in people:
            click.echo(
                f"  {person.email.ljust(width)}  {person.role.label.ljust(14)}  {DEMO_PASSWORD}"
            )


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted for when not given.",
)
def users_create(email: str, name: str, role: str, password: str) -> None:
    """Create a user who can sign in at once."""
    try:
        user = create_user(db.session, email=email, name=name, role=role, password=password)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Created {user.email} ({Role(user.role).label}).")


@competencies_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def competencies_list(as_json: bool) -> None:
    """List the current framework's competencies and each role profile's requirements."""
    framework = current_framework(db.session)
    if framework is None:
        raise click.ClickException("No framework is published yet. Run `flask --app wsgi seed`.")
    tree = load_framework_tree(db.session, framework.id)
    description = describe_framework(tree)
    if as_json:
        click.echo(json.dumps(description, indent=2, ensure_ascii=False))
        return
    meta = description["framework"]
    click.echo(f"{meta['name']} — version {meta['version']} ({meta['status']})\n")
    for c in description["competencies"]:
        click.echo(f"  {c['code']:<8} {c['name']}  [{c['area']}]")
    for profile in description["role_profiles"]:
        click.echo(f"\n{profile['name']}:")
        for r in profile["requirements"]:
            target = "—" if r["target"] is None else r["target"]
            click.echo(f"  {r['code']:<8} {r['requirement']:<5} target {target}")


@click.command("backup")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="Backup file.")
@with_appcontext
def backup_command(out: str) -> None:
    """Write a consistent backup (SQLite online backup; pg_dump custom format)."""
    try:
        path = backup_database(db.engine.url.render_as_string(hide_password=False), out)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written to {path} ({path.stat().st_size:,} bytes).")


@click.command("restore")
@click.option("--from", "source", required=True, type=click.Path(dir_okay=False, exists=True))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(source: str, yes: bool) -> None:
    """Replace the database's content with a backup made by `backup`."""
    if not yes:
        click.confirm("This replaces every record in the database. Continue?", abort=True)
    db.session.remove()
    db.engine.dispose()
    try:
        restore_database(db.engine.url.render_as_string(hide_password=False), source)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Database restored from {source}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(seed_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(competencies_cli)
