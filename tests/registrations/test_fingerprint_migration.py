"""Migration 0007 replaces the unkeyed secret fingerprints with keyed ones, history included."""

from __future__ import annotations

import hashlib
import importlib

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core.encryption import EncryptionKeyError
from registrations.fingerprints import secret_fingerprint
from registrations.models import Credential
from tests.factories import PLEO_CLIENT_SECRET, make_credential

pytestmark = pytest.mark.django_db

MIGRATION = "0007_keyed_secret_fingerprints"
migration = importlib.import_module(f"registrations.migrations.{MIGRATION}")
UNKEYED = f"sha256:{hashlib.sha256(PLEO_CLIENT_SECRET.encode()).hexdigest()[:8]} …{PLEO_CLIENT_SECRET[-4:]}"


def run_migration() -> None:
    state_apps = MigrationExecutor(connection).loader.project_state([("registrations", MIGRATION)]).apps
    migration.recompute(state_apps, None)


def stored_fingerprints() -> set[str]:
    history = Credential.history.model.objects.values_list("secret_fingerprint", flat=True)
    return {*Credential.objects.values_list("secret_fingerprint", flat=True), *history}


@pytest.fixture
def unkeyed_credential() -> Credential:
    credential = make_credential()
    Credential.objects.update(secret_fingerprint=UNKEYED)
    Credential.history.model.objects.update(secret_fingerprint=UNKEYED)
    return credential


def test_unkeyed_fingerprints_are_replaced_in_credentials_and_history(unkeyed_credential):
    run_migration()
    assert stored_fingerprints() == {secret_fingerprint(PLEO_CLIENT_SECRET)}


def test_without_keys_the_migration_stops_and_changes_nothing(unkeyed_credential, settings):
    settings.PORTAL_ENCRYPTION_KEYS = []
    with pytest.raises(EncryptionKeyError, match="Set the keys and run migrate again"):
        run_migration()
    assert stored_fingerprints() == {UNKEYED}


def test_without_credentials_the_migration_needs_no_keys(settings):
    settings.PORTAL_ENCRYPTION_KEYS = []
    run_migration()
    assert not Credential.objects.exists()


def test_a_secret_no_key_opens_loses_its_unkeyed_fingerprint(unkeyed_credential, settings):
    settings.PORTAL_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    run_migration()
    assert stored_fingerprints() == {""}
