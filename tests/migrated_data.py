"""The rows the project's data migrations create (scope catalog, groups), put back after every flush.

Transactional and live-server tests end with a flush of every table; Django then
emits `post_migrate`, which re-creates content types and permissions but not
what data migrations wrote. Left like that, a later test (or the next run with
`--reuse-db`) finds an empty scope catalog and no groups. Here every `RunPython`
step of the project's own migrations runs again after each `post_migrate`, with
the historical models it was written for, so the database always looks freshly
migrated. Data migrations must therefore be idempotent (`get_or_create`, `add`),
which a test checks by running them twice. Once the test database is ready, flushes
copy the rows back instead (MigratedRows, below), which is cheaper.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.special import RunPython
from django.db.migrations.state import StateApps
from django.db.models.signals import post_migrate


def _project_labels() -> set[str]:
    """The project's own apps: under BASE_DIR, and not installed packages (a virtualenv may be there too)."""
    base, installed = Path(settings.BASE_DIR).resolve(), Path(sys.prefix).resolve()
    return {
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base)
        and not Path(config.path).resolve().is_relative_to(installed)
    }


@cache
def data_migration_steps(alias: str) -> tuple[tuple[str, RunPython, StateApps], ...]:
    """(migration, operation, historical apps) for every RunPython of the project, in migration order."""
    loader = MigrationLoader(connections[alias], ignore_no_migrations=True)
    labels = _project_labels()
    steps = []
    for key in _plan(loader):
        if key[0] not in labels:
            continue
        migration = loader.graph.nodes[key]
        if not any(isinstance(operation, RunPython) for operation in migration.operations):
            continue
        state = loader.project_state(key, at_end=False)
        for operation in migration.operations:
            if isinstance(operation, RunPython):
                steps.append((f"{key[0]}.{key[1]}", operation, state.clone().apps))
            operation.state_forwards(key[0], state)
    return tuple(steps)


def _plan(loader: MigrationLoader) -> list[tuple[str, str]]:
    plan: list[tuple[str, str]] = []
    for leaf in loader.graph.leaf_nodes():
        plan.extend(key for key in loader.graph.forwards_plan(leaf) if key not in plan)
    return plan


def reseed(alias: str) -> None:
    """Run every data migration of the project again on database `alias`."""
    connection = connections[alias]
    for _name, operation, state_apps in data_migration_steps(alias):
        with connection.schema_editor(atomic=True) as schema_editor:
            operation.code(state_apps, schema_editor)


def _last_app_with_models() -> AppConfig:
    return [config for config in apps.get_app_configs() if config.models_module is not None][-1]


def reseed_after_post_migrate(sender: AppConfig, using: str, **kwargs: Any) -> None:
    """`post_migrate` receiver: once per flush or migrate, after every app's permissions exist."""
    if sender.label == _last_app_with_models().label:
        reseed(using)


# A cheaper way back to the migrated rows ------------------------------------------------
# Re-creating content types and permissions and running every data migration again costs
# more than the flush itself, after each of hundreds of transactional tests. Once a test
# database is ready, a copy of every row the migrations left is kept in tables of its own
# (which a flush does not know of); a flush then just copies them back, with the same ids.

SEED_PREFIX = "test_seed_"


class MigratedRows:
    """The rows the migrations left in database `alias`, kept beside them to put back."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self.tables: dict[str, str] = {}  # table -> its copy

    def keep(self) -> None:
        connection = connections[self.alias]
        quote = connection.ops.quote_name
        tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
        with connection.cursor() as cursor:
            for number, table in enumerate(sorted(tables)):
                copy = f"{SEED_PREFIX}{number}"
                cursor.execute(f"DROP TABLE IF EXISTS {quote(copy)}")
                cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")  # noqa: S608 (table names from Django)
                if cursor.fetchone() is None:
                    continue
                cursor.execute(f"CREATE TABLE {quote(copy)} AS SELECT * FROM {quote(table)}")  # noqa: S608
                self.tables[table] = copy

    def put_back(self) -> None:
        """Copies the kept rows into each table that a flush emptied (a table that holds
        rows, as after a migrate in a test, is left as it is)."""
        connection = connections[self.alias]
        quote = connection.ops.quote_name
        refilled = []
        with transaction.atomic(using=self.alias), connection.cursor() as cursor:
            for table, copy in self.tables.items():
                cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")  # noqa: S608
                if cursor.fetchone() is None:
                    cursor.execute(f"INSERT INTO {quote(table)} SELECT * FROM {quote(copy)}")  # noqa: S608
                    refilled.append(table)
            # A flush that reset the sequences (TRUNCATE … RESTART IDENTITY on PostgreSQL) would
            # hand out the ids just copied back: each sequence goes past the highest id again.
            # SQLite moves its counter past an inserted id by itself.
            models = [model for model in apps.get_models() if model._meta.db_table in refilled]
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)

    def after_post_migrate(self, sender: AppConfig, using: str, **kwargs: Any) -> None:
        """`post_migrate` receiver in place of all others: once per flush, the rows put back."""
        if using == self.alias and sender.label == _last_app_with_models().label:
            self.put_back()


def _delete_rather_than_truncate(original: Any) -> Any:
    """PostgreSQL's flush SQL with DELETE for TRUNCATE: a test leaves a few rows, which
    DELETE removes at a fraction of the cost of TRUNCATE's new files. Foreign keys are
    checked at commit (Django makes them deferrable), so the order does not matter."""

    def sql_flush(
        self: Any, style: Any, tables: Any, *, reset_sequences: bool = False, allow_cascade: bool = False
    ) -> list[str]:
        if reset_sequences or not tables:
            return list(
                original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
            )
        return [
            "SET CONSTRAINTS ALL DEFERRED;",
            *(f"DELETE FROM {self.quote_name(table)};" for table in tables),  # noqa: S608 (Django's table names)
        ]

    return sql_flush


@contextmanager
def flushes_put_back_migrated_rows(alias: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """While open, a flush of database `alias` (every transactional and live-server test
    ends with one) puts back the rows kept when it opened, instead of running the
    post_migrate receivers (content types, permissions, data migrations) again; on
    PostgreSQL it deletes rather than truncates."""
    rows = MigratedRows(alias)
    rows.keep()
    operations = type(connections[alias].ops)
    sql_flush = operations.sql_flush
    if connections[alias].vendor == "postgresql":
        operations.sql_flush = _delete_rather_than_truncate(sql_flush)  # type: ignore[method-assign]
    with post_migrate.lock:
        receivers = post_migrate.receivers
        post_migrate.receivers = []
        post_migrate.sender_receivers_cache.clear()
    post_migrate.connect(rows.after_post_migrate, weak=False, dispatch_uid="tests.migrated_rows")
    try:
        yield
    finally:
        operations.sql_flush = sql_flush  # type: ignore[method-assign]
        with post_migrate.lock:
            post_migrate.receivers = receivers
            post_migrate.sender_receivers_cache.clear()
