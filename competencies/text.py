"""Plain-text normalisation and the conversion between plain text and simple HTML.

Proficio stores descriptions as plain text; Moodle exchanges them as HTML. Both directions
are defined so that ``html_to_text(text_to_html(t)) == t`` for every normalised text ``t``.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

# Every kind of whitespace except the line break; HTML treats them all as one space.
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_WHITESPACE = re.compile(r"\s+")

# Elements that end a paragraph when converting HTML to text.
_BLOCKS = {
    "p", "div", "section", "article", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
    "ul", "ol", "li", "table", "tr", "dl", "dt", "dd", "hr",
}  # fmt: skip
_SKIPPED = {"script", "style", "template", "head", "title"}


def normalise_text(value: str | None) -> str:
    """Trim lines, collapse runs of spaces and blank lines; ``None`` becomes ``""``."""
    if not value:
        return ""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def text_to_html(text: str) -> str:
    """Render normalised plain text as HTML paragraphs, one paragraph per line on its own."""
    paragraphs = [p for p in normalise_text(text).split("\n\n") if p]
    return "\n".join(
        "<p>" + "<br>".join(html.escape(line, quote=False) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment; optionally lifts one ``<dl class=...>`` out."""

    def __init__(self, attributes_class: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.attributes_class = attributes_class
        self.paragraphs: list[str] = []
        self.current: list[str] = []
        self.skip_depth = 0
        self.in_attributes = 0
        self.attribute_pairs: list[tuple[str, str]] = []
        self._term: list[str] | None = None
        self._definition: list[str] | None = None

    def _end_paragraph(self) -> None:
        text = "".join(self.current)
        lines = [_WHITESPACE.sub(" ", line).strip() for line in text.split("\n")]
        joined = "\n".join(line for line in lines if line)
        if joined:
            self.paragraphs.append(joined)
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skip_depth += 1
            return
        classes = (dict(attrs).get("class") or "").split()
        if self.in_attributes:
            if tag == "dl":
                self.in_attributes += 1
            elif tag == "dt":
                self._term = []
            elif tag == "dd":
                self._definition = []
            return
        if tag == "dl" and self.attributes_class and self.attributes_class in classes:
            self._end_paragraph()
            self.in_attributes = 1
            return
        if tag == "br":
            self.current.append("\n")
        elif tag in _BLOCKS:
            self._end_paragraph()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if self.in_attributes:
            if tag == "dl":
                self.in_attributes -= 1
            elif tag == "dd" and self._definition is not None:
                term = _WHITESPACE.sub(" ", "".join(self._term or [])).strip()
                value = _WHITESPACE.sub(" ", "".join(self._definition)).strip()
                self.attribute_pairs.append((term, value))
                self._term = self._definition = None
            return
        if tag in _BLOCKS:
            self._end_paragraph()

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if self.in_attributes:
            if self._definition is not None:
                self._definition.append(data)
            elif self._term is not None:
                self._term.append(data)
            return
        # Source line breaks inside HTML are only whitespace; <br> makes real line breaks.
        self.current.append(data.replace("\n", " "))


def html_to_text(
    fragment: str, attributes_class: str | None = None
) -> tuple[str, list[tuple[str, str]]]:
    """Plain text of an HTML fragment, and the term/definition pairs of the lifted ``<dl>``."""
    parser = _TextExtractor(attributes_class)
    parser.feed(fragment)
    parser.close()
    parser._end_paragraph()
    return normalise_text("\n\n".join(parser.paragraphs)), parser.attribute_pairs


def looks_like_html(text: str) -> bool:
    """True when the text contains markup worth parsing (a tag or an entity)."""
    return bool(re.search(r"<[a-zA-Z/][^>]*>|&[#a-zA-Z0-9]+;", text))


def shorten(text: str, limit: int) -> str:
    """The first line of ``text`` cut at a word boundary to at most ``limit`` characters."""
    first = normalise_text(text).split("\n", 1)[0]
    if len(first) <= limit:
        return first
    cut = first[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return (cut or first[: limit - 1]) + "…"
