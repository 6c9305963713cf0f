"""Credentials: record, rotate, revoke, update, and disclose a client secret (audited).

Nothing here ever deletes a credential: rotation supersedes, revocation marks.
Both send `signals.credential_disabled` inside their transaction, so that the
dashboard and the sandbox stop using the credential in the same commit.
Every function that holds a plaintext secret is wrapped in
`sensitive_variables()` (all locals), which also hides the locals of every
frame it calls in Django's error reports.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from core.encryption import Ciphertext

from ..fingerprints import secret_fingerprint
from ..models import (
    Credential,
    CredentialServer,
    CredentialStatus,
    Registration,
    RegistrationStatus,
    SecretDisclosure,
    TokenEndpointAuthMethod,
)
from ..notifications import status_change_queue
from ..signals import credential_disabled
from .history import set_history_user

logger = logging.getLogger(__name__)

REVEAL_PERMISSION = "registrations.reveal_credential_secret"
REVEAL_FORBIDDEN = "You do not have permission to reveal client secrets."
ROTATE_NOT_ACTIVE = "Only an active credential can be rotated; this one is {status}."
ROTATE_UNCHANGED = (
    "The new client ID and secret are the same as the current ones: there is nothing to rotate."
)
REVOKE_ALREADY_REVOKED = "This credential is already revoked."
NO_CREDENTIAL_FOR_SECRET = (
    "This registration has no active credential, so there is no client secret to include."
)

# Registration statuses that recording a first credential moves on to "credentials received".
_AWAITING_CREDENTIALS = (
    RegistrationStatus.DRAFT,
    RegistrationStatus.READY,
    RegistrationStatus.SUBMITTED,
)


def _full_clean(credential: Credential) -> None:
    # A stored secret that is not being changed is not decrypted to be
    # validated: revoking must work even when its key is gone.
    stored = isinstance(credential.__dict__.get("client_secret"), Ciphertext)
    credential.full_clean(exclude=["client_secret"] if stored else None)


@sensitive_variables()
@transaction.atomic
def credential_record(
    *,
    registration: Registration,
    server: str,
    client_id: str,
    client_secret: str,
    token_endpoint_auth_method: str = TokenEndpointAuthMethod.CLIENT_SECRET_BASIC,
    received_note: str = "",
    recorded_by: Any = None,
) -> Credential:
    """Record a new active credential; any active one of the same server is superseded.

    The first credential moves a draft/ready/submitted registration to
    "credentials received".
    """
    # Lock the registration: two concurrent records for it must not both stay active.
    locked = Registration.objects.select_for_update().get(pk=registration.pk)
    credential = Credential(
        registration=locked,
        server=server,
        client_id=client_id,
        client_secret=client_secret,
        secret_fingerprint=secret_fingerprint(client_secret),
        token_endpoint_auth_method=token_endpoint_auth_method,
        received_note=received_note,
        recorded_by=recorded_by,
    )
    credential.full_clean()
    now = timezone.now()
    superseded = list(locked.credentials.filter(server=server, status=CredentialStatus.ACTIVE))
    for previous in superseded:
        previous.status = CredentialStatus.SUPERSEDED
        previous.status_changed_at = now
        _full_clean(previous)
        set_history_user(previous, recorded_by)
        previous.save(update_fields=["status", "status_changed_at"])
    set_history_user(credential, recorded_by)
    credential.save()
    for previous in superseded:
        credential_disabled.send(sender=Credential, credential=previous)
    if locked.status in _AWAITING_CREDENTIALS:
        previous_status = locked.status
        locked.status = RegistrationStatus.CREDENTIALS_RECEIVED
        locked.save(update_fields=["status", "updated_at"])
        status_change_queue(registration=locked, from_status=previous_status, by=recorded_by)
    # The caller's instance reflects the new status without a reload.
    registration.status = locked.status
    credential.registration = registration
    logger.info(
        "Credential %s recorded for registration %s (%s, fingerprint %s).",
        credential.pk,
        locked.pk,
        server,
        credential.secret_fingerprint,
    )
    return credential


@sensitive_variables()
@transaction.atomic
def credential_rotate(
    *,
    credential: Credential,
    client_secret: str,
    client_id: str | None = None,
    token_endpoint_auth_method: str | None = None,
    received_note: str = "",
    recorded_by: Any = None,
) -> Credential:
    """Record the new secret (and client ID, if it changed) as a new credential;
    the rotated one is superseded and kept."""
    current = Credential.objects.select_for_update().get(pk=credential.pk)
    if current.status != CredentialStatus.ACTIVE:
        raise ValidationError(
            ROTATE_NOT_ACTIVE.format(status=current.get_status_display().lower()), code="not_active"
        )
    new_client_id = client_id or current.client_id
    if new_client_id == current.client_id and hmac.compare_digest(
        client_secret.encode(), current.client_secret.encode()
    ):
        raise ValidationError(ROTATE_UNCHANGED, code="unchanged")
    rotated = credential_record(
        registration=current.registration,
        server=current.server,
        client_id=new_client_id,
        client_secret=client_secret,
        token_endpoint_auth_method=token_endpoint_auth_method or current.token_endpoint_auth_method,
        received_note=received_note,
        recorded_by=recorded_by,
    )
    credential.refresh_from_db(fields=["status", "status_changed_at"])
    return rotated


@transaction.atomic
def credential_revoke(*, credential: Credential, revoked_by: Any = None) -> Credential:
    """Mark a credential revoked (e.g. Pleo revoked it, or it leaked). It stays recorded."""
    locked = Credential.objects.select_for_update().get(pk=credential.pk)
    if locked.status == CredentialStatus.REVOKED:
        raise ValidationError(REVOKE_ALREADY_REVOKED, code="already_revoked")
    credential.status = CredentialStatus.REVOKED
    credential.status_changed_at = timezone.now()
    _full_clean(credential)
    set_history_user(credential, revoked_by)
    credential.save(update_fields=["status", "status_changed_at"])
    credential_disabled.send(sender=Credential, credential=credential)
    logger.info("Credential %s revoked.", credential.pk)
    return credential


@transaction.atomic
def credential_update(
    *,
    credential: Credential,
    token_endpoint_auth_method: str,
    received_note: str,
    updated_by: Any = None,
) -> Credential:
    """Change what may change in place. The secret and client ID never do: rotate instead."""
    credential.token_endpoint_auth_method = token_endpoint_auth_method
    credential.received_note = received_note
    _full_clean(credential)
    set_history_user(credential, updated_by)
    credential.save(update_fields=["token_endpoint_auth_method", "received_note"])
    return credential


@sensitive_variables()
@transaction.atomic
def credential_secret_disclose(
    *,
    credential: Credential,
    user: Any,
    kind: str = SecretDisclosure.Kind.REVEAL,
    remote_addr: str | None = None,
) -> str:
    """Return the plaintext secret to a permitted user and write the audit record.

    Decrypting first and auditing in the same transaction: the record exists
    exactly when the secret was handed out (a key error writes nothing).
    """
    if not user.has_perm(REVEAL_PERMISSION):
        raise PermissionDenied(REVEAL_FORBIDDEN)
    secret = credential.client_secret
    disclosure = SecretDisclosure(
        credential=credential, user=user, kind=kind, remote_addr=remote_addr or None
    )
    disclosure.full_clean()
    disclosure.save()
    logger.info(
        "Secret of credential %s disclosed to user %s (%s) from %s.",
        credential.pk,
        user.pk,
        kind,
        remote_addr or "-",
    )
    return secret


@sensitive_variables()
def credential_secret_disclose_for_export(
    *, credential: Credential | None, user: Any, remote_addr: str | None = None
) -> str:
    """The plaintext secret for a Postman environment file: permission-checked and audited
    (PermissionDenied without the reveal permission; LookupError without a credential)."""
    if credential is None:
        raise LookupError(NO_CREDENTIAL_FOR_SECRET)
    return credential_secret_disclose(
        credential=credential,
        user=user,
        kind=SecretDisclosure.Kind.POSTMAN_EXPORT,
        remote_addr=remote_addr,
    )


__all__ = [
    "NO_CREDENTIAL_FOR_SECRET",
    "REVEAL_FORBIDDEN",
    "REVEAL_PERMISSION",
    "REVOKE_ALREADY_REVOKED",
    "ROTATE_NOT_ACTIVE",
    "ROTATE_UNCHANGED",
    "CredentialServer",
    "credential_record",
    "credential_revoke",
    "credential_rotate",
    "credential_secret_disclose",
    "credential_secret_disclose_for_export",
    "credential_update",
    "secret_fingerprint",
]
