"""Credentials: record, rotate, revoke, and disclose a client secret (audited)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from ..models import (
    Credential,
    CredentialServer,
    CredentialStatus,
    Registration,
    RegistrationStatus,
    SecretDisclosure,
    TokenEndpointAuthMethod,
)

REVEAL_PERMISSION = "registrations.reveal_credential_secret"
REVEAL_FORBIDDEN = "You do not have permission to reveal client secrets."


def secret_fingerprint(secret: str) -> str:
    """Non-secret: a short hash prefix plus the last four characters."""
    digest = hashlib.sha256(secret.encode()).hexdigest()[:8]
    return f"sha256:{digest} …{secret[-4:]}" if len(secret) >= 12 else f"sha256:{digest}"


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
    """Record a new active credential; any active one of the same server is superseded."""
    credential = Credential(
        registration=registration,
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
    for previous in registration.credentials.select_for_update().filter(
        server=server, status=CredentialStatus.ACTIVE
    ):
        previous.status = CredentialStatus.SUPERSEDED
        previous.status_changed_at = now
        previous.save(update_fields=["status", "status_changed_at"])
    credential.save()
    if registration.status in (
        RegistrationStatus.DRAFT,
        RegistrationStatus.READY,
        RegistrationStatus.SUBMITTED,
    ):
        registration.status = RegistrationStatus.CREDENTIALS_RECEIVED
        registration.save(update_fields=["status", "updated_at"])
    return credential


def credential_secret_disclose(
    *,
    credential: Credential,
    user: Any,
    kind: str = SecretDisclosure.Kind.REVEAL,
    remote_addr: str | None = None,
) -> str:
    """Return the plaintext secret to a permitted user, writing an audit record first."""
    if not user.has_perm(REVEAL_PERMISSION):
        raise PermissionDenied(REVEAL_FORBIDDEN)
    SecretDisclosure.objects.create(credential=credential, user=user, kind=kind, remote_addr=remote_addr)
    return credential.client_secret


__all__ = [
    "REVEAL_FORBIDDEN",
    "REVEAL_PERMISSION",
    "CredentialServer",
    "credential_record",
    "credential_secret_disclose",
    "secret_fingerprint",
]
