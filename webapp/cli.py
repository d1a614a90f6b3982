"""Command-line interface: `flask --app wsgi <command>`. Each command parses, calls the domain
inside :func:`one_transaction` (a command's one commit point: commands are not requests), echoes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from competencies import interchange
from competencies.drafts import framework_to_export, get_framework, publish_draft
from competencies.services import (
    current_framework,
    describe_framework,
    load_framework_tree,
    seed_default_framework,
)
from core.audit import record_event
from core.backup import BackupError, backup_database, restore_database
from core.errors import DomainError
from core.users import Role, create_user, get_user_by_email
from feedback.receipts import receipt_key
from training.artefacts import MODEL_FILE, ArtefactError, load_artefact
from training.enrollment_outcomes import refresh_outcomes
from training.history import TooLittleHistoryError, train_and_save
from webapp.cli_esco import import_esco_command
from webapp.cli_plans import plans_cli
from webapp.demo import DEMO_PASSWORD, seed_demo_assessments, seed_demo_draft, seed_demo_people
from webapp.demo_evaluations import seed_demo_evaluations
from webapp.demo_feedback import seed_demo_feedback
from webapp.demo_plans import seed_demo_plans
from webapp.demo_training import seed_demo_training
from webapp.extensions import db
from webapp.plan_helpers import evidence_root, export_dir
from webapp.privacy import purge_expired
from webapp.recommending import artefact_key, recommender_dir

users_cli = AppGroup("users", help="Manage user accounts.")
recommender_cli = AppGroup("recommender", help="Train and evaluate the training recommender.")
competencies_cli = AppGroup("competencies", help="Inspect and exchange the competency framework.")


@contextmanager
def one_transaction() -> Iterator[None]:
    """Commit what the block wrote when it ends without error, else roll it all back.

    A ``DomainError`` becomes the command's error message (and exit status 1).
    """
    try:
        yield
    except DomainError as error:
        db.session.rollback()
        lines = [error.message, *[f"  - {p}" for p in error.problems]]
        raise click.ClickException("\n".join(lines)) from error
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


@click.command("seed")
@with_appcontext
@click.option("--demo", is_flag=True, help="Also create the demo people and their data.")
def seed_command(demo: bool) -> None:
    """Load the default framework and role profiles (idempotent); --demo adds demo data."""
    if demo and current_app.config.get("PROFICIO_ENV") == "production":
        # The demo accounts share a password printed in the README.
        raise click.ClickException(
            "Refusing to seed demo data in production (PROFICIO_ENV=production): the demo "
            "accounts have a public password. Nothing was written."
        )
    with one_transaction():
        framework, created = seed_default_framework(db.session)
        people = seed_demo_people(db.session) if demo else []
        rounds = seed_demo_assessments(db.session) if demo else []
        demo_draft = seed_demo_draft(db.session, framework) if demo else None
        report = (
            seed_demo_training(
                db.session, model_dir=recommender_dir(current_app), key=artefact_key(current_app)
            )
            if demo
            else None
        )
        projects = seed_demo_evaluations(db.session) if demo else []
        plans = seed_demo_plans(db.session) if demo else []
        feedback = (
            seed_demo_feedback(db.session, receipt_key(current_app.secret_key)) if demo else []
        )
    state = "loaded" if created else "already present"
    click.echo(f"Framework {framework.name} v{framework.version_label}: {state}.")
    _say_if_the_upgrade_waits(framework)
    if demo_draft is not None:
        click.echo(
            f"Demo draft version {demo_draft.version_label} (synthetic change, not published) "
            "is ready to compare on the framework versions page."
        )
    if report is not None:
        click.echo(
            f"Training catalogue: {report.trainings_added} trainings added. Learning history: "
            f"{report.synthetic_finished_trainings} SYNTHETIC finished trainings (generated, "
            f"labelled synthetic). Demo enrollments added: {report.enrollments_added}."
        )
        click.echo(f"Recommender: {report.model}.")
    if demo:
        state = "; ".join(rounds) if rounds else "already present"
        click.echo(f"Demo self-assessments (generated, labelled as demo data): {state}.")
        state = "; ".join(projects) if projects else "already present"
        click.echo(f"Demo evaluation projects (generated, labelled as demo data): {state}.")
        state = "; ".join(plans) if plans else "already present"
        click.echo(f"Demo development plans (generated, labelled as demo data): {state}.")
        state = "; ".join(feedback) if feedback else "already present"
        click.echo(f"Demo feedback rounds (generated, labelled as demo data): {state}.")
        click.echo("\nDemo logins (generated demo data, not real people):")
        width = max(len(p.email) for p, _ in people)
        click.echo(f"  {'email'.ljust(width)}  {'role'.ljust(14)}  password")
        for person, _ in people:
            click.echo(
                f"  {person.email.ljust(width)}  {person.role.label.ljust(14)}  {DEMO_PASSWORD}"
            )


def _say_if_the_upgrade_waits(framework) -> None:
    """The default framework's newer version is not published over an open draft: say so."""
    from competencies.drafts import draft_of
    from competencies.services import read_default_framework_data

    newer = str(read_default_framework_data()["framework"].get("version", "1.0"))
    if framework.version_label == "1.0" and newer != "1.0":
        if draft_of(db.session, framework.uuid) is not None:
            click.echo(
                f"The default framework {newer} corrects its crosswalks, but a draft version is "
                f"open: publish or delete the draft, then run seed again to get {newer}."
            )


# Asked twice without echo when not given, so it never lands in the shell's history.
password_option = click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted for when not given.",
)


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@password_option
def users_create(email: str, name: str, role: str, password: str) -> None:
    """Create a user who can sign in at once."""
    with one_transaction():
        user = create_user(db.session, email=email, name=name, role=role, password=password)
    click.echo(f"Created {user.email} ({Role(user.role).label}).")


@users_cli.command("set-password")
@click.option("--email", required=True)
@password_option
def users_set_password(email: str, password: str) -> None:
    """Give an account a new password; every session it had ends."""
    user = get_user_by_email(db.session, email)
    if user is None:
        raise click.ClickException(f"No account has the e-mail {email}.")
    with one_transaction():
        user.set_password(password)
        record_event(db.session, actor=None, action="user.set_password", entity=user)
    click.echo(f"New password set for {user.email}; their other sessions have ended.")


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


@competencies_cli.command("export")
@click.option(
    "--format",
    "file_format",
    required=True,
    type=click.Choice(interchange.FORMATS),
    help="csv: Moodle competency-framework layout; case: 1EdTech CASE 1.0 JSON package.",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    help="File to write, or - for standard output.",
)
@click.option("--version-id", type=int, help="Export this version instead of the current one.")
@click.option("--draft", "draft", is_flag=True, help="Export the open draft instead.")
def competencies_export(file_format: str, out: str, version_id: int | None, draft: bool) -> None:
    """Export the current framework version (or --version-id, or --draft) as CSV or CASE JSON."""
    if version_id is None:
        with one_transaction():
            framework = framework_to_export(db.session, draft=draft)
    else:
        with one_transaction():
            framework = get_framework(db.session, version_id)
    tree = load_framework_tree(db.session, framework.id)
    exported = interchange.export_framework(tree, file_format)
    if out == "-":
        click.echo(exported.text, nl=False)
        return
    with open(out, "w", encoding="utf-8", newline="") as handle:
        handle.write(exported.text)
    click.echo(
        f"Wrote {framework.name} version {framework.version_label} ({framework.status}) "
        f"as {file_format.upper()} to {out}.",
        err=True,
    )


@competencies_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--format",
    "file_format",
    type=click.Choice(interchange.FORMATS),
    help="Guessed from the file name and content when left out.",
)
@click.option("--publish", is_flag=True, help="Publish the imported draft at once.")
@click.option("--note", default="", help="Change note when publishing (required with --publish).")
def competencies_import(file: str, file_format: str | None, publish: bool, note: str) -> None:
    """Import a framework from CSV or CASE JSON as a draft; nothing is written on any problem."""
    with open(file, "rb") as handle:
        content = handle.read()
    preview = interchange.parse_file(content, Path(file).name, file_format)
    if not preview.is_valid:
        lines = [
            f"{Path(file).name} was not imported ({preview.format.upper()}); "
            f"{len(preview.problems)} problem(s), nothing was written:",
            *[f"  - {p}" for p in preview.problems],
        ]
        raise click.ClickException("\n".join(lines))
    with one_transaction():
        framework = interchange.write_import(db.session, preview, actor=None)
        if publish:
            publish_draft(db.session, framework, None, note)
    counts = ", ".join(f"{n} {what}" for what, n in preview.counts.items() if n)
    state = "published" if publish else "a draft; publish it on the framework versions page"
    click.echo(
        f"Imported {framework.name} as version {framework.version_label} (id {framework.id}), "
        f"{state}.\n  {counts}"
    )
    for note_line in preview.notes:
        click.echo(f"  note: {note_line}")


@recommender_cli.command("train")
@click.option("--min-rows", default=300, show_default=True, help="Fewest outcome rows to learn.")
@click.option("--min-people", default=30, show_default=True, help="Fewest people to learn from.")
@click.option(
    "--include-synthetic",
    is_flag=True,
    help="Also learn from the generated demo history (demos only; every reason is then "
    "labelled synthetic).",
)
def recommender_train(min_rows: int, min_people: int, include_synthetic: bool) -> None:
    """Learn from real completed trainings (before/after levels) and save the model artefact."""
    with one_transaction():
        changed = refresh_outcomes(db.session)
    directory = recommender_dir(current_app)
    try:
        metadata = train_and_save(
            db.session,
            directory,
            key=artefact_key(current_app),
            min_rows=min_rows,
            min_people=min_people,
            include_synthetic=include_synthetic,
        )
    except TooLittleHistoryError as error:
        raise click.ClickException(str(error)) from error
    history = metadata["history"]
    metrics = metadata["metrics"]
    click.echo(f"Outcomes refreshed: {changed}.")
    click.echo(
        f"Trained on {metadata['training_rows']} outcomes of {metadata['training_people']} "
        f"people in {metadata['train_seconds']:.2f} s; synthetic share "
        f"{metadata['synthetic_share']:.0%} "
        + (
            f"({history['synthetic']} synthetic finished trainings included)."
            if include_synthetic
            else f"({history['synthetic']} synthetic finished trainings left out)."
        )
    )
    if metrics:
        click.echo(
            f"Held-out people ({metrics['validation_people']}): ROC AUC {metrics['roc_auc']}, "
            f"log loss {metrics['log_loss']}, Brier {metrics['brier']}."
        )
    click.echo(f"Saved {directory / MODEL_FILE} (sha256 {metadata['sha256'][:12]}…).")


@recommender_cli.command("evaluate")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--people", default=1000, show_default=True, help="Synthetic people per seed.")
@click.option(
    "--seeds",
    default="7,11,1,2,3",
    show_default=True,
    help="Comma-separated seeds; one synthetic world each.",
)
@click.option("--seed", type=int, default=None, help="A single seed (same as --seeds N).")
@click.option(
    "--world",
    type=click.Choice(["default", "no_hidden_quality", "misspecified"]),
    default="default",
    show_default=True,
    help="Outcome rule of the synthetic world (documented in training/synthetic.py).",
)
@click.option(
    "--catalogue-size", default=500, show_default=True, help="Trainings in the latency test."
)
def recommender_evaluate(
    as_json: bool, people: int, seeds: str, seed: int | None, world: str, catalogue_size: int
) -> None:
    """Compare the learned model with six baselines on held-out synthetic people."""
    if people < 50:
        raise click.ClickException("Use at least 50 people; fewer leave nothing to hold out.")
    try:
        chosen = [seed] if seed is not None else [int(s) for s in seeds.split(",") if s.strip()]
    except ValueError as error:
        raise click.ClickException("--seeds takes whole numbers separated by commas.") from error
    if not chosen:
        raise click.ClickException("Give at least one seed.")
    # Deferred: the evaluation imports scikit-learn (about a second), which the app never needs.
    from training.evaluation import evaluate, format_report

    report = evaluate(
        n_people=people,
        seeds=chosen,
        world=world,
        latency_catalogue_size=catalogue_size,
        progress=None if as_json else click.echo,
    )
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(format_report(report))


@recommender_cli.command("status")
def recommender_status() -> None:
    """Say which model the app uses and what it was trained on."""
    directory = recommender_dir(current_app)
    try:
        _, metadata = load_artefact(directory, key=artefact_key(current_app))
    except ArtefactError as error:
        click.echo(f"Cold-start score in use: {error}.")
        return
    share = float(metadata.get("synthetic_share", 0.0))
    click.echo(
        f"Learned model in use: trained {metadata['trained_at']} on "
        f"{metadata['training_rows']} outcomes, scikit-learn {metadata['sklearn_version']}; "
        f"synthetic share {share:.0%}"
        + (" — its reasons are labelled synthetic." if share > 0 else " (real outcomes only).")
    )


privacy_cli = AppGroup("privacy", help="Data-protection housekeeping.")


@privacy_cli.command("purge")
@click.option(
    "--audit-days",
    type=click.IntRange(min=30),
    default=None,
    help="Keep audit events this many days (default: PROFICIO_AUDIT_RETENTION_DAYS, 730).",
)
def privacy_purge(audit_days: int | None) -> None:
    """Delete audit events, stale sign-in failures and export ZIPs past their retention."""
    days = audit_days or current_app.config["AUDIT_RETENTION_DAYS"]
    with one_transaction():
        summary = purge_expired(
            db.session,
            days,
            export_root=export_dir(current_app),
            export_retention_days=current_app.config["EXPORT_RETENTION_DAYS"],
            evidence_root=evidence_root(current_app),
        )
    click.echo(
        f"Kept {days} days of audit events: deleted {summary['audit_events_deleted']} events "
        f"and {summary['login_attempts_deleted']} old sign-in failures."
    )


@click.group("reminders")
def reminders_cli() -> None:
    """Reminder mails (the job worker also sends them every morning)."""


@reminders_cli.command("send")
@with_appcontext
@click.option(
    "--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="Act as if it were this day."
)
def send_reminders_command(today) -> None:
    """Send the reminders due today that no earlier run sent."""
    from webapp.tasks import send_due_reminders

    counts = send_due_reminders(current_app._get_current_object(), today.date() if today else None)
    total = sum(counts.values())
    click.echo(
        f"Sent {total} reminder(s): {counts['certification']} about certifications, "
        f"{counts['goal']} about goals, {counts['sheet']} about rating sheets."
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(reminders_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(seed_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(competencies_cli)
    app.cli.add_command(recommender_cli)
    app.cli.add_command(plans_cli)
    competencies_cli.add_command(import_esco_command)
