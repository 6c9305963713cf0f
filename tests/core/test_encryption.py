import re

import pytest
from cryptography.fernet import Fernet
from django.core import serializers
from django.db import connection

from core.encryption import (
    CANNOT_DECRYPT,
    KEYS_MISSING,
    DecryptionError,
    EncryptionKeyError,
    decrypt,
    encrypt,
)
from registrations.models import Credential, CredentialServer

SECRET = "12345a6bcd789ef012abcd34ef5a6b"


@pytest.fixture
def credential(example_registration):
    return Credential.objects.create(
        registration=example_registration,
        server=CredentialServer.PLEO_STAGING,
        client_id="12a3b456-78c9-0d12-34e5-f678ab9bcd0e",
        client_secret=SECRET,
        secret_fingerprint="…5a6b",
    )


def raw_secret_column(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_secret FROM registrations_credential WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_database_holds_no_plaintext(credential):
    assert SECRET not in raw_secret_column(credential.pk)


def test_value_decrypts_after_reload(credential):
    assert Credential.objects.get(pk=credential.pk).client_secret == SECRET


def test_unchanged_value_keeps_its_ciphertext_on_save(credential):
    before = raw_secret_column(credential.pk)
    reloaded = Credential.objects.get(pk=credential.pk)
    reloaded.received_note = "1Password"
    reloaded.save()
    assert raw_secret_column(credential.pk) == before


def test_wrong_key_raises_instead_of_returning_ciphertext(credential, settings):
    settings.PORTAL_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    reloaded = Credential.objects.get(pk=credential.pk)
    with pytest.raises(DecryptionError, match=r"Cannot decrypt Credential\.client_secret"):
        _ = reloaded.client_secret


def test_decryption_error_does_not_carry_the_ciphertext(settings):
    token = encrypt(SECRET)
    settings.PORTAL_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(DecryptionError) as excinfo:
        decrypt(token)
    assert token not in str(excinfo.value)
    assert str(excinfo.value) == CANNOT_DECRYPT.format(label="an encrypted value")


def test_missing_keys_raise_a_clear_error(settings):
    settings.PORTAL_ENCRYPTION_KEYS = []
    with pytest.raises(EncryptionKeyError, match=re.escape(KEYS_MISSING)):
        encrypt(SECRET)


def test_old_key_still_decrypts_after_a_new_key_is_put_in_front(settings):
    token = encrypt(SECRET)
    settings.PORTAL_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.PORTAL_ENCRYPTION_KEYS]
    assert decrypt(token) == SECRET


def test_serialization_writes_ciphertext_only(credential):
    dumped = serializers.serialize("json", Credential.objects.all())
    assert SECRET not in dumped
