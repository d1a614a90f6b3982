"""A plan document → HTML (Jinja, autoescaped) → a tagged PDF/UA-1 file (WeasyPrint).

Every render uses ``StaticOnlyFetcher``: WeasyPrint's own fetcher opens ``file://`` paths and
network URLs, so an ``<img>`` or ``<link rel="attachment">`` reaching the HTML could pull a
local file or an internal address into the PDF. Ours serves the files under ``plans/static/``
and the DejaVu fonts by a fixed ``proficio:`` scheme, and refuses — and logs — everything else.
User text is escaped by Jinja's autoescape in any case; the fetcher is the second wall.

WeasyPrint is imported on first render, not at import time, to keep web start-up fast.

What is the same for every plan is prepared once per process: the parsed print stylesheet and
the font configuration with our embedded fonts. Parsing them and loading the fonts again for
each plan, and letting Python's cycle collector walk WeasyPrint's box tree dozens of times
while it grows, was a third of a plan's render time.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import gc
import logging
import mimetypes
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from plans.document import PlanDocument
from plans.models import PlanStatus
from plans.signing import SigningConfig, sign_pdf
from training.formatting import format_money

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_DIR = PACKAGE_DIR / "static"
TEMPLATE_DIR = PACKAGE_DIR / "templates"
SCHEME = "proficio:"
STATIC_PREFIX = SCHEME + "static/"
FONT_PREFIX = SCHEME + "fonts/"
# Debian's fonts-dejavu-core; PROFICIO_PDF_FONT_DIR points elsewhere when needed.
DEFAULT_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FACES = (
    ("DejaVuSans.ttf", "normal", "normal"),
    ("DejaVuSans-Bold.ttf", "bold", "normal"),
    ("DejaVuSans-Oblique.ttf", "normal", "italic"),
    ("DejaVuSans-BoldOblique.ttf", "bold", "italic"),
)
LANGUAGE = "en"


class FetchRefusedError(ValueError):
    """A URL the PDF renderer will not fetch."""


def font_dir() -> Path:
    """Where the embedded fonts are read from."""
    return Path(os.environ.get("PROFICIO_PDF_FONT_DIR") or DEFAULT_FONT_DIR)


def available_fonts() -> tuple[tuple[str, str, str], ...]:
    """The font faces present on this machine (none: the renderer falls back to fontconfig)."""
    directory = font_dir()
    return tuple(face for face in FONT_FACES if (directory / face[0]).is_file())


def resolve(url: str) -> Path:
    """The local file a ``proficio:`` URL names; FetchRefusedError for anything else.

    Only plain names under plans/static/ and the known font files qualify: no other scheme, no
    query, no ``..``, no absolute path, no symlink out of the folder.
    """
    if url.startswith(FONT_PREFIX):
        name = url[len(FONT_PREFIX) :]
        if name in {face[0] for face in FONT_FACES}:
            path = font_dir() / name
            if path.is_file():
                return path
        raise FetchRefusedError(f"unknown font {url!r}")
    if url.startswith(STATIC_PREFIX):
        relative = url[len(STATIC_PREFIX) :]
        if relative and not any(ch in relative for ch in "?#\\\x00") and ".." not in relative:
            root = STATIC_DIR.resolve()
            path = (root / relative).resolve()
            if path.is_file() and path.is_relative_to(root):
                return path
    raise FetchRefusedError(f"not one of Proficio's own static files: {url[:200]!r}")


@functools.cache
def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """WeasyPrint's fetcher interface, serving only Proficio's own static files."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
            self.refused: list[str] = []

        def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
            try:
                path = resolve(url)
            except FetchRefusedError:
                self.refused.append(url)
                log.warning("PDF render refused to fetch %.200r", url)
                raise
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if path.suffix == ".ttf":
                mime = "font/ttf"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    return StaticOnlyFetcher


def make_fetcher() -> Any:
    """A fresh static-only fetcher (it records what it refused, for tests and logs)."""
    return _fetcher_class()()


def _money(amount: object, currency: str) -> str:
    return format_money(float(amount), currency)  # type: ignore[arg-type]


@functools.cache
def environment() -> Environment:
    """The Jinja environment of the PDF templates: autoescaped, strict about missing names."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(["html", "xml"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = _money
    return env


def font_face_css(fonts: tuple[tuple[str, str, str], ...]) -> str:
    """The ``@font-face`` rules of the "Plan Sans" family, fetched by the ``proficio:`` scheme."""
    return "\n".join(
        f'@font-face {{ font-family: "Plan Sans"; src: url("{FONT_PREFIX}{file}"); '
        f"font-weight: {weight}; font-style: {style}; }}"
        for file, weight, style in fonts
    )


@dataclass(frozen=True)
class PrintKit:
    """What every plan's render shares: fonts loaded once, the stylesheet parsed once."""

    pid: int
    font_config: Any
    stylesheets: tuple[Any, ...]


@functools.cache
def _font_configuration_class() -> type:
    from weasyprint.text.fonts import FontConfiguration

    class ProcessFontConfiguration(FontConfiguration):
        """A font configuration whose temporary font folder belongs to the process that made it.

        A forked export worker inherits its parent's configuration object but must never delete
        the parent's folder; WeasyPrint's own finaliser would, whenever the object goes.
        """

        def __init__(self) -> None:
            super().__init__()
            self.owner_pid = os.getpid()

        def __del__(self) -> None:
            if os.getpid() == self.owner_pid:
                super().__del__()  # removes the temporary font folder

    return ProcessFontConfiguration


def _build_kit() -> PrintKit:
    from weasyprint import CSS

    font_config = _font_configuration_class()()
    fetcher = make_fetcher()
    sheets = []
    fonts = available_fonts()
    if fonts:
        sheets.append(
            CSS(string=font_face_css(fonts), url_fetcher=fetcher, font_config=font_config)
        )
    sheets.append(CSS(url=STATIC_PREFIX + "plan.css", url_fetcher=fetcher, font_config=font_config))
    return PrintKit(os.getpid(), font_config, tuple(sheets))


_kit: PrintKit | None = None
_kit_lock = threading.Lock()


def _after_fork_in_child() -> None:
    global _kit_lock
    _kit_lock = threading.Lock()  # a thread of the parent may have held it at the fork


def _release_kit() -> None:
    """Let the kit go at exit while Pango is still loaded (freed later, its finaliser crashes)."""
    global _kit
    if _kit is not None:
        _kit = None
        gc.collect()


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_release_kit)


@contextlib.contextmanager
def print_kit() -> Iterator[PrintKit]:
    """This process's kit, built on first use and lent to one render at a time.

    One render at a time because Pango's font map is not thread-safe (and the GIL would share
    the CPU between two renders anyway). A forked worker builds its own kit: the process id
    tells it the one it inherited belongs to its parent.
    """
    global _kit
    with _kit_lock:
        if _kit is None or _kit.pid != os.getpid():
            _kit = _build_kit()
        yield _kit


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Hold back Python's cycle collector while WeasyPrint builds a document, then sweep once.

    A plan makes some 10⁵ linked objects that all live until the PDF is written; the default
    thresholds made the collector walk them again and again as they grew (a sixth of the render
    time). Everything allocated meanwhile stays in the youngest generation, so one young
    collection at the end frees the document's cycles without walking the rest of the process.
    Called under the kit's lock, so renders never overlap here.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.collect(0)


def warm_up() -> None:
    """Import WeasyPrint and parse the template now (before worker processes fork)."""
    import weasyprint  # noqa: F401

    environment().get_template("plan.html")


def render_plan_html(document: PlanDocument) -> str:
    """The plan's HTML for print (every user text escaped; the stylesheet comes with the kit)."""
    template = environment().get_template("plan.html")
    return template.render(
        doc=document,
        chart=Markup(document.chart_svg),  # built by plans.charts, which escapes every label
        lang=LANGUAGE,
    )


def html_to_pdf(html: str, *, fetcher: Any | None = None) -> bytes:
    """Render HTML to a tagged PDF/UA-1 with our fetcher and the print stylesheet; nothing
    outside our static files."""
    from weasyprint import HTML

    fetcher = fetcher or make_fetcher()
    with print_kit() as kit, collector_paused():
        # No base URL: a relative reference has nothing to resolve against and is dropped.
        return HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf(
            pdf_variant="pdf/ua-1", stylesheets=kit.stylesheets, font_config=kit.font_config
        )


def render_plan_pdf(document: PlanDocument, signing: SigningConfig | None = None) -> bytes:
    """The plan as PDF bytes; an approved plan signed by the organisation when ``signing``
    says with what (see ``plans.signing``)."""
    pdf = html_to_pdf(render_plan_html(document))
    if signing is None or document.status != PlanStatus.APPROVED.value:
        return pdf
    return sign_pdf(
        pdf,
        signing,
        signer_name=f"{signing.organisation}, approved by {document.approved_by}",
        reason=f"Development plan version {document.version_number} approved on "
        f"{document.approved_on}",
    )
