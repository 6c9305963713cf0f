"""Suite-wide fixtures and collection rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db.models.signals import post_migrate
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from registrations.models import Registration

from .collection import uses_database, worker_group
from .factories import make_registration
from .migrated_data import flushes_put_back_migrated_rows, reseed_after_post_migrate

# Fixtures shared across suites are plugins, listed here once (a conftest is never imported).
pytest_plugins = ["tests.oauthclient.fixtures", "tests.xdist_nodeids"]

# After every migrate (a new test database, also one kept by --reuse-db) the data
# migrations' rows are put back; flushes then copy them back (django_db_setup below).
post_migrate.connect(reseed_after_post_migrate, dispatch_uid="tests.migrated_data")

# Every property test, unless it says otherwise: the same examples on every run (a failure
# seen once is seen again), no deadline (a loaded CI machine is slow, not wrong), and
# nothing written to .hypothesis/. Tests choose their own max_examples where it matters.
hypothesis_settings.register_profile(
    "portal",
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=False,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
hypothesis_settings.load_profile("portal")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="Deselect the tests that cannot reach the database (tests/collection.py): "
        "the PostgreSQL pass of `make test` runs the others only.",
    )


# First: pytest-xdist reads the groups in its own hook of the same name.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`postgres` tests (row locks, real concurrency) run in the PostgreSQL pass of
    `make test`; on SQLite they are deselected, not skipped. With --database-tests-only,
    the tests that cannot reach a database are deselected too. Then each test gets its
    pytest-xdist group (`--dist loadgroup` keeps a group on one worker)."""
    on_postgres = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    database_only = config.getoption("database_tests_only")
    selected, deselected = [], []
    for item in items:
        markers = {marker.name for marker in item.iter_markers()}
        wanted = (on_postgres or "postgres" not in markers) and (
            not database_only or uses_database(markers=markers, fixtures=getattr(item, "fixturenames", ()))
        )
        (selected if wanted else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected
    root = config.rootpath
    for item in items:
        group = worker_group(
            path=item.path.relative_to(root).as_posix(),
            module=item.nodeid.split("::")[0],
            module_fixture=_uses_a_module_fixture(item),
            markers={marker.name for marker in item.iter_markers()},
        )
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


def _uses_a_module_fixture(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    definitions = info.name2fixturedefs.values() if info is not None else ()
    return any(fixturedef.scope == "module" for chain in definitions for fixturedef in chain)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """pytest-django's test database, and from then on flushes that copy the migrated
    rows back rather than make them again (tests/migrated_data.py)."""
    with django_db_blocker.unblock(), flushes_put_back_migrated_rows(), django_db_blocker.block():
        yield


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
