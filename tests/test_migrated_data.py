"""No test depends on the order tests run in: a flush leaves the database as migrations left it."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS

from registrations.models import Scope

from .migrated_data import reseed


def migrated_rows() -> tuple[list[tuple[str, str]], dict[str, list[str]]]:
    scopes = list(Scope.objects.order_by("name").values_list("name", "description"))
    groups = {
        group.name: sorted(group.permissions.values_list("codename", flat=True))
        for group in Group.objects.order_by("name")
    }
    return scopes, groups


@pytest.mark.django_db(transaction=True)
def test_a_flush_leaves_the_scope_catalog_and_the_groups_as_migrations_made_them() -> None:
    before = migrated_rows()
    assert all(before), "migrations seed both"

    # What every transactional or live-server test does when it ends.
    call_command("flush", interactive=False, verbosity=0)

    assert migrated_rows() == before


@pytest.mark.django_db(transaction=True)
def test_a_row_added_after_a_flush_that_reset_the_sequences_gets_an_id_of_its_own() -> None:
    # The flush command resets the sequences (TRUNCATE … RESTART IDENTITY on PostgreSQL), then
    # the migrated rows come back with their ids.
    call_command("flush", interactive=False, verbosity=0)
    highest = max(Scope.objects.values_list("pk", flat=True))

    scope = Scope.objects.create(name="things:read", description="Read things")

    assert scope.pk > highest


@pytest.mark.django_db(transaction=True)
def test_data_migrations_can_run_again_without_adding_rows() -> None:
    before = migrated_rows()

    reseed(DEFAULT_DB_ALIAS)

    assert migrated_rows() == before


def test_flushed_rows_come_back_in_the_next_test_too(transactional_db: Any) -> None:
    # Whatever ran before (with random order, a live-server test may have), the catalog is there.
    assert Scope.objects.filter(name="users:read").exists()
    assert Group.objects.filter(name="Developers").exists()
