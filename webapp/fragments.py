"""Rendered page parts cached under a key that says what they were rendered from.

A page whose content is derived from data that rarely changes (a profile, a project's
comparison, a person's recommendations) renders that content once per *stamp* and serves
the stored HTML until the stamp moves; the layout around it (navigation, flashed messages,
the signed-in person) is rendered on every request as usual.

A fragment must never hold a CSRF token: tokens belong to one session and are signed with a
time. While a fragment renders, ``csrf_token()`` in templates (and macros) yields a marker
instead, and every time the fragment is served the marker is replaced by the current
request's token.
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


class FragmentCache:
    """Rendered HTML per key, bounded by entries and by bytes."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self._html: LRUCache[Markup] = LRUCache(max_entries, max_size=max_bytes, size_of=len)

    @property
    def hits(self) -> int:
        return self._html.hits

    @property
    def misses(self) -> int:
        return self._html.misses

    def render(self, key: Hashable, template: str, context: Callable[[], dict[str, Any]]) -> Markup:
        """``template`` rendered with ``context()``, or the HTML rendered last time under
        ``key``; ``context`` is called only when rendering is needed."""
        cache_key = (template, key)
        html = self._html.get(cache_key)
        if html is None:
            g.rendering_fragment = True
            try:
                # The template escaped everything when it rendered; the text is its output.
                html = Markup(render_template(template, **context()))
            finally:
                g.rendering_fragment = False
            self._html.put(cache_key, html)
        if _TOKEN_MARKER in html:
            # str.replace, not Markup.replace, which would escape the token a second time.
            return Markup(str.replace(html, _TOKEN_MARKER, generate_csrf()))
        return html

    def clear(self) -> None:
        """Forget every fragment."""
        self._html.clear()


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
