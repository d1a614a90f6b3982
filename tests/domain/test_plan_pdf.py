"""The plan PDF: tagged PDF/UA with metadata, text and chart, and inert hostile input.

Real WeasyPrint renders, checked with poppler's pdfinfo, pdftotext and pdfdetach.
"""

import logging
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

from competencies.services import seed_default_framework
from core.users import Role
from plans import workflow
from plans.document import build_plan_document
from plans.goal_trainings import link_training
from plans.goals import add_goal
from plans.render import html_to_pdf, make_fetcher, render_plan_html, render_plan_pdf
from tests.factories import goal_input, make_plan, make_self_round, make_training, make_user, target

pytestmark = pytest.mark.slow

POPPLER = all(shutil.which(tool) for tool in ("pdfinfo", "pdftotext", "pdfdetach"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils is not installed")

HOSTILE = (
    '<link rel="attachment" href="file:///etc/passwd">'
    '<img src="file:///etc/hostname">'
    '<img src="http://169.254.169.254/x">'
    '<link rel=stylesheet href="http://127.0.0.1:9/x.css">'
    "<style>@import url(http://127.0.0.1:9/);</style>"
    "<script>alert(1)</script>"
)
BARE_PAGE = (
    '<!doctype html><html lang="en"><head><title>T</title></head><body><p>Hi</p></body></html>'
)
SHORT_HOSTILE = '<link rel="attachment" href="file:///etc/passwd"><img src="file:///etc/hostname">'


def poppler(tool: str, path: Path, *args: str) -> str:
    return subprocess.run(
        [tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def pdf_objects(data: bytes) -> bytes:
    """Every stream of the PDF, decompressed (the catalog sits in an object stream)."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"".join(parts)


def secrets_of_the_machine() -> list[str]:
    """Text that would show a local file got into the PDF."""
    found = ["root:x:0:0"]
    hostname = Path("/etc/hostname")
    if hostname.exists() and len(hostname.read_text().strip()) >= 4:
        found.append(hostname.read_text().strip())
    return found


@pytest.fixture()
def hostile_plan(session):
    """An approved plan whose every user-typed text reaching the PDF is hostile markup."""
    seed_default_framework(session)
    person = make_user(session, name=SHORT_HOSTILE)
    hr = make_user(session, role=Role.HR, name="<script>alert('hr')</script>")
    target(session, person)
    make_self_round(session, person, {"DEL-01": 1}, default_level=2)
    plan = make_plan(session, person, budget="100", summary=HOSTILE)
    goal = add_goal(
        session, person, plan, goal_input(plan, actions=HOSTILE), expected_version=plan.lock_version
    )
    training = make_training(session, title=HOSTILE[:200], provider=SHORT_HOSTILE[:120], cost=500)
    link_training(
        session,
        person,
        plan,
        goal.id,
        training.id,
        source="recommendation",
        reason=HOSTILE,
        expected_version=plan.lock_version,
    )
    workflow.propose_plan(
        session, person, plan, over_budget_reason=HOSTILE, expected_version=plan.lock_version
    )
    workflow.approve_plan(session, hr, plan, note=HOSTILE, expected_version=plan.lock_version)
    return plan


@needs_poppler
def test_the_pdf_is_tagged_with_metadata_text_and_the_chart(session, tmp_path):
    seed_default_framework(session)
    person = make_user(session, name="Robin Reader")
    target(session, person)
    make_self_round(session, person, {"DEL-01": 1}, default_level=2)
    plan = make_plan(session, person, summary="Lead a migration project by spring.")
    add_goal(session, person, plan, goal_input(plan), expected_version=plan.lock_version)
    path = tmp_path / "plan.pdf"
    path.write_bytes(render_plan_pdf(build_plan_document(session, plan.id)))

    info = poppler("pdfinfo", path)
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    assert re.search(r"^Title:\s+Development plan — Robin Reader$", info, re.M)
    assert re.search(r"^Author:\s+Robin Reader$", info, re.M)
    assert re.search(r"^Subject:\s+Development plan towards IT Project Manager", info, re.M)
    assert re.search(r"^Page size:.*\(A4\)$", info, re.M)
    objects = pdf_objects(path.read_bytes())
    assert b"/Lang (en)" in objects and b"pdfuaid" in objects
    assert b"/Alt (Competency profile of Robin Reader" in objects  # the chart as a tagged figure
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # all embedded

    structure = poppler("pdfinfo", path, "-struct-text")
    assert "Caption" in structure and '"Gaps per competency, must competencies first' in structure
    text = poppler("pdftotext", path)
    assert "Robin Reader" in text and "Lead a migration project by spring." in text
    assert "Must-gates" in text and "Gaps to IT Project Manager" in text
    assert "Planning" in text and "Sign-off" in text and "Page 1 of" in text
    assert "Self-assessed" in text and "Target (IT Project Manager)" in text  # chart legend


@needs_poppler
def test_hostile_text_everywhere_stays_inert_text(session, hostile_plan, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="plans.render")
    document = build_plan_document(session, hostile_plan.id)
    html = render_plan_html(document)
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)" in html
    assert 'href="file:///etc/passwd"' not in html
    path = tmp_path / "hostile.pdf"
    path.write_bytes(render_plan_pdf(document))

    text = poppler("pdftotext", path)
    for secret in secrets_of_the_machine():
        assert secret not in text
    assert "<script>alert(1)</script>" in text  # shown as the letters typed, never run
    assert poppler("pdfdetach", path, "-list").strip() == "0 embedded files"
    assert "refused" not in caplog.text  # escaped text never even asks for a URL


@needs_poppler
def test_markup_that_reaches_the_renderer_is_refused_by_our_fetcher(tmp_path, caplog):
    """Defence in depth: even raw markup cannot pull a file or an internal URL in."""
    caplog.set_level(logging.WARNING, logger="plans.render")
    html = (
        '<!doctype html><html lang="en"><head><title>Raw</title>'
        f"{HOSTILE}</head><body><p>Hello</p>{HOSTILE}"
        '<img src="proficio:static/../render.py"></body></html>'
    )
    fetcher = make_fetcher()
    path = tmp_path / "raw.pdf"
    path.write_bytes(html_to_pdf(html, fetcher=fetcher))
    refused = set(fetcher.refused)
    assert {
        "file:///etc/passwd",
        "file:///etc/hostname",
        "http://169.254.169.254/x",
        "http://127.0.0.1:9/x.css",
        "http://127.0.0.1:9/",
        "proficio:static/../render.py",
    } <= refused
    assert "PDF render refused to fetch 'file:///etc/passwd'" in caplog.text
    assert poppler("pdfdetach", path, "-list").strip() == "0 embedded files"
    text = poppler("pdftotext", path)
    for secret in secrets_of_the_machine():
        assert secret not in text


def test_long_user_text_is_refused_before_it_reaches_the_renderer(session):
    seed_default_framework(session)
    person = make_user(session)
    target(session, person)
    from core.errors import ValidationError

    with pytest.raises(ValidationError):
        make_plan(session, person, summary="x" * 1_000_000)


def _kit_pid_and_font_folder() -> tuple[int, Path]:
    """Which process built this process's kit, and where its fonts are (no reference kept)."""
    from plans import render

    with render.print_kit() as kit:
        return kit.pid, kit.font_config._folder


def _render_in_child(queue) -> None:
    """Run in a forked process: render once with the child's own kit, report its font folder."""
    data = html_to_pdf(BARE_PAGE)
    pid, folder = _kit_pid_and_font_folder()
    queue.put((data.startswith(b"%PDF"), pid, str(folder)))


def test_renders_share_one_kit_and_leave_the_cycle_collector_on():
    """Fonts and stylesheet are loaded once per process; the collector is paused only inside."""
    import gc

    from plans import render

    html_to_pdf(BARE_PAGE)
    with render.print_kit() as first:
        pass
    html_to_pdf(BARE_PAGE)
    with render.print_kit() as second:
        pass
    assert first is second
    assert gc.isenabled()
    with pytest.raises(RuntimeError), render.collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("a failed render")
    assert gc.isenabled()


@needs_poppler
def test_a_forked_worker_builds_its_own_kit_and_keeps_the_parents_fonts(tmp_path):
    """A forked export worker must neither use nor delete its parent's font folder."""
    import multiprocessing
    import os

    html_to_pdf(BARE_PAGE)
    _, folder = _kit_pid_and_font_folder()
    assert folder is not None and folder.is_dir()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_render_in_child, args=(queue,))
    child.start()
    rendered, child_pid, child_folder = queue.get(timeout=60)
    child.join(timeout=60)
    assert child.exitcode == 0 and rendered
    assert child_pid != os.getpid() and child_folder != str(folder)
    assert folder.is_dir()  # still there for the parent's next render
    path = tmp_path / "after-fork.pdf"
    path.write_bytes(html_to_pdf(BARE_PAGE))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    assert "Plan-Sans" in fonts
