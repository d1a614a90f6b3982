"""Exporting plans as PDF files: which plans, their file names, atomic writes, a process pool.

Files appear only complete: each is written under a temporary name in the target folder and
renamed into place, so a reader (or a crash) never meets half a PDF or half a ZIP.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import tempfile
import time
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from competencies.models import RoleProfile
from core.engine import configure_engine
from core.process_priority import lower_priority, session_nicer
from core.users import User
from plans.models import DevelopmentPlan, PlanStatus
from plans.signing import SigningConfig

MAX_EXPORT_PLANS = 5000
TEMP_SUFFIX = ".part"
# Export processes run this much nicer than the web server: on a shared machine a bulk export
# takes only the CPU that page requests leave, and on an idle one it still gets all of it.
EXPORT_NICENESS = 10


def slug(text: str, limit: int = 60) -> str:
    """An ASCII file-name fragment: "Zoë O'Brien" → "zoe-o-brien"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return cleaned[:limit].strip("-") or "person"


def pdf_name(plan_id: int, person_name: str, version: int, status: str) -> str:
    """The file name of one plan inside a folder or ZIP (unique by plan id)."""
    return f"{slug(person_name)}-plan-{plan_id}-v{version}-{status}.pdf"


def selection_key(plan_ids: Iterable[int]) -> str:
    """A stable fingerprint of a set of plans (order and duplicates do not matter)."""
    text = ",".join(str(i) for i in sorted(set(plan_ids)))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class PlanRow:
    """A plan as the export pages and commands list it."""

    plan_id: int
    person_id: int
    person_name: str
    person_email: str
    role_name: str
    status: str
    version_number: int

    @property
    def file_name(self) -> str:
        return pdf_name(self.plan_id, self.person_name, self.version_number, self.status)


def list_plans(
    session: Session,
    *,
    role_code: str | None = None,
    status: str | None = None,
    text: str | None = None,
    latest_only: bool = False,
    limit: int = MAX_EXPORT_PLANS,
) -> list[PlanRow]:
    """Plans matching the filters, by person name then newest version first (one query).

    ``latest_only`` keeps one version per person: the latest approved one, else the latest.
    """
    query = (
        sa.select(
            DevelopmentPlan.id,
            DevelopmentPlan.person_id,
            User.name,
            User.email,
            RoleProfile.name,
            DevelopmentPlan.status,
            DevelopmentPlan.version_number,
        )
        .join(User, User.id == DevelopmentPlan.person_id)
        .join(RoleProfile, RoleProfile.id == DevelopmentPlan.role_profile_id)
    )
    if role_code:
        query = query.where(RoleProfile.code == role_code)
    if status:
        query = query.where(DevelopmentPlan.status == status)
    if text:
        pattern = f"%{text.strip().lower()}%"
        query = query.where(
            sa.or_(sa.func.lower(User.name).like(pattern), sa.func.lower(User.email).like(pattern))
        )
    rows = [
        PlanRow(*row)
        for row in session.execute(
            query.order_by(User.name, User.id, DevelopmentPlan.version_number.desc())
        )
    ]
    if latest_only:
        chosen: dict[int, PlanRow] = {}
        for row in rows:
            best = chosen.get(row.person_id)
            is_approved = row.status == PlanStatus.APPROVED
            if best is None or (is_approved and best.status != PlanStatus.APPROVED):
                chosen[row.person_id] = row
        rows = [r for r in rows if chosen.get(r.person_id) is r]
    return rows[:limit]


def latest_for_person(session: Session, person_id: int) -> tuple[int, str] | None:
    """(plan id, why) of the person's latest approved plan, else their latest plan."""
    approved = session.scalar(
        sa.select(DevelopmentPlan.id)
        .where(
            DevelopmentPlan.person_id == person_id,
            DevelopmentPlan.status == PlanStatus.APPROVED.value,
        )
        .order_by(DevelopmentPlan.version_number.desc())
        .limit(1)
    )
    if approved is not None:
        return approved, "the latest approved version"
    latest = session.execute(
        sa.select(DevelopmentPlan.id, DevelopmentPlan.status)
        .where(DevelopmentPlan.person_id == person_id)
        .order_by(DevelopmentPlan.version_number.desc())
        .limit(1)
    ).first()
    if latest is None:
        return None
    return latest[0], f"the latest version ({latest[1]}; no version is approved yet)"


# ---------------------------------------------------------------- atomic files


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that the file appears complete or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_zip(path: Path) -> Iterator[zipfile.ZipFile]:
    """A ZIP written under a temporary name and renamed into place only when complete.

    Any exception removes the temporary file; a killed process leaves only a ``.part`` file,
    never a ZIP under the final name.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}"
    try:
        # Owner-only from the start: the ZIP holds many people's plans.
        descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with (
            os.fdopen(descriptor, "wb") as handle,
            zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        ):
            yield archive
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def remove_stale_parts(directory: Path, older_than_seconds: float) -> int:
    """Delete temporary ``.part`` files a killed worker left behind; returns how many."""
    if not directory.is_dir():
        return 0
    cutoff = time.time() - older_than_seconds
    removed = 0
    for part in directory.glob(f".*{TEMP_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            if part.stat().st_mtime < cutoff:
                part.unlink()
                removed += 1
    return removed


# ---------------------------------------------------------------- the process pool

_worker_engine: sa.Engine | None = None


def _start_worker(database_url: str, niceness: int) -> None:
    """Each worker process opens its own engine (connections never cross a fork)."""
    global _worker_engine
    import assessments.models  # noqa: F401  (every mapped class must be known to the mapper)
    import core.audit  # noqa: F401
    import training.models  # noqa: F401

    lower_priority(niceness)
    _worker_engine = configure_engine(sa.create_engine(database_url))


def render_one(
    plan_id: int, directory: str, file_name: str, signing: SigningConfig | None = None
) -> tuple[int, str, float]:
    """Render plan ``plan_id`` into ``directory/file_name`` (in a worker); returns timings."""
    from plans.document import build_plan_document
    from plans.render import render_plan_pdf

    assert _worker_engine is not None, "the worker was not started"
    started = time.perf_counter()
    with Session(_worker_engine) as session:
        document = build_plan_document(session, plan_id)
    atomic_write(Path(directory) / file_name, render_plan_pdf(document, signing))
    return plan_id, file_name, time.perf_counter() - started


@dataclass(frozen=True)
class ExportResult:
    """What an export run did."""

    written: tuple[str, ...]
    failed: tuple[tuple[int, str], ...]
    seconds: float


def export_to_directory(
    database_url: str,
    plans: Sequence[PlanRow],
    directory: Path,
    *,
    jobs: int = 1,
    on_done: Callable[[int], None] | None = None,
    niceness: int = EXPORT_NICENESS,
    signing: SigningConfig | None = None,
) -> ExportResult:
    """Render ``plans`` into ``directory`` with ``jobs`` worker processes.

    Each worker has its own database engine; every file is written atomically. A plan that
    fails is reported and the others carry on. The workers run ``niceness`` steps nicer than
    the caller, and the caller's session as a whole is made that nice while they run, so web
    requests win the CPU whichever session the server runs in.
    """
    import multiprocessing

    from plans.render import warm_up

    directory.mkdir(parents=True, exist_ok=True)
    warm_up()  # import WeasyPrint and parse the template once, before the workers fork
    started = time.perf_counter()
    written: list[str] = []
    failed: list[tuple[int, str]] = []
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with (
        session_nicer(niceness),
        ProcessPoolExecutor(
            max_workers=max(1, jobs),
            mp_context=context,
            initializer=_start_worker,
            initargs=(database_url, niceness),
        ) as pool,
    ):
        futures = {
            pool.submit(render_one, row.plan_id, str(directory), row.file_name, signing): row
            for row in plans
        }
        for future in as_completed(futures):
            row = futures[future]
            try:
                _, name, _ = future.result()
            except Exception as error:  # a broken plan must not stop the others
                failed.append((row.plan_id, f"{type(error).__name__}: {error}"))
            else:
                written.append(name)
            if on_done is not None:
                on_done(1)
    return ExportResult(tuple(sorted(written)), tuple(failed), time.perf_counter() - started)
