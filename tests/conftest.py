"""Suite-wide fixtures and collection rules."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db.models.signals import post_migrate

from registrations.models import Registration

from .factories import make_registration
from .migrated_data import reseed_after_post_migrate

# Fixtures shared across suites are plugins, listed here once (a conftest is never imported).
pytest_plugins = ["tests.oauthclient.fixtures"]

# After every flush (transactional and live-server tests) and every migrate (also of a
# database kept by --reuse-db), the data migrations' rows are put back.
post_migrate.connect(reseed_after_post_migrate, dispatch_uid="tests.migrated_data")


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


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Every test starts with an empty cache: servers' metadata is cached by base URL, and
    a port of 127.0.0.1 that one test's server used may be another's later."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def example_registration(db: Any) -> Registration:
    """The Example Client registration, valid, in staging."""
    return make_registration()
