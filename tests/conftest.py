"""Suite-wide fixtures and collection rules."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings

from registrations.models import Registration

from .factories import make_registration


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`postgres` tests (row locks, real concurrency) run in the PostgreSQL pass of
    `make test`; on SQLite they are deselected, not skipped."""
    if django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    selected, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker("postgres") else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


@pytest.fixture
def example_registration(db: Any) -> Registration:
    """The Example Client registration, valid, in staging."""
    return make_registration()
