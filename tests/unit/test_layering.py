"""Domain packages never import Flask: dependencies point one way, towards core."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Allowed direction: webapp → plans → training → person_profile → feedback → evaluations
# → assessments → competencies → core.
ORDER = [
    "core",
    "competencies",
    "assessments",
    "evaluations",
    "feedback",
    "person_profile",
    "training",
    "plans",
]
DOMAIN_PACKAGES = [*ORDER, "datagen"]
FORBIDDEN_PREFIXES = ("flask", "wtforms", "werkzeug", "webapp")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", DOMAIN_PACKAGES)
def test_domain_package_does_not_import_flask(package):
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / package).rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0].startswith(FORBIDDEN_PREFIXES)
    ]
    assert offenders == []


@pytest.mark.parametrize("package", DOMAIN_PACKAGES)
def test_domain_package_imports_only_lower_layers(package):
    # datagen writes a whole synthetic organisation, so it may use every domain layer.
    allowed = set(ORDER[: ORDER.index(package) + 1]) if package in ORDER else set(ORDER)
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / package).rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0] in ORDER and name.split(".")[0] not in allowed
    ]
    assert offenders == []


def test_tests_do_not_import_the_benchmarks():
    """Benchmarks are not tests: the suite never leans on bench/ code."""
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "tests").rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0] == "bench"
    ]
    assert offenders == []
