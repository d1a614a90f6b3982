"""Command-line interface: `flask --app wsgi <command>`. Each command parses, calls, commits."""

from __future__ import annotations

import json

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from competencies.services import (
    current_framework,
    describe_framework,
    load_framework_tree,
    seed_default_framework,
)
from core.errors import DomainError
from core.users import Role, create_user
from training.artefacts import MODEL_FILE, ArtefactError, load_artefact
from training.evaluation import evaluate, format_report
from training.history import TooLittleHistoryError, train_and_save
from training.services import refresh_outcomes
from webapp.demo import DEMO_PASSWORD, seed_demo_people, seed_demo_training
from webapp.extensions import db
from webapp.recommending import artefact_key, recommender_dir

users_cli = AppGroup("users", help="Manage user accounts.")
recommender_cli = AppGroup("recommender", help="Train and evaluate the training recommender.")
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
        report = (
            seed_demo_training(
                db.session, model_dir=recommender_dir(current_app), key=artefact_key(current_app)
            )
            if demo
            else None
        )
    except DomainError as error:
        _fail(error)
    db.session.commit()
    state = "loaded" if created else "already present"
    click.echo(f"Framework {framework.name} v{framework.version_label}: {state}.")
    if report is not None:
        click.echo(
            f"Training catalogue: {report.trainings_added} trainings added. Learning history: "
            f"{report.synthetic_finished_trainings} SYNTHETIC finished trainings (generated, "
            f"labelled synthetic). Demo enrollments added: {report.enrollments_added}."
        )
        click.echo(f"Recommender: {report.model}.")
    if demo:
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


@recommender_cli.command("train")
@click.option("--min-rows", default=300, show_default=True, help="Fewest outcome rows to learn.")
@click.option("--min-people", default=30, show_default=True, help="Fewest people to learn from.")
def recommender_train(min_rows: int, min_people: int) -> None:
    """Learn from completed trainings (before/after levels) and save the model artefact."""
    changed = refresh_outcomes(db.session)
    db.session.commit()
    directory = recommender_dir(current_app)
    try:
        metadata = train_and_save(
            db.session,
            directory,
            key=artefact_key(current_app),
            min_rows=min_rows,
            min_people=min_people,
        )
    except TooLittleHistoryError as error:
        raise click.ClickException(str(error)) from error
    history = metadata["history"]
    metrics = metadata["metrics"]
    click.echo(f"Outcomes refreshed: {changed}.")
    click.echo(
        f"Trained on {metadata['training_rows']} outcomes of {metadata['training_people']} "
        f"people ({history['real']} real and {history['synthetic']} synthetic finished "
        f"trainings) in {metadata['train_seconds']:.2f} s."
    )
    if metrics:
        click.echo(
            f"Held-out people ({metrics['validation_people']}): ROC AUC {metrics['roc_auc']}, "
            f"log loss {metrics['log_loss']}, Brier {metrics['brier']}."
        )
    click.echo(f"Saved {directory / MODEL_FILE} (sha256 {metadata['sha256'][:12]}…).")


@recommender_cli.command("evaluate")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--people", default=1000, show_default=True, help="Synthetic people to generate.")
@click.option("--seed", default=7, show_default=True, help="Random seed of the synthetic world.")
@click.option(
    "--catalogue-size", default=500, show_default=True, help="Trainings in the latency test."
)
def recommender_evaluate(as_json: bool, people: int, seed: int, catalogue_size: int) -> None:
    """Compare the learned model with the baselines on held-out synthetic people."""
    if people < 50:
        raise click.ClickException("Use at least 50 people; fewer leave nothing to hold out.")
    report = evaluate(
        n_people=people,
        seed=seed,
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
    click.echo(
        f"Learned model in use: trained {metadata['trained_at']} on "
        f"{metadata['training_rows']} outcomes, scikit-learn {metadata['sklearn_version']}."
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(competencies_cli)
    app.cli.add_command(recommender_cli)
