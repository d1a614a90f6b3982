"""Rendered page parts cached under a key that says what they were rendered from.

A page whose content is derived from data that rarely changes (a profile, a project's
comparison, a person's recommendations) renders that content once per *stamp* and serves
the stored HTML until the stamp moves; the layout around it (navigation, flashed messages,
the signed-in person) is rendered on every request as usual.

A fragment must never hold a CSRF token: tokens belong to one session and are signed with a
time. While a fragment renders, ``csrf_token()`` in templates (and macros) yields a marker
instead, and every time the fragment is served the marker is replaced by the current
request's token, which Flask-WTF's ``generate_csrf`` makes as it does for any page.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app, g, render_template
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from core.cache import LRUCache

EXTENSION = "proficio_fragments"
MAX_ENTRIES = 2048
MAX_BYTES = 64 * 1024 * 1024
# Random per process, so text a user typed can never spell it.
_TOKEN_MARKER = f"csrf-token-marker-{secrets.token_hex(16)}"


def _csrf_token_for_templates() -> str:
    if g.get("rendering_fragment"):
        return _TOKEN_MARKER
    return generate_csrf()


def _html_size(entry: tuple[Markup, int]) -> int:
    return len(entry[0])


class FragmentCache:
    """Rendered HTML (with the HTTP status it was rendered for) per key, bounded by entries
    and by bytes."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self._entries: LRUCache[tuple[Markup, int]] = LRUCache(
            max_entries, max_size=max_bytes, size_of=_html_size
        )

    @property
    def hits(self) -> int:
        return self._entries.hits

    @property
    def misses(self) -> int:
        return self._entries.misses

    def render(self, key: Hashable, template: str, context: Callable[[], dict[str, Any]]) -> Markup:
        """``template`` rendered with ``context()``, or the HTML rendered last time under
        ``key``; ``context`` is called only when rendering is needed."""
        return self.render_with_status(key, template, lambda: (context(), 200))[0]

    def render_with_status(
        self,
        key: Hashable,
        template: str,
        context: Callable[[], tuple[dict[str, Any], int]],
    ) -> tuple[Markup, int]:
        """Like ``render`` for a page whose status depends on what it shows (a 400 for bad
        filters): ``context()`` gives the template's context and the status."""
        cache_key = (template, key)
        entry = self._entries.get(cache_key)
        if entry is None:
            values, status = context()
            g.rendering_fragment = True
            try:
                # The template escaped everything when it rendered; the text is its output.
                entry = (Markup(render_template(template, **values)), status)
            finally:
                g.rendering_fragment = False
            self._entries.put(cache_key, entry)
        html, status = entry
        if _TOKEN_MARKER in html:
            # str.replace, not Markup.replace, which would escape the token a second time.
            html = Markup(str.replace(html, _TOKEN_MARKER, generate_csrf()))
        return html, status

    def clear(self) -> None:
        """Forget every fragment."""
        self._entries.clear()


def fragments() -> FragmentCache:
    """The current app's fragment cache."""
    return current_app.extensions[EXTENSION]


def init_app(app: Flask) -> None:
    """Give the app its own fragment cache and the marker-aware ``csrf_token()`` (call it
    after CSRFProtect's init_app, whose registrations it overrides)."""
    app.extensions[EXTENSION] = FragmentCache()
    # Flask-WTF offers csrf_token() both ways: as a global (seen by imported macros) and
    # through a context processor; both must yield the marker inside a fragment.
    app.jinja_env.globals["csrf_token"] = _csrf_token_for_templates
    app.context_processor(lambda: {"csrf_token": _csrf_token_for_templates})
