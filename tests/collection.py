"""Which tests the PostgreSQL pass runs, and which tests share a pytest-xdist worker.

Pure rules over a test's path, markers and fixtures; tests/conftest.py applies them at
collection and tests/test_collection.py holds them to what they say.
"""

from __future__ import annotations

from collections.abc import Iterable

# The fixtures through which a test reaches the database (pytest-django's, and the live
# server, which serves from it). A test's fixture names include those of its fixtures.
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "live_server",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
    }
)
# `django_db`: pytest-django's own; `postgres`: the test talks to the PostgreSQL server
# itself (row locks, concurrency, a database of its own).
DATABASE_MARKERS = frozenset({"django_db", "postgres"})

# Tests that share one expensive thing stay on one worker, so that it is made once a pass:
# Chromium (pytest-playwright starts one browser a worker) for the browser tests.
FOLDER_GROUPS = {"tests/browser/": "browser"}
# Tests marked `postgres` run one after another: each may hold dozens of connections at
# once (concurrent calls, gunicorn's workers), and the server has a limit.
POSTGRES_GROUP = "postgres"


def uses_database(*, markers: Iterable[str], fixtures: Iterable[str]) -> bool:
    """Whether the test can reach the database: pytest-django refuses database access
    to any other test, so one that does not could not behave otherwise on PostgreSQL."""
    return bool(DATABASE_MARKERS.intersection(markers) or DATABASE_FIXTURES.intersection(fixtures))


def worker_group(*, path: str, module: str, module_fixture: bool, markers: Iterable[str] = ()) -> str | None:
    """The xdist group of a test (None: any worker): its folder's group, else `postgres`
    for the tests marked so, else its module when one of its fixtures is built once a
    module (the docs site, say)."""
    for folder, group in FOLDER_GROUPS.items():
        if path.startswith(folder):
            return group
    if "postgres" in markers:
        return POSTGRES_GROUP
    return module if module_fixture else None
