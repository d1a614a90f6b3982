"""`competencies export|import` and `seed --demo`'s demo draft on the command line."""

import json

import pytest
import sqlalchemy as sa

from competencies.models import Framework, FrameworkStatus
from tests.interchange_files import bad_files, moodle_csv, row_counts


def test_export_writes_csv_and_case_files(runner, tmp_path):
    runner.invoke(args=["seed"])
    csv_file, case_file = tmp_path / "fw.csv", tmp_path / "fw.json"
    first = runner.invoke(
        args=["competencies", "export", "--format", "csv", "--out", str(csv_file)]
    )
    second = runner.invoke(
        args=["competencies", "export", "--format", "case", "--out", str(case_file)]
    )
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert csv_file.read_text(encoding="utf-8").startswith("Parent ID number,ID number")
    package = json.loads(case_file.read_text(encoding="utf-8"))
    assert package["CFDocument"]["title"] == "Proficio IT Project Manager Framework"


def test_export_to_standard_output(runner):
    runner.invoke(args=["seed"])
    result = runner.invoke(args=["competencies", "export", "--format", "csv", "--out", "-"])
    assert result.exit_code == 0
    assert "TEC-01.L3" in result.output


def test_export_without_a_framework_explains(runner, tmp_path):
    result = runner.invoke(
        args=["competencies", "export", "--format", "csv", "--out", str(tmp_path / "x.csv")]
    )
    assert result.exit_code != 0 and "No framework is published yet" in result.output


@pytest.mark.parametrize("explicit", [False, True])
def test_import_guesses_or_takes_the_format_and_writes_a_draft(
    runner, db_session, tmp_path, explicit
):
    path = tmp_path / "service-desk.data"
    path.write_bytes(moodle_csv())
    args = ["competencies", "import", str(path)] + (["--format", "csv"] if explicit else [])
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Imported Service desk lead as version 1.0" in result.output
    assert "10 competencies" in result.output
    framework = db_session.scalar(sa.select(Framework))
    assert framework.status == FrameworkStatus.DRAFT


def test_import_and_publish_round_trip_on_the_command_line(runner, db_session, tmp_path):
    runner.invoke(args=["seed"])
    out = tmp_path / "fw.json"
    runner.invoke(args=["competencies", "export", "--format", "case", "--out", str(out)])
    result = runner.invoke(
        args=["competencies", "import", str(out), "--publish", "--note", "Re-imported."]
    )
    assert result.exit_code == 0, result.output
    versions = db_session.scalars(sa.select(Framework).order_by(Framework.version)).all()
    assert [(v.version, v.status) for v in versions] == [(1, "retired"), (2, "published")]
    assert versions[1].change_note == "Re-imported."
    assert versions[1].code == "PROFICIO-ITPM"


def test_publishing_on_import_needs_a_note_and_then_nothing_is_written(
    runner, db_session, tmp_path
):
    path = tmp_path / "service-desk.csv"
    path.write_bytes(moodle_csv())
    result = runner.invoke(args=["competencies", "import", str(path), "--publish"])
    assert result.exit_code != 0
    assert "Write a change note" in result.output
    assert db_session.scalar(sa.select(sa.func.count(Framework.id))) == 0


@pytest.mark.parametrize(
    ("kind", "name", "content", "phrase"),
    bad_files(),
    ids=lambda value: value if isinstance(value, str) and "-" in value else "",
)
def test_a_bad_file_exits_non_zero_prints_each_problem_and_writes_nothing(
    runner, db_session, tmp_path, kind, name, content, phrase
):
    runner.invoke(args=["seed"])
    db_session.expire_all()
    before = row_counts(db_session)
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(args=["competencies", "import", str(path)])
    assert result.exit_code == 1
    assert "was not imported" in result.output and "nothing was written" in result.output
    assert phrase in result.output
    db_session.expire_all()
    assert row_counts(db_session) == before


def test_seed_demo_adds_one_labelled_demo_draft_once(runner, db_session):
    first = runner.invoke(args=["seed", "--demo"])
    assert first.exit_code == 0, first.output
    assert "Demo draft version 1.2 (demo draft)" in first.output
    again = runner.invoke(args=["seed", "--demo"])
    assert again.exit_code == 0 and "Demo draft" not in again.output
    drafts = db_session.scalars(sa.select(Framework).where(Framework.status == "draft")).all()
    assert len(drafts) == 1
    assert drafts[0].version_label == "1.2 (demo draft)"
    assert drafts[0].change_note.startswith("Demo draft with a synthetic change")


def test_the_demo_draft_has_a_visible_difference_on_the_compare_page(runner, app, db_session):
    runner.invoke(args=["seed", "--demo"])
    client = app.test_client()
    client.post("/login", data={"email": "hr@example.com", "password": "proficio-demo"})
    html = client.get("/framework/versions/compare").get_data(as_text=True)
    assert "Level 3 indicator" in html
    assert "re-plans within a day when a milestone slips" in html
    assert "IT Project Manager" in html and "target 4" in html
