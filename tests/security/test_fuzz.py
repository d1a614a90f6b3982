"""Cases 10, 11 and 16: Hypothesis-driven input to every form and query parameter.

The forms are discovered by crawling every page each role can open and parsing the <form>s in
them, so new forms are fuzzed without touching this file. Every answer must be below 500, and
markup sent in must never come back unescaped in an HTML page.
"""

from __future__ import annotations

import html.parser
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.world import ROLES, TABLE, build_world, stand_in_pdfs, url_of

MARKUP = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(1)>",
    "javascript:alert(1)",
]
RAW_MARKERS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>"]
HOSTILE = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "' OR 1=1--",
            "'; DROP TABLE users; --",
            "\x00",
            "a\x00b",
            "NaN",
            "inf",
            "-1",
            "0",
            "-99999999999999999999",
            "99999999999999999999",
            "1e309",
            "2026-02-30",
            "9999-99-99",
            "%00",
            "../../etc/passwd",
            "ÄÖÜ 日本語 🙂",
            "\u202e\u200b",
            "x" * 20_000,
            *MARKUP,
        ]
    ),
    st.text(max_size=60),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
EXAMPLES_PER_FORM = 16
COUNTER = {"cases": 0}
# Thousands of requests: started first, so they do not end the run alone.
pytestmark = pytest.mark.slow


@dataclass
class FoundForm:
    method: str
    action: str
    fields: list[str] = field(default_factory=list)


class _FormParser(html.parser.HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url = page_url
        self.forms: list[FoundForm] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = attrs.get("action") or self.page_url
            self.forms.append(FoundForm((attrs.get("method") or "get").upper(), action))
        elif tag in {"input", "select", "textarea", "button"} and self.forms and attrs.get("name"):
            name = attrs["name"]
            if name != "csrf_token" and name not in self.forms[-1].fields:
                self.forms[-1].fields.append(name)


@pytest.fixture(scope="module")
def fuzz_world(tmp_path_factory, backend, databases):
    """On SQLite a snapshot is restored after each form; on PostgreSQL data simply accumulates
    (in a database of the module's own)."""
    world = build_world(
        tmp_path_factory.mktemp("fuzz"),
        database_url=None if backend == "sqlite" else databases.url(backend, "fuzz"),
    )
    with stand_in_pdfs():
        yield world
    from webapp.extensions import db

    with world.app.app_context():
        db.session.remove()
        db.engine.dispose()
    print(f"\nfuzz cases run: {COUNTER['cases']}")


def _discover(world, only_role: str) -> dict[tuple[str, str, str], FoundForm]:
    """Every form on every GET page ``only_role`` opens, keyed by (role, method, action)."""
    found = {}
    for rule in world.app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.endswith("static"):
            continue
        allowed, _ = TABLE[rule.endpoint]
        if only_role not in (allowed - {"anon"} or {"anon"}):
            continue
        url = url_of(world, rule)
        response = world.client(only_role).get(url)
        if "text/html" not in response.content_type:
            response.close()
            continue
        parser = _FormParser(url)
        parser.feed(response.get_data(as_text=True))
        for form in parser.forms:
            path = urlsplit(form.action).path or url
            found.setdefault(
                (only_role, form.method, path), FoundForm(form.method, path, form.fields)
            )
    return found


def _assign(world) -> dict[str, list[FoundForm]]:
    """The forms each role fuzzes: every form found, once per view and set of fields.

    The same view reached with other ids (eighteen "move" buttons of one draft), or by
    another role (the plan form of the person and of their line manager), parses its input
    with the same code; which ids and roles reach it is the access matrix's business. So each
    (method, view, fields) goes to the first role, in ``ROLES`` order, whose pages show it.
    """
    adapter = world.app.url_map.bind("localhost")
    assigned: dict[str, list[FoundForm]] = {role: [] for role in ROLES if role != "anon"}
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    for role in assigned:
        for (_, method, path), form in sorted(_discover(world, role).items()):
            endpoint = adapter.match(path, method=method)[0]
            key = (method, endpoint, tuple(sorted(form.fields)))
            if key not in seen:
                seen.add(key)
                assigned[role].append(form)
    return assigned


def _check(response, values) -> None:
    assert response.status_code < 500, (response.status_code, values)
    if "text/html" in response.content_type:
        body = response.get_data(as_text=True)
        for marker in RAW_MARKERS:
            assert marker not in body, f"unescaped {marker!r}"
    response.close()


@pytest.fixture(scope="module")
def fuzz_forms(fuzz_world) -> dict[str, list[FoundForm]]:
    """The forms each role fuzzes, found once per module (see ``_assign``)."""
    return _assign(fuzz_world)


def test_the_crawl_finds_the_forms_of_every_role(fuzz_forms):
    total = sum(len(forms) for forms in fuzz_forms.values())
    print(f"\nfuzzing {total} forms (method × view × fields)")
    # Every role but the second of a pair (candidate2, manager2) has forms no one before it
    # shows; far fewer would mean the crawl stopped finding pages.
    assert total >= 60
    assert all(fuzz_forms[role] for role in ("candidate", "manager", "hr", "admin"))


# One test per signed-in role, so that the test processes share the work.
@pytest.mark.parametrize("role", [r for r in ROLES if r != "anon"])
def test_every_form_survives_hostile_input(fuzz_world, fuzz_forms, role):
    for form in fuzz_forms[role]:
        _fuzz_form(fuzz_world.client(role), form.method, form.action, form.fields or ["q"])
        fuzz_world.restore()


def _fuzz_form(client, method: str, path: str, names: list[str]) -> None:
    @settings(
        max_examples=EXAMPLES_PER_FORM,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.fixed_dictionaries({name: HOSTILE for name in names}))
    def send(values):
        COUNTER["cases"] += 1
        if method == "GET":
            response = client.get(path, query_string=values)
        else:
            response = client.post(path, data=values)
        _check(response, values)

    send()


def test_ids_out_of_range_are_404_not_500(fuzz_world):
    for rule in fuzz_world.app.url_map.iter_rules():
        int_args = [
            a for a in rule.arguments if "int" in type(rule._converters[a]).__name__.lower()
        ]
        if not int_args:
            continue
        allowed, _ = TABLE[rule.endpoint]
        role = next((r for r in ROLES if r in allowed and r != "anon"), "hr")
        client = fuzz_world.client(role)
        base = url_of(fuzz_world, rule)
        for huge in ["0", "2147483648", "9223372036854775808", "99999999999999999999999"]:
            path = base
            for arg in int_args:
                path = path.replace(f"/{_url_value(fuzz_world, rule, arg)}", f"/{huge}", 1)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                COUNTER["cases"] += 1
                response = client.open(path, method=method)
                assert response.status_code < 500, (method, path)
                response.close()
        fuzz_world.restore()


def _url_value(world, rule, arg):
    source = TABLE[rule.endpoint][1][arg]
    return source[1:] if source.startswith("=") else world.ids[source]
