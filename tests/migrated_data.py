"""The rows the project's data migrations create (scope catalog, groups), put back after every flush.

Transactional and live-server tests end with a flush of every table; Django then
emits `post_migrate`, which re-creates content types and permissions but not
what data migrations wrote. Left like that, a later test (or the next run with
`--reuse-db`) finds an empty scope catalog and no groups. Here every `RunPython`
step of the project's own migrations runs again after each `post_migrate`, with
the historical models it was written for, so the database always looks freshly
migrated. Data migrations must therefore be idempotent (`get_or_create`, `add`),
which a test checks by running them twice.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.special import RunPython
from django.db.migrations.state import StateApps


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
