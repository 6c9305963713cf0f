"""The settings modules read the environment only: they import no code of the project's apps."""

from __future__ import annotations

import pytest

from tests.project import BASE_DIR, PROJECT_APPS
from tests.test_layers import imported_packages

SETTINGS_MODULES = sorted((BASE_DIR / "portal" / "settings").glob("*.py"))


@pytest.mark.parametrize("module", SETTINGS_MODULES, ids=lambda path: path.name)
def test_a_settings_module_imports_no_app_code(module):
    assert imported_packages(module.read_text(encoding="utf-8")) & set(PROJECT_APPS) == set()
