"""The one guard in front of every dashboard action that uses a connection's credential.

Test calls, refresh and introspection call `connection_require_usable_credential`
first; it reads the credential's status fresh from the database, so a credential
revoked or superseded a moment ago is refused even by a request that loaded it before.
"""

from __future__ import annotations

from registrations.models import Credential, CredentialStatus

from .. import errors, messages
from ..errors import OAuthClientError
from ..models import Connection


def status_label(status: str) -> str:
    return CredentialStatus(status).label.lower()


def connection_require_usable_credential(connection: Connection, *, loaded_now: bool = False) -> None:
    """Raise unless the connection's credential is active (as saved now, not as loaded earlier).

    `loaded_now`: the caller read the credential with the connection in this same request, a
    moment ago (the console's views do): its status is as fresh as another read would be.
    """
    status: str | None
    if loaded_now:
        status = connection.credential.status
    else:
        status = (
            Credential.objects.filter(pk=connection.credential_id).values_list("status", flat=True).first()
        )
    if status != CredentialStatus.ACTIVE:
        status = status or CredentialStatus.REVOKED
        raise OAuthClientError(
            messages.CREDENTIAL_DISABLED.format(status=status_label(status)),
            code=errors.CODE_CREDENTIAL_DISABLED.format(status=status),
        )
