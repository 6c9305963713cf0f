"""Issued credentials: services, rules, encryption at rest, history."""

from __future__ import annotations

import base64
import hashlib
import hmac
import sys

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.views.debug import ExceptionReporter

from core.encryption import DIGEST_KEY_INFO, DecryptionError
from core.text import TEXT_HOLDS_NUL, TEXT_HOLDS_SURROGATE
from registrations.fingerprints import FINGERPRINT_PREFIX
from registrations.models import (
    Credential,
    CredentialServer,
    CredentialStatus,
    RegistrationStatus,
    SecretDisclosure,
)
from registrations.services.credential import (
    REVEAL_FORBIDDEN,
    REVOKE_ALREADY_REVOKED,
    ROTATE_NOT_ACTIVE,
    ROTATE_UNCHANGED,
    credential_record,
    credential_revoke,
    credential_rotate,
    credential_secret_disclose,
    credential_update,
    secret_fingerprint,
)
from registrations.validators import credentials as rules
from tests.factories import (
    PLEO_CLIENT_ID,
    PLEO_CLIENT_SECRET,
    make_credential,
    make_registration,
    make_user,
)

pytestmark = pytest.mark.django_db

NEW_SECRET = "fedcba9876543210fedcba98765432"
SANDBOX_CLIENT_ID = "Xy7kQ2pL9vN4mR8sT1wZ5bC3dF6gH0jK2nP4qS6u"


def raw_column(table: str, column: str, pk_column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM {table} WHERE {pk_column} = %s",  # noqa: S608 (constants only)
            [pk],
        )
        return cursor.fetchone()[0]


def secret_rules_errors(secret: str) -> list[str]:
    try:
        rules.validate_client_secret(secret)
    except ValidationError as exc:
        return exc.messages
    return []


# Recording --------------------------------------------------------------------


def test_database_holds_no_plaintext_secret():
    credential = make_credential()
    raw = raw_column("registrations_credential", "client_secret", "id", credential.pk)
    assert PLEO_CLIENT_SECRET not in raw


def test_recorded_secret_decrypts_after_reload():
    credential = make_credential()
    assert Credential.objects.get(pk=credential.pk).client_secret == PLEO_CLIENT_SECRET


def test_record_stores_a_non_secret_fingerprint():
    credential = make_credential()
    assert credential.secret_fingerprint == secret_fingerprint(PLEO_CLIENT_SECRET)
    assert PLEO_CLIENT_SECRET not in credential.secret_fingerprint


def test_fingerprint_shows_the_last_four_characters_and_no_more():
    fingerprint = make_credential().secret_fingerprint
    assert fingerprint.endswith(" …" + PLEO_CLIENT_SECRET[-4:])
    assert PLEO_CLIENT_SECRET[-5:] not in fingerprint


def test_fingerprint_is_keyed_with_the_encryption_key(settings):
    """Without the key, a guess of the secret cannot be checked against its fingerprint."""
    first = secret_fingerprint(PLEO_CLIENT_SECRET)
    settings.PORTAL_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    second = secret_fingerprint(PLEO_CLIENT_SECRET)
    assert first.removesuffix(PLEO_CLIENT_SECRET[-4:]) != second.removesuffix(PLEO_CLIENT_SECRET[-4:])


def test_fingerprint_is_an_hmac_under_a_derived_key_not_the_fernet_key(settings):
    key = settings.PORTAL_ENCRYPTION_KEYS[0]
    fingerprint = secret_fingerprint(PLEO_CLIENT_SECRET)
    unkeyed = hashlib.sha256(PLEO_CLIENT_SECRET.encode()).hexdigest()
    under_fernet_key = hmac.new(
        base64.urlsafe_b64decode(key), PLEO_CLIENT_SECRET.encode(), hashlib.sha256
    ).hexdigest()
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=DIGEST_KEY_INFO).derive(
        base64.urlsafe_b64decode(key)
    )
    expected = hmac.new(derived, PLEO_CLIENT_SECRET.encode(), hashlib.sha256).hexdigest()
    digest = fingerprint.removeprefix(FINGERPRINT_PREFIX).split(" ")[0]
    assert expected.startswith(digest)
    assert not unkeyed.startswith(digest)
    assert not under_fernet_key.startswith(digest)


def test_first_credential_moves_registration_to_credentials_received():
    registration = make_registration(status=RegistrationStatus.SUBMITTED)
    make_credential(registration=registration)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CREDENTIALS_RECEIVED


def test_record_leaves_an_active_registration_active():
    registration = make_registration(status=RegistrationStatus.ACTIVE)
    make_credential(registration=registration)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.ACTIVE


def test_record_sets_who_recorded_it():
    manager = make_user()
    assert make_credential(recorded_by=manager).recorded_by == manager


def test_recording_again_for_the_same_server_supersedes_the_previous():
    first = make_credential()
    second = make_credential(registration=first.registration, client_secret=NEW_SECRET)
    first.refresh_from_db()
    assert (first.status, second.status) == (CredentialStatus.SUPERSEDED, CredentialStatus.ACTIVE)
    assert first.status_changed_at is not None


def test_recording_for_another_server_keeps_the_first_active():
    first = make_credential()
    make_credential(registration=first.registration, server=CredentialServer.PLEO_PRODUCTION)
    first.refresh_from_db()
    assert first.status == CredentialStatus.ACTIVE


def test_record_rejects_a_non_uuid_client_id_for_pleo():
    with pytest.raises(ValidationError) as excinfo:
        make_credential(client_id="not-a-uuid")
    assert excinfo.value.message_dict == {"client_id": [rules.CLIENT_ID_NOT_UUID]}


def test_record_accepts_the_sandbox_client_id_as_issued():
    credential = make_credential(server=CredentialServer.SANDBOX, client_id=SANDBOX_CLIENT_ID)
    assert credential.client_id == SANDBOX_CLIENT_ID


def test_record_rejects_a_secret_with_whitespace_without_echoing_it():
    with pytest.raises(ValidationError) as excinfo:
        make_credential(client_secret="0123456789 abcdef")
    assert excinfo.value.message_dict == {"client_secret": [rules.CLIENT_SECRET_WHITESPACE]}


def test_a_rejected_record_writes_nothing():
    registration = make_registration(status=RegistrationStatus.SUBMITTED)
    with pytest.raises(ValidationError):
        make_credential(registration=registration, client_id="nope")
    registration.refresh_from_db()
    assert (registration.credentials.count(), registration.status) == (0, RegistrationStatus.SUBMITTED)


# Rules --------------------------------------------------------------------------


@pytest.mark.parametrize("server", [CredentialServer.PLEO_STAGING, CredentialServer.PLEO_PRODUCTION])
def test_pleo_client_id_must_be_a_canonical_uuid(server):
    with pytest.raises(ValidationError, match=rules.CLIENT_ID_NOT_UUID):
        rules.validate_client_id("{12a3b456-78c9-0d12-34e5-f678ab9bcd0e}", server=server)


def test_pleo_client_id_accepts_the_example_uuid():
    rules.validate_client_id(PLEO_CLIENT_ID, server=CredentialServer.PLEO_PRODUCTION)


def test_client_id_is_bounded():
    with pytest.raises(ValidationError, match=rules.CLIENT_ID_TOO_LONG):
        rules.validate_client_id("x" * (rules.MAX_CLIENT_ID_LENGTH + 1), server=CredentialServer.SANDBOX)


def test_client_id_is_required():
    with pytest.raises(ValidationError, match=rules.CLIENT_ID_REQUIRED):
        rules.validate_client_id("", server=CredentialServer.SANDBOX)


def test_secret_is_required():
    assert secret_rules_errors("") == [rules.CLIENT_SECRET_REQUIRED]


@pytest.mark.parametrize(
    ("length", "errors"),
    [
        (1, [rules.CLIENT_SECRET_TOO_SHORT]),
        (rules.MIN_CLIENT_SECRET_LENGTH - 1, [rules.CLIENT_SECRET_TOO_SHORT]),
        (rules.MIN_CLIENT_SECRET_LENGTH, []),
    ],
)
def test_secret_has_a_minimum_length(length, errors):
    assert secret_rules_errors("s" * length) == errors


def test_record_refuses_a_short_secret_against_its_field():
    registration = make_registration(status=RegistrationStatus.SUBMITTED)
    with pytest.raises(ValidationError) as excinfo:
        make_credential(registration=registration, client_secret="x" * (rules.MIN_CLIENT_SECRET_LENGTH - 1))
    assert excinfo.value.message_dict == {"client_secret": [rules.CLIENT_SECRET_TOO_SHORT]}
    assert not registration.credentials.exists()


def test_rotate_refuses_a_short_secret():
    with pytest.raises(ValidationError) as excinfo:
        credential_rotate(credential=make_credential(), client_secret="short-secret")
    assert excinfo.value.message_dict == {"client_secret": [rules.CLIENT_SECRET_TOO_SHORT]}


def test_secret_is_bounded():
    assert secret_rules_errors("a" * (rules.MAX_CLIENT_SECRET_LENGTH + 1)) == [rules.CLIENT_SECRET_TOO_LONG]


@pytest.mark.parametrize(
    "secret", ["0123456789abcdef\n", "01234567\t89abcdef", " 0123456789abcdef", "01234567\x0189abcdef"]
)
def test_secret_has_no_whitespace_or_control_characters(secret):
    assert secret_rules_errors(secret) == [rules.CLIENT_SECRET_WHITESPACE]


@pytest.mark.parametrize(
    ("secret", "message"),
    [("01234567\x0089abcdef", TEXT_HOLDS_NUL), ("01234567\ud80089abcdef", TEXT_HOLDS_SURROGATE)],
    ids=["nul", "surrogate"],
)
def test_a_secret_that_cannot_be_stored_is_refused_by_the_storable_text_rule(secret, message):
    assert secret_rules_errors(secret) == [message]


# Rotation and revocation ----------------------------------------------------------


def test_rotate_records_a_new_active_credential():
    old = make_credential()
    new = credential_rotate(credential=old, client_secret=NEW_SECRET)
    assert (new.status, new.client_secret, new.client_id) == (
        CredentialStatus.ACTIVE,
        NEW_SECRET,
        PLEO_CLIENT_ID,
    )


def test_rotate_supersedes_and_keeps_the_old_credential():
    old = make_credential()
    credential_rotate(credential=old, client_secret=NEW_SECRET)
    old.refresh_from_db()
    assert old.status == CredentialStatus.SUPERSEDED
    assert Credential.objects.get(pk=old.pk).client_secret == PLEO_CLIENT_SECRET


def test_rotate_keeps_history_rows_without_a_secret_column():
    old = make_credential()
    new = credential_rotate(credential=old, client_secret=NEW_SECRET)
    history = Credential.history.model
    assert list(history.objects.filter(id=old.pk).values_list("status", flat=True)) == [
        CredentialStatus.SUPERSEDED,
        CredentialStatus.ACTIVE,
    ]
    assert history.objects.filter(id=new.pk).exists()
    with connection.cursor() as cursor:
        columns = [
            c.name
            for c in connection.introspection.get_table_description(
                cursor, "registrations_historicalcredential"
            )
        ]
    assert "client_secret" not in columns


def test_history_table_holds_no_secret():
    old = make_credential()
    credential_rotate(credential=old, client_secret=NEW_SECRET)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM registrations_historicalcredential")
        dumped = repr(cursor.fetchall())
    assert PLEO_CLIENT_SECRET not in dumped
    assert NEW_SECRET not in dumped


def test_rotate_can_change_the_client_id():
    other_id = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    new = credential_rotate(credential=make_credential(), client_secret=NEW_SECRET, client_id=other_id)
    assert new.client_id == other_id


def test_rotate_refuses_the_same_secret_and_client_id():
    with pytest.raises(ValidationError, match=ROTATE_UNCHANGED):
        credential_rotate(credential=make_credential(), client_secret=PLEO_CLIENT_SECRET)


def test_rotate_refuses_a_superseded_credential():
    old = make_credential()
    credential_rotate(credential=old, client_secret=NEW_SECRET)
    with pytest.raises(ValidationError, match=ROTATE_NOT_ACTIVE.format(status="superseded")):
        credential_rotate(credential=old, client_secret="0" * 30)


def test_revoke_marks_the_credential_revoked_and_keeps_it():
    credential = credential_revoke(credential=make_credential())
    assert Credential.objects.get(pk=credential.pk).status == CredentialStatus.REVOKED


def test_revoke_twice_is_refused():
    credential = credential_revoke(credential=make_credential())
    with pytest.raises(ValidationError, match=REVOKE_ALREADY_REVOKED):
        credential_revoke(credential=credential)


def test_revoke_works_without_the_key_the_secret_was_written_with(settings):
    credential = make_credential()
    settings.PORTAL_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    credential_revoke(credential=Credential.objects.get(pk=credential.pk))
    assert Credential.objects.get(pk=credential.pk).status == CredentialStatus.REVOKED


def test_revoke_records_who_in_history():
    manager = make_user()
    credential = credential_revoke(credential=make_credential(), revoked_by=manager)
    assert credential.history.first().history_user == manager


def test_update_never_touches_the_secret():
    credential = make_credential()
    before = raw_column("registrations_credential", "client_secret", "id", credential.pk)
    credential_update(
        credential=Credential.objects.get(pk=credential.pk),
        token_endpoint_auth_method="client_secret_post",
        received_note="1Password, again",
    )
    assert raw_column("registrations_credential", "client_secret", "id", credential.pk) == before


# Disclosure ----------------------------------------------------------------------------


def test_disclose_returns_the_secret_to_a_permitted_user(django_user_model):
    manager = make_user(is_superuser=True)
    assert credential_secret_disclose(credential=make_credential(), user=manager) == PLEO_CLIENT_SECRET


def test_disclose_writes_an_audit_record():
    manager = make_user(is_superuser=True)
    credential = make_credential()
    credential_secret_disclose(credential=credential, user=manager, remote_addr="203.0.113.7")
    disclosure = SecretDisclosure.objects.get()
    assert (disclosure.credential, disclosure.user, disclosure.kind, disclosure.remote_addr) == (
        credential,
        manager,
        SecretDisclosure.Kind.REVEAL,
        "203.0.113.7",
    )


def test_disclose_without_permission_is_denied_and_not_audited():
    with pytest.raises(PermissionDenied, match=REVEAL_FORBIDDEN):
        credential_secret_disclose(credential=make_credential(), user=make_user(is_staff=True))
    assert not SecretDisclosure.objects.exists()


def test_disclose_with_a_wrong_key_raises_and_writes_no_audit_record(settings):
    credential = make_credential()
    settings.PORTAL_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(DecryptionError):
        credential_secret_disclose(
            credential=Credential.objects.get(pk=credential.pk), user=make_user(is_superuser=True)
        )
    assert not SecretDisclosure.objects.exists()


def test_error_report_of_a_failing_record_hides_the_secret():
    # The secret is a module constant, not a local of this frame: what the
    # report could show comes from the service's frames only.
    registration = make_registration()
    try:
        credential_record(
            registration=registration,
            server=CredentialServer.PLEO_STAGING,
            client_id="x",
            client_secret=PLEO_CLIENT_SECRET,
        )
    except ValidationError:
        report = ExceptionReporter(None, *sys.exc_info()).get_traceback_html()
    assert "credential_record" in report
    assert PLEO_CLIENT_SECRET not in report
