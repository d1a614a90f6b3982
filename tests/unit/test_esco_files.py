"""Issue 20: ESCO's CSV files are read with per-line problems, and a bad file yields nothing."""

import io
import zipfile

import pytest

from competencies.interchange.esco_files import (
    RELATIONS_V11,
    files_from_directory,
    files_from_zip,
    read_esco,
)
from tests.helpers import shared_fixture

ICT_PM = "http://data.europa.eu/esco/occupation/8b6388a4-4904-471b-9331-d3b1211f5525"
PM = "http://data.europa.eu/esco/occupation/bea99fea-0383-4c63-b944-70d4799de2c5"


@pytest.fixture()
def files():
    return files_from_directory(shared_fixture("esco", "v1.1.1"))


def _line_of(content: bytes, needle: bytes) -> int:
    return content[: content.index(needle)].count(b"\n") + 1


def test_the_fixture_occupations_have_esco_s_counts(files):
    ict = read_esco(files, ICT_PM, "1.1.1")
    pm = read_esco(files, PM, "1.1.1")
    assert ict.problems == [] and pm.problems == []
    assert (len(ict.essential), len(ict.optional)) == (21, 46)
    assert (len(pm.essential), len(pm.optional)) == (37, 25)
    assert ict.occupation.isco_group == "1330" and "IT project manager" in ict.occupation.alt_labels
    assert ict.esco_version == "1.1.1" and not ict.is_version_guessed
    assert ict.attribution.startswith("ESCO v1.1.1, European Commission")


def test_the_version_is_guessed_from_the_file_names_and_marked(files):
    extract = read_esco(files, ICT_PM)
    assert (extract.esco_version, extract.is_version_guessed) == ("1.1", True)
    renamed = {
        ("occupationSkillRelations_en.csv" if k == RELATIONS_V11 else k): v
        for k, v in files.items()
    }
    assert read_esco(renamed, ICT_PM).esco_version == "1.2"


def test_the_bare_uuid_names_the_occupation(files):
    assert read_esco(files, "8b6388a4-4904-471b-9331-d3b1211f5525").occupation.uri == ICT_PM


def test_a_missing_column_is_refused_with_its_line(files):
    broken = dict(files)
    broken["skills_en.csv"] = files["skills_en.csv"].replace(b"preferredLabel", b"label", 1)
    extract = read_esco(broken, ICT_PM)
    assert not extract.is_valid and extract.relations == []
    assert extract.problems[0].startswith("skills_en.csv line 1: missing column preferredLabel")


def test_an_occupation_not_in_the_file_is_refused(files):
    other = "http://data.europa.eu/esco/occupation/00000000-0000-0000-0000-000000000000"
    extract = read_esco(files, other)
    assert extract.problems == [
        f"occupations_en.csv: the occupation {other} is not in the file (it lists 2: "
        f"ICT project manager ({ICT_PM}); project manager ({PM}))."
    ]


def test_a_relation_to_an_unknown_skill_is_refused_with_its_line(files):
    skills = files["skills_en.csv"]
    gone = b"http://data.europa.eu/esco/skill/0ee94af1-b445-4973-9c3f-459fab250342"
    # Drop the skill's row from skills_en.csv: the relation pointing to it has nowhere to go.
    rows = skills.split(b"\nKnowledgeSkillCompetence,")
    kept = [rows[0]] + [r for r in rows[1:] if not r.startswith(gone)]
    assert len(kept) == len(rows) - 1
    broken = dict(files, **{"skills_en.csv": b"\nKnowledgeSkillCompetence,".join(kept)})
    extract = read_esco(broken, ICT_PM)
    line = _line_of(files[RELATIONS_V11], ICT_PM.encode() + b",essential,skill/competence," + gone)
    assert extract.problems == [
        f"{RELATIONS_V11} line {line}: the skill {gone.decode()} is not in skills_en.csv."
    ]


def test_a_truncated_file_is_refused_as_truncated(files):
    relations = files[RELATIONS_V11]
    cut = relations[: relations.index(b"\n", len(relations) // 3) + 40]
    extract = read_esco(dict(files, **{RELATIONS_V11: cut}), ICT_PM)
    last = cut.count(b"\n") + 1
    assert extract.problems[-1].startswith(f"{RELATIONS_V11} line {last}: ")
    assert extract.problems[-1].endswith("The file looks truncated.")
    assert extract.relations == []


def test_a_file_cut_inside_a_quoted_field_is_refused_as_truncated(files):
    occupations = files["occupations_en.csv"]
    cut = occupations[: occupations.index(b"ICT project managers\n") + 10]
    extract = read_esco(dict(files, **{"occupations_en.csv": cut}), ICT_PM)
    assert len(extract.problems) == 1
    assert extract.problems[0].startswith("occupations_en.csv line 2:")
    assert extract.problems[0].endswith("The file looks truncated.")


def test_a_wrong_encoding_is_refused_with_its_line(files):
    skills = files["skills_en.csv"].decode("utf-8")
    latin = skills.replace("manage budgets", "manage budgets (März)").encode("latin-1", "replace")
    extract = read_esco(dict(files, **{"skills_en.csv": latin}), ICT_PM)
    first = next(i for i, byte in enumerate(latin) if byte >= 0x80)
    line = latin[:first].count(b"\n") + 1
    assert len(extract.problems) == 1
    assert extract.problems[0].startswith(
        f"skills_en.csv: The file is not UTF-8 encoded (line {line}"
    )


def test_a_missing_file_is_named(files):
    extract = read_esco({k: v for k, v in files.items() if k != "skills_en.csv"}, ICT_PM)
    assert extract.problems[0].startswith("Missing file: skills_en.csv.")


def test_an_unknown_relation_type_is_refused_with_its_line(files):
    relations = files[RELATIONS_V11]
    broken = relations.replace(b",essential,", b",required,", 1)
    extract = read_esco(dict(files, **{RELATIONS_V11: broken}), ICT_PM)
    assert extract.problems == [
        f"{RELATIONS_V11} line 2: relationType 'required' is neither 'essential' nor 'optional'."
    ]


def test_files_are_found_in_a_zip_in_any_folder(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(f"ESCO dataset - v1.1.1 - classification - en - csv/{name}", content)
    found, problems = files_from_zip(buffer.getvalue())
    assert problems == [] and set(found) == set(files)
    assert files_from_zip(b"not a zip")[1] == [
        "The uploaded file is not a readable ZIP archive (it may be truncated)."
    ]
