"""A revoked or superseded credential stops working in the dashboard at once.

Every action refuses it (credential_guard), and `connections_forget_tokens`
receives `registrations.signals.credential_disabled` inside the transaction that
revokes or supersedes it: the connections' tokens are forgotten in that commit, and revoked at the server (RFC 7009) right
after it, where the server supports revocation. The revocation waits for the
commit because the server may be the built-in sandbox on this same database,
whose writes would otherwise wait for this transaction.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from core.encryption import DecryptionError
from registrations.models import Credential

from .. import errors, messages
from ..discovery import server_for
from ..models import Connection, ConnectionStatus
from .credential_guard import status_label
from .tokens import tokens_revoke

logger = logging.getLogger(__name__)


@sensitive_variables("held", "access_token", "refresh_token")
def _revoke_at_server(credential: Credential, held: list[tuple[int, str, str]]) -> None:
    # Wherever the server advertises revocation (its metadata, else the configured endpoints).
    server = server_for(credential.server)
    if server.revocation_endpoint is None:
        return
    for pk, access_token, refresh_token in held:
        reason = tokens_revoke(
            credential=credential, access_token=access_token, refresh_token=refresh_token, server=server
        )
        if reason:
            # Expected for the sandbox, which drops the client with its tokens in the same commit.
            logger.info("Revoking the tokens of connection %s at %s failed: %s", pk, server.label, reason)


@sensitive_variables("held")
def connections_forget_tokens(*, credential: Credential, **kwargs: Any) -> None:
    """Receiver of credential_disabled: forget every connection's tokens now, revoke them after the commit."""
    held = []
    # Locked: a refresh running now finishes first, and its new tokens are forgotten too.
    for connection in Connection.objects.select_for_update().filter(credential=credential):
        try:
            if connection.access_token or connection.refresh_token:
                held.append((connection.pk, connection.access_token, connection.refresh_token))
        except DecryptionError:
            logger.info("Tokens of connection %s cannot be decrypted: forgotten only.", connection.pk)
    Connection.objects.filter(credential=credential).update(
        status=ConnectionStatus.DISCONNECTED,
        access_token="",
        refresh_token="",
        expires_at=None,
        last_error_code=errors.CODE_CREDENTIAL_DISABLED.format(status=credential.status),
        last_error_description=messages.CREDENTIAL_DISABLED_TOKENS_FORGOTTEN.format(
            status=status_label(credential.status)
        ),
        updated_at=timezone.now(),
    )
    if held:
        # robust: the credential is disabled whatever the server answers.
        transaction.on_commit(lambda: _revoke_at_server(credential, held), robust=True)
