"""Issue sandbox credentials for a registration: register it in the built-in sandbox, record it.

In process only (services.py), never over HTTP to the portal itself:
with a single worker that request would wait on itself.

Re-issuing rotates: credential_record supersedes the previous sandbox credential,
and the sandbox clients of this registration's earlier sandbox credentials are
deleted, with their grants and tokens, so an old secret or token stops working
at once (the sandbox is for testing; a clean cut is easier to reason about than
a grace period). Revoking or superseding a sandbox credential any other way does
the same, in the same transaction (`sandbox_client_disable`, a receiver of
registrations' `credential_disabled`).

Showing the new secret is a disclosure like a reveal: pages and commands that
show it use `credential_issue_sandbox_disclosed`, which checks the reveal
permission and writes the audit record in the issuing transaction.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from oauthclient.selectors import dashboard_callback_url
from registrations.metadata import registration_to_client_metadata
from registrations.models import (
    Credential,
    CredentialServer,
    Registration,
    RegistrationStatus,
    SecretDisclosure,
    TokenEndpointAuthMethod,
)
from registrations.services.credential import credential_record, credential_secret_disclose

from .services import (
    SandboxRegistrationError,
    sandbox_client_delete,
    sandbox_client_register,
)

ISSUE_ENDED = "“{registration}” is {status}: sandbox credentials are not issued for it."
ISSUE_INVALID = "“{registration}” cannot be registered in the sandbox: {description}"
RECEIVED_NOTE = "Issued by the built-in sandbox, {date}"

_ENDED = (RegistrationStatus.REVOKED, RegistrationStatus.ARCHIVED)


@sensitive_variables()
@transaction.atomic
def credential_issue_sandbox(*, registration: Registration, issued_by: Any = None) -> tuple[Credential, str]:
    """Register the client in the sandbox and record the credential.

    Returns the credential and the plaintext secret, to be shown once. Raises
    ValidationError when the registration is ended or the sandbox refuses it.
    """
    if registration.status in _ENDED:
        raise ValidationError(
            ISSUE_ENDED.format(registration=registration, status=registration.get_status_display().lower())
        )
    try:
        client = sandbox_client_register(
            metadata=registration_to_client_metadata(registration),
            # The dashboard's callback: every sandbox client may redirect there.
            extra_redirect_uris=[dashboard_callback_url()],
        )
    except SandboxRegistrationError as exc:
        raise ValidationError(
            ISSUE_INVALID.format(registration=registration, description=exc.description)
        ) from None
    credential = credential_record(
        registration=registration,
        server=CredentialServer.SANDBOX,
        client_id=client.client_id,
        client_secret=client.client_secret,
        token_endpoint_auth_method=TokenEndpointAuthMethod.CLIENT_SECRET_BASIC,
        received_note=RECEIVED_NOTE.format(date=timezone.localdate().isoformat()),
        recorded_by=issued_by,
    )
    # Read after credential_record, which holds the registration's row lock: a
    # concurrent issue's credential is then visible here and its client removed too.
    earlier = (
        registration.credentials.filter(server=CredentialServer.SANDBOX)
        .exclude(pk=credential.pk)
        .values_list("client_id", flat=True)
    )
    sandbox_client_delete(client_ids=list(earlier))
    return credential, client.client_secret


@sensitive_variables()
@transaction.atomic
def credential_issue_sandbox_disclosed(
    *, registration: Registration, issued_by: Any, remote_addr: str | None = None
) -> tuple[Credential, str]:
    """Issue sandbox credentials and hand out the new secret to be shown to `issued_by` once.

    Needs the reveal permission (PermissionDenied otherwise, and nothing is issued); the
    disclosure (kind "issue") is audited in the same transaction as the issuing.
    """
    credential, _secret = credential_issue_sandbox(registration=registration, issued_by=issued_by)
    secret = credential_secret_disclose(
        credential=credential,
        user=issued_by,
        kind=SecretDisclosure.Kind.ISSUE,
        remote_addr=remote_addr,
    )
    return credential, secret


def sandbox_client_disable(*, credential: Credential, **kwargs: Any) -> None:
    """Receiver of credential_disabled: a revoked or superseded sandbox credential's client is
    deleted, with its grants and tokens, in the transaction that disabled it."""
    if credential.server == CredentialServer.SANDBOX:
        sandbox_client_delete(client_ids=[credential.client_id])
