"""`flask --app wsgi competencies import-esco DIR --occupation URI`: an ESCO occupation as a
role profile of a new draft. Nothing is written when a file has a problem."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from competencies.esco import plan_esco_import
from competencies.esco_draft import write_esco_import
from competencies.interchange.esco_files import files_from_directory, read_esco
from competencies.services import load_framework_tree
from webapp.extensions import db


@click.command("import-esco")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--occupation", required=True, help="The ESCO occupation URI (or its UUID).")
@click.option(
    "--esco-version",
    default=None,
    help="The ESCO version of the files, e.g. 1.1.1; guessed from the file names when left out.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
def import_esco_command(
    directory: str, occupation: str, esco_version: str | None, as_json: bool
) -> None:
    """Import an ESCO occupation from the ESCO CSV download as a draft role profile."""
    from webapp.cli import one_transaction  # the CLI's commit point; imported late (cycle)

    extract = read_esco(files_from_directory(directory), occupation, esco_version)
    if not extract.is_valid:
        lines = [
            f"The ESCO files in {directory} were not imported; "
            f"{len(extract.problems)} problem(s), nothing was written:",
            *[f"  - {p}" for p in extract.problems],
        ]
        raise click.ClickException("\n".join(lines))
    with one_transaction():
        plan = plan_esco_import(db.session, extract)
        record = write_esco_import(db.session, extract, actor=None)
        draft = load_framework_tree(db.session, record.draft_id)
        assert draft is not None
        plan.draft_label = draft.version_label
        draft_name, draft_id = draft.name, draft.id
    summary = plan.summary()
    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    guessed = (
        " (guessed from the file names; pass --esco-version)" if plan.is_version_guessed else ""
    )
    click.echo(
        f"Imported the ESCO occupation {plan.occupation_label} (ISCO-08 {plan.isco_group}), "
        f"ESCO v{plan.esco_version}{guessed}.\n"
        f"  {plan.essential} essential and {plan.optional} optional skills; "
        f"{plan.mapped} mapped to competencies, {len(plan.unmapped)} not mapped.\n"
        f"  Written to draft {plan.draft_label} of {draft_name} (id {draft_id}); nothing is "
        "published. Decide on the unmapped skills on the import page, then publish the draft."
    )
    for line in plan.unmapped:
        click.echo(f"  not mapped ({line.relation}): {line.label}  {line.uri}")
    for d in plan.disagreements:
        click.echo(
            f"  differs from {plan.compared_profile}: {d.code} {d.name} — ESCO {d.esco}, "
            f"yours {d.ours or 'not required'}"
        )
    if plan.diff is not None:
        diff = plan.diff
        click.echo(
            f"  since ESCO v{diff.previous_version}: {len(diff.added)} added, "
            f"{len(diff.removed)} removed, {len(diff.flipped)} moved between essential and optional"
        )
    click.echo(f"  Source: {plan.attribution}")
