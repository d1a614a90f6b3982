"""`competencies import-esco` and `competencies export` after an import (issue 20)."""

import json
import shutil

import pytest
import sqlalchemy as sa

from competencies.models import EscoImport, Framework
from tests.helpers import shared_fixture

ICT_PM = "http://data.europa.eu/esco/occupation/8b6388a4-4904-471b-9331-d3b1211f5525"
PM = "http://data.europa.eu/esco/occupation/bea99fea-0383-4c63-b944-70d4799de2c5"


@pytest.fixture()
def esco_dir():
    return shared_fixture("esco", "v1.1.1")


def _import(runner, directory, occupation, *extra):
    return runner.invoke(
        args=["competencies", "import-esco", str(directory), "--occupation", occupation, *extra]
    )


def test_import_esco_prints_the_figures_as_json(runner, esco_dir):
    runner.invoke(args=["seed"])
    result = _import(runner, esco_dir, ICT_PM, "--esco-version", "1.1.1", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary == {
        "occupation_uri": ICT_PM,
        "occupation_label": "ICT project manager",
        "esco_version": "1.1.1",
        "essential": 21,
        "optional": 46,
        "mapped": summary["mapped"],
        "unmapped": 67 - summary["mapped"],
        "draft_version": "1.2",
    }
    assert summary["mapped"] >= 50


def test_import_esco_says_what_it_did_and_that_the_version_is_a_guess(runner, esco_dir):
    runner.invoke(args=["seed"])
    result = _import(runner, esco_dir, PM)
    assert result.exit_code == 0, result.output
    assert "37 essential and 25 optional skills" in result.output
    assert "ESCO v1.1 (guessed from the file names" in result.output
    assert "nothing is published" in result.output
    assert "Source: ESCO v1.1, European Commission" in result.output


def test_a_bad_file_is_refused_with_its_line_and_nothing_is_written(
    runner, esco_dir, tmp_path, db_session
):
    runner.invoke(args=["seed"])
    bad = tmp_path / "esco"
    shutil.copytree(esco_dir, bad)
    relations = bad / "occupationSkillRelations.csv"
    relations.chmod(0o644)
    text = relations.read_text(encoding="utf-8").replace("essential", "needed", 1)
    relations.write_text(text, encoding="utf-8")
    before = db_session.scalar(sa.select(sa.func.count()).select_from(Framework))
    result = _import(runner, bad, ICT_PM)
    assert result.exit_code == 1
    assert "nothing was written" in result.output
    assert "occupationSkillRelations.csv line 2: relationType 'needed'" in result.output
    db_session.expire_all()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Framework)) == before
    assert db_session.scalar(sa.select(sa.func.count()).select_from(EscoImport)) == 0


def test_export_after_an_import_into_an_empty_database_explains_the_draft(
    runner, esco_dir, tmp_path
):
    assert _import(runner, esco_dir, PM).exit_code == 0
    out = tmp_path / "fw.csv"
    refused = runner.invoke(args=["competencies", "export", "--format", "csv", "--out", str(out)])
    assert refused.exit_code == 1
    assert "there is only draft 1.0 of Project manager (from ESCO)" in refused.output
    assert "Export it with --draft" in refused.output and "seed" not in refused.output
    exported = runner.invoke(
        args=["competencies", "export", "--format", "case", "--draft", "--out", "-"]
    )
    assert exported.exit_code == 0, exported.output
    package = json.loads(exported.output)
    assert package["CFDocument"]["title"] == "Project manager (from ESCO)"
    assert "ESCO v1.1, European Commission" in json.dumps(package)
