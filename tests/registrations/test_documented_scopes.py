"""Migration 0004 puts every scope Pleo documents in the scope catalog, with its description."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps

from core.pleo_api import catalog
from registrations.models import Scope

pytestmark = pytest.mark.django_db
migration = importlib.import_module("registrations.migrations.0004_pleo_documented_scopes")


def test_the_migration_holds_the_catalogs_scopes():
    assert [(scope.name, scope.description) for scope in catalog().scopes] == migration.DOCUMENTED_SCOPES


def test_every_documented_scope_is_in_the_scope_catalog_with_its_description():
    stored = dict(Scope.objects.values_list("name", "description"))

    assert {name: stored.get(name) for name, _ in migration.DOCUMENTED_SCOPES} == dict(
        migration.DOCUMENTED_SCOPES
    )


def test_running_it_again_changes_nothing():
    before = list(Scope.objects.values_list("name", "description", "in_staging", "in_production"))

    migration.add_documented_scopes(django_apps, None)

    assert list(Scope.objects.values_list("name", "description", "in_staging", "in_production")) == before


def test_a_managers_description_is_kept():
    Scope.objects.filter(name="vendors:read").update(description="Our own words.")

    migration.add_documented_scopes(django_apps, None)

    assert Scope.objects.get(name="vendors:read").description == "Our own words."


def test_an_empty_description_is_filled_in():
    Scope.objects.filter(name="users:read").update(description="")

    migration.add_documented_scopes(django_apps, None)

    assert Scope.objects.get(name="users:read").description == dict(migration.DOCUMENTED_SCOPES)["users:read"]


def test_reversing_removes_the_vendor_scopes_only():
    migration.remove_added_scopes(django_apps, None)

    names = set(Scope.objects.values_list("name", flat=True))
    assert not names & set(migration.ADDED)
    assert "users:read" in names
