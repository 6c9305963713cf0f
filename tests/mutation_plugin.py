"""A pytest plugin for `make mutation` only (loaded with `-p tests.mutation_plugin`).

mutmut runs the covering tests of each mutant in a forked process, two at a time.
Each process gets its own copy of one migrated SQLite test database (kept with
`--reuse-db`), so that processes never share a database file and none of them
spends seconds on migrations.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

_template: Path | None = None


def _own_database() -> Path:
    global _template
    test = settings.DATABASES["default"].setdefault("TEST", {})
    if _template is None:
        _template = Path(test["NAME"])
    own = _template.with_name(f"{_template.name}.{os.getpid()}")
    test["NAME"] = str(own)
    return own


def pytest_configure(config: pytest.Config) -> None:
    own = _own_database()
    assert _template is not None
    if _template.exists():
        shutil.copyfile(_template, own)


def pytest_unconfigure(config: pytest.Config) -> None:
    own = Path(settings.DATABASES["default"]["TEST"]["NAME"])
    assert _template is not None
    if not own.exists():
        return
    if _template.exists():
        own.unlink()
    else:
        # The first session (mutmut's test-mapping run) migrated it: the others copy it.
        os.replace(own, _template)
