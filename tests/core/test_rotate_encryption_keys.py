"""`manage.py rotate_encryption_keys`."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import connection

from core.encryption import decrypt
from core.management.commands.rotate_encryption_keys import (
    CANNOT_DECRYPT_ROW,
    MODEL_LINE,
    TOTAL_LINE,
    encrypted_models,
)
from registrations.fingerprints import RECOMPUTED_LINE, secret_fingerprint
from registrations.models import Credential
from tests.factories import PLEO_CLIENT_SECRET, make_credential, make_registration

pytestmark = pytest.mark.django_db

OTHER_SECRET = "fedcba9876543210fedcba98765432"


def raw_secret(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_secret FROM registrations_credential WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def rotate(*args: str) -> str:
    out = StringIO()
    call_command("rotate_encryption_keys", *args, stdout=out)
    return out.getvalue()


def put_new_key_in_front(settings) -> str:
    """After the values are written: a new key in front, the old one kept to decrypt."""
    key = Fernet.generate_key().decode()
    settings.PORTAL_ENCRYPTION_KEYS = [key, *settings.PORTAL_ENCRYPTION_KEYS]
    return key


def test_every_encrypted_field_of_every_app_is_found():
    labels = {model._meta.label for model, _ in encrypted_models()}
    assert "registrations.Credential" in labels


def test_rotation_changes_the_stored_ciphertext(settings):
    credential = make_credential()
    before = raw_secret(credential.pk)
    put_new_key_in_front(settings)
    rotate()
    assert raw_secret(credential.pk) != before


def test_rotated_value_decrypts_with_the_new_key_alone(settings):
    credential = make_credential()
    new_key = put_new_key_in_front(settings)
    rotate()
    settings.PORTAL_ENCRYPTION_KEYS = [new_key]
    assert decrypt(raw_secret(credential.pk)) == PLEO_CLIENT_SECRET


def test_everything_still_decrypts_through_the_model_after_rotation(settings):
    first = make_credential()
    second = make_credential(registration=make_registration(), client_secret=OTHER_SECRET)
    new_key = put_new_key_in_front(settings)
    rotate("--batch-size", "1")
    settings.PORTAL_ENCRYPTION_KEYS = [new_key]
    assert [Credential.objects.get(pk=c.pk).client_secret for c in (first, second)] == [
        PLEO_CLIENT_SECRET,
        OTHER_SECRET,
    ]


def test_rotation_reports_rows_changed_per_model_and_in_total(settings):
    for _ in range(3):
        make_credential(registration=make_registration())
    put_new_key_in_front(settings)
    out = rotate("--batch-size", "2")
    assert MODEL_LINE.format(model="registrations.Credential", changed=3, total=3) in out
    assert TOTAL_LINE.format(changed=3) in out


def test_rotation_is_idempotent(settings):
    credential = make_credential()
    put_new_key_in_front(settings)
    rotate()
    after_first = raw_secret(credential.pk)
    out = rotate()
    assert raw_secret(credential.pk) == after_first
    assert TOTAL_LINE.format(changed=0) in out


def test_values_already_under_the_newest_key_are_not_touched():
    credential = make_credential()
    before = raw_secret(credential.pk)
    out = rotate()
    assert (raw_secret(credential.pk), TOTAL_LINE.format(changed=0) in out) == (before, True)


def test_a_value_no_key_opens_fails_naming_the_row_not_the_ciphertext(settings):
    credential = make_credential()
    ciphertext = raw_secret(credential.pk)
    settings.PORTAL_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError) as excinfo:
        rotate()
    message = str(excinfo.value)
    assert message == CANNOT_DECRYPT_ROW.format(
        model="registrations.Credential", field="client_secret", pk=credential.pk
    )
    assert ciphertext not in message


def test_a_value_no_key_opens_exits_non_zero(settings, capsys):
    make_credential()
    settings.PORTAL_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(SystemExit) as excinfo:
        ManagementUtility(["manage.py", "rotate_encryption_keys"]).execute()
    assert excinfo.value.code != 0
    assert "registrations.Credential.client_secret" in capsys.readouterr().err


def test_missing_keys_are_a_command_error(settings):
    settings.PORTAL_ENCRYPTION_KEYS = []
    with pytest.raises(CommandError):
        rotate()


def test_rotation_recomputes_fingerprints_under_the_new_key(settings):
    credential = make_credential()
    before = credential.secret_fingerprint
    put_new_key_in_front(settings)
    output = rotate()
    after = Credential.objects.get(pk=credential.pk).secret_fingerprint
    assert after == secret_fingerprint(PLEO_CLIENT_SECRET) != before
    assert RECOMPUTED_LINE.format(changed=1, total=1) in output


def test_rotation_recomputes_the_fingerprints_kept_in_history(settings):
    credential = make_credential()
    put_new_key_in_front(settings)
    rotate()
    history = Credential.history.model.objects.filter(id=credential.pk)
    assert set(history.values_list("secret_fingerprint", flat=True)) == {
        secret_fingerprint(PLEO_CLIENT_SECRET)
    }


def test_fingerprints_stay_stable_when_the_old_key_is_dropped(settings):
    credential = make_credential()
    new_key = put_new_key_in_front(settings)
    rotate()
    settings.PORTAL_ENCRYPTION_KEYS = [new_key]
    assert Credential.objects.get(pk=credential.pk).secret_fingerprint == secret_fingerprint(
        PLEO_CLIENT_SECRET
    )
    assert RECOMPUTED_LINE.format(changed=0, total=1) in rotate()
