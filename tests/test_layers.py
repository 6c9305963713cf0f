"""The layers of docs/development/architecture.md: each app imports only the apps below it.

The apps and their order come from pyproject.toml ([tool.portal] apps, bottom layer first).
Every module of each app is parsed (not imported), so an import inside a function, a
migration or a management command counts as much as one at the top of a file.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.project import BASE_DIR, PROJECT_APPS

# Which of the project's apps each one may import (besides itself): every app below it.
ALLOWED = {app: set(PROJECT_APPS[:position]) for position, app in enumerate(PROJECT_APPS)}


def imported_packages(source: str) -> set[str]:
    """The top-level packages a module imports by absolute name (relative imports stay inside)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def forbidden_imports(package: str, source: str) -> set[str]:
    return (imported_packages(source) & set(ALLOWED)) - ALLOWED[package] - {package}


def modules(package: str) -> list[Path]:
    return sorted((BASE_DIR / package).rglob("*.py"))


@pytest.mark.parametrize("package", list(ALLOWED))
def test_a_package_imports_only_the_layers_below_it(package):
    assert modules(package)
    offenders = {
        str(path.relative_to(BASE_DIR)): sorted(forbidden)
        for path in modules(package)
        if (forbidden := forbidden_imports(package, path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


@pytest.mark.parametrize(
    ("package", "source", "forbidden"),
    [
        ("core", "from registrations.models import Registration", {"registrations"}),
        ("core", "def f():\n    import portal.urls", {"portal"}),
        ("registrations", "from sandbox.credentials import credential_issue_sandbox", {"sandbox"}),
        ("registrations", "import oauthclient.selectors", {"oauthclient"}),
        ("registrations", "from portal import urls", {"portal"}),
        ("oauthclient", "from sandbox import demo", {"sandbox"}),
        ("sandbox", "from portal.views import home", {"portal"}),
        ("registrations", "from core.servers import CredentialServer\nfrom . import models", set()),
    ],
)
def test_the_rule_catches_an_import_across_layers(package, source, forbidden):
    assert forbidden_imports(package, source) == forbidden
