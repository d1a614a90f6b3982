"""A plan document → HTML (Jinja, autoescaped) → a tagged PDF/UA-1 file (WeasyPrint).

Every render uses ``StaticOnlyFetcher``: WeasyPrint's own fetcher opens ``file://`` paths and
network URLs, so an ``<img>`` or ``<link rel="attachment">`` reaching the HTML could pull a
local file or an internal address into the PDF. Ours serves the files under ``plans/static/``
and the DejaVu fonts by a fixed ``proficio:`` scheme, and refuses — and logs — everything else.
User text is escaped by Jinja's autoescape in any case; the fetcher is the second wall.

WeasyPrint is imported on first render, not at import time, to keep web start-up fast.
"""

from __future__ import annotations

import functools
import logging
import mimetypes
import os
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from plans.document import PlanDocument
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


def warm_up() -> None:
    """Import WeasyPrint and parse the template now (before worker processes fork)."""
    import weasyprint  # noqa: F401

    environment().get_template("plan.html")


def render_plan_html(document: PlanDocument) -> str:
    """The plan's HTML for print (every user text escaped)."""
    template = environment().get_template("plan.html")
    return template.render(
        doc=document,
        chart=Markup(document.chart_svg),  # built by plans.charts, which escapes every label
        fonts=available_fonts(),
        font_prefix=FONT_PREFIX,
        static_prefix=STATIC_PREFIX,
        lang=LANGUAGE,
    )


def html_to_pdf(html: str, *, fetcher: Any | None = None) -> bytes:
    """Render HTML to a tagged PDF/UA-1 with our fetcher; nothing outside our static files."""
    from weasyprint import HTML

    fetcher = fetcher or make_fetcher()
    # No base URL: a relative reference has nothing to resolve against and is dropped.
    return HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf(pdf_variant="pdf/ua-1")


def render_plan_pdf(document: PlanDocument) -> bytes:
    """The plan as PDF bytes."""
    return html_to_pdf(render_plan_html(document))
