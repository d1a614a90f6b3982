"""Reading an ESCO occupation and its skills from the official ESCO CSV download.

ESCO ships one CSV per concept kind. Three are needed: ``occupations_en.csv``,
``skills_en.csv`` and the occupation-skill relations, named ``occupationSkillRelations.csv``
up to v1.1 and ``occupationSkillRelations_en.csv`` from v1.2 on (same four columns). Every
problem names the file and the line it is on, and while there is one nothing is imported.
Pure: no session, no Flask.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from competencies.crosswalk import esco_attribution as attribution
from competencies.interchange.common import decode_upload

OCCUPATIONS = "occupations_en.csv"
SKILLS = "skills_en.csv"
RELATIONS_V11 = "occupationSkillRelations.csv"
RELATIONS_V12 = "occupationSkillRelations_en.csv"
KNOWN_FILES = (OCCUPATIONS, SKILLS, RELATIONS_V11, RELATIONS_V12)

OCCUPATION_COLUMNS = ("conceptUri", "preferredLabel", "iscoGroup")
SKILL_COLUMNS = ("conceptUri", "preferredLabel", "skillType")
RELATION_COLUMNS = ("occupationUri", "relationType", "skillType", "skillUri")
RELATION_TYPES = ("essential", "optional")

ESCO_BASE = "http://data.europa.eu/esco/"
OCCUPATION_URI = re.compile(r"^http://data\.europa\.eu/esco/occupation/[0-9a-f-]{36}$")
SKILL_URI = re.compile(r"^http://data\.europa\.eu/esco/(skill|isco)/[0-9A-Za-z-]+$")
SKILL_UUID_URI = re.compile(r"^http://data\.europa\.eu/esco/skill/[0-9a-f-]{36}$")
BARE_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# Enough for ESCO's complete English download (the relations file is about 18 MB).
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ZIP_MEMBERS = 200


@dataclass(frozen=True)
class EscoSkill:
    """One ESCO skill or knowledge concept."""

    uri: str
    label: str
    skill_type: str  # "knowledge" | "skill/competence" (ESCO's own words)
    description: str = ""


@dataclass(frozen=True)
class EscoRelation:
    """An occupation's essential or optional skill, with the line it came from."""

    skill: EscoSkill
    relation: str  # "essential" | "optional"
    line: int

    @property
    def is_essential(self) -> bool:
        return self.relation == "essential"

    def as_record(self) -> dict[str, str]:
        """The plain form kept with an import, so the next import can be compared with it."""
        return {
            "uri": self.skill.uri,
            "label": self.skill.label,
            "relation": self.relation,
            "skill_type": self.skill.skill_type,
        }


@dataclass(frozen=True)
class EscoOccupation:
    """An ESCO occupation as the occupations file describes it."""

    uri: str
    label: str
    isco_group: str
    code: str = ""
    alt_labels: tuple[str, ...] = ()
    description: str = ""


@dataclass
class EscoExtract:
    """One occupation with its skills, or the problems that stop it being imported."""

    occupation: EscoOccupation | None = None
    relations: list[EscoRelation] = field(default_factory=list)
    esco_version: str = ""
    is_version_guessed: bool = False
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return self.occupation is not None and not self.problems

    @property
    def essential(self) -> list[EscoRelation]:
        return [r for r in self.relations if r.is_essential]

    @property
    def optional(self) -> list[EscoRelation]:
        return [r for r in self.relations if not r.is_essential]

    @property
    def attribution(self) -> str:
        return attribution(self.esco_version)


def normalise_occupation_uri(value: str) -> str:
    """Accept an occupation's full URI or its bare UUID, as ESCO's portal shows either."""
    value = value.strip()
    if BARE_UUID.match(value.lower()):
        return f"{ESCO_BASE}occupation/{value.lower()}"
    return value


def files_from_directory(directory: str | Path) -> dict[str, bytes]:
    """The ESCO files found in ``directory`` (others are ignored), by file name."""
    folder = Path(directory)
    found: dict[str, bytes] = {}
    for name in KNOWN_FILES:
        path = folder / name
        if path.is_file():
            found[name] = path.read_bytes()[: MAX_FILE_BYTES + 1]
    return found


def files_from_zip(content: bytes) -> tuple[dict[str, bytes], list[str]]:
    """The ESCO files inside a ZIP archive (in any folder of it), and problems reading it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        return {}, ["The uploaded file is not a readable ZIP archive (it may be truncated)."]
    members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        return {}, [f"The ZIP archive holds {len(members)} files; an ESCO download holds fewer."]
    found: dict[str, bytes] = {}
    problems: list[str] = []
    for member in members:
        name = PurePosixPath(member.filename).name
        if name not in KNOWN_FILES or member.is_dir():
            continue
        if member.file_size > MAX_FILE_BYTES:
            problems.append(f"{name} in the ZIP archive is larger than an ESCO download's file.")
            continue
        try:
            found[name] = archive.read(member)
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            problems.append(
                f"{name} in the ZIP archive cannot be read ({error}); it may be cut off."
            )
    return found, problems


def guess_version(files: dict[str, bytes]) -> str:
    """The ESCO version the file names suggest: the relations file was renamed in v1.2."""
    return "1.2" if RELATIONS_V12 in files else "1.1"


class _Table:
    """One CSV file read row by row, each row with the line it starts on."""

    def __init__(self, name: str, content: bytes, required: tuple[str, ...]) -> None:
        self.name = name
        self.rows: list[tuple[int, dict[str, str]]] = []
        self.problems: list[str] = []
        self._last_line: int | None = None
        self._read(content, required)

    def _read(self, content: bytes, required: tuple[str, ...]) -> None:
        if len(content) > MAX_FILE_BYTES:
            self.problems.append(f"{self.name} is larger than an ESCO download's file.")
            return
        text, problem = decode_upload(content)
        if text is None:
            self.problems.append(f"{self.name}: {problem}")
            return
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        ends_cleanly = text.endswith(("\n", "\r"))
        try:
            header = next(reader, None)
        except csv.Error as error:
            self.problems.append(f"{self.name} line 1: the header cannot be read ({error}).")
            return
        if not header:
            self.problems.append(f"{self.name}: the file is empty.")
            return
        header = [h.strip() for h in header]
        missing = [c for c in required if c not in header]
        if missing:
            self.problems.append(
                f"{self.name} line 1: missing column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(missing)} (the header has {', '.join(header) or 'no columns'})."
            )
            return
        records: list[tuple[int, list[str]]] = []
        start = reader.line_num + 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                cut = " The file looks truncated." if "end of data" in str(error).lower() else ""
                self.problems.append(f"{self.name} line {start}: cannot be read ({error}).{cut}")
                break
            if any(v.strip() for v in values):
                records.append((start, values))
            start = reader.line_num + 1
        # A file that stops without its final line break was most likely cut off in copying.
        self._last_line = records[-1][0] if records and not ends_cleanly else None
        for line, values in records:
            if len(values) < len(header):
                self.problems.append(
                    f"{self.name} line {line}: the row has {len(values)} of the "
                    f"{len(header)} columns.{self.truncation_hint(line)}"
                )
            else:
                self.rows.append((line, dict(zip(header, values, strict=False))))

    def truncation_hint(self, line: int) -> str:
        """A hint that a cut-off value on the last line means the file was cut off."""
        return " The file looks truncated." if line == self._last_line else ""


def read_esco(
    files: dict[str, bytes], occupation_uri: str, esco_version: str | None = None
) -> EscoExtract:
    """One occupation and its essential and optional skills, read from ESCO's CSV files."""
    extract = EscoExtract()
    if esco_version and esco_version.strip():
        extract.esco_version = esco_version.strip().removeprefix("v")
    else:
        extract.esco_version = guess_version(files)
        extract.is_version_guessed = True
    relations_name = RELATIONS_V12 if RELATIONS_V12 in files else RELATIONS_V11
    needed = (OCCUPATIONS, SKILLS, relations_name)
    absent = [name for name in needed if name not in files]
    if absent:
        extract.problems.append(
            f"Missing file{'s' if len(absent) > 1 else ''}: {', '.join(absent)}. An ESCO import "
            f"needs {OCCUPATIONS}, {SKILLS} and {RELATIONS_V11} (v1.1) or {RELATIONS_V12} (v1.2)."
        )
        return extract
    uri = normalise_occupation_uri(occupation_uri)
    if not OCCUPATION_URI.match(uri):
        extract.problems.append(
            f"{occupation_uri!r} is not an ESCO occupation URI; it looks like "
            f"{ESCO_BASE}occupation/8b6388a4-4904-471b-9331-d3b1211f5525."
        )
        return extract
    occupations = _Table(OCCUPATIONS, files[OCCUPATIONS], OCCUPATION_COLUMNS)
    skills = _Table(SKILLS, files[SKILLS], SKILL_COLUMNS)
    relations = _Table(relations_name, files[relations_name], RELATION_COLUMNS)
    for table in (occupations, skills, relations):
        extract.problems.extend(table.problems)
    if extract.problems:
        return extract
    extract.occupation = _find_occupation(occupations, uri, extract.problems)
    if extract.occupation is None:
        return extract
    by_uri = {
        row["conceptUri"].strip(): EscoSkill(
            uri=row["conceptUri"].strip(),
            label=row["preferredLabel"].strip(),
            skill_type=row["skillType"].strip(),
            description=(row.get("description") or "").strip(),
        )
        for _, row in skills.rows
    }
    seen: dict[str, int] = {}
    for line, row in relations.rows:
        if row["occupationUri"].strip() != uri:
            continue
        skill_uri = row["skillUri"].strip()
        relation = row["relationType"].strip()
        if not SKILL_URI.match(skill_uri):
            extract.problems.append(
                f"{relations_name} line {line}: {skill_uri!r} is not an ESCO skill URI."
                + relations.truncation_hint(line)
            )
            continue
        if relation not in RELATION_TYPES:
            extract.problems.append(
                f"{relations_name} line {line}: relationType {relation!r} is neither "
                "'essential' nor 'optional'."
            )
            continue
        skill = by_uri.get(skill_uri)
        if skill is None:
            extract.problems.append(
                f"{relations_name} line {line}: the skill {skill_uri} is not in {SKILLS}."
                + relations.truncation_hint(line)
            )
            continue
        if skill_uri in seen:
            extract.notes.append(
                f"{relations_name} line {line}: {skill.label} is listed again (first on line "
                f"{seen[skill_uri]}); the first entry counts."
            )
            continue
        seen[skill_uri] = line
        extract.relations.append(EscoRelation(skill=skill, relation=relation, line=line))
    if not extract.relations and not extract.problems:
        extract.problems.append(
            f"{relations_name}: no relation names the occupation {extract.occupation.label} "
            f"({uri}); take the relations file from the same ESCO download."
        )
    if extract.problems:
        extract.relations = []
    return extract


def _find_occupation(table: _Table, uri: str, problems: list[str]) -> EscoOccupation | None:
    for _, row in table.rows:
        if row["conceptUri"].strip() == uri:
            return EscoOccupation(
                uri=uri,
                label=row["preferredLabel"].strip(),
                isco_group=(row.get("iscoGroup") or "").strip(),
                code=(row.get("code") or "").strip(),
                alt_labels=tuple(
                    label.strip()
                    for label in (row.get("altLabels") or "").splitlines()
                    if label.strip()
                ),
                description=(row.get("description") or "").strip(),
            )
    present = [
        f"{row['preferredLabel'].strip()} ({row['conceptUri'].strip()})" for _, row in table.rows
    ]
    listed = "; ".join(present[:5]) + ("; …" if len(present) > 5 else "")
    problems.append(
        f"{OCCUPATIONS}: the occupation {uri} is not in the file"
        + (f" (it lists {len(present)}: {listed})." if present else " (it lists none).")
    )
    return None
