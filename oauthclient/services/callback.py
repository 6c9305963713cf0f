"""What the portal knows about its callback URL at a client's server.

The dashboard connects through its own callback only when it has reason to believe
the server sends browsers back to it; otherwise it offers the manual path.
"""

from __future__ import annotations

from typing import Any

from registrations.models import Credential, CredentialServer

from ..models import CallbackKnowledge, CallbackStatement
from ..selectors import dashboard_callback_url


def credential_redirect_uris(credential: Credential) -> list[str]:
    """Redirect URIs registered for the credential's client."""
    return [uri for uri in credential.registration.redirect_uris if isinstance(uri, str)]


def callback_knowledge(credential: Credential) -> CallbackKnowledge:
    """Why the portal believes the server sends browsers back to its callback, or UNKNOWN.

    Sandbox issuance registers the portal's callback with every sandbox client, on
    top of the registration's own URIs; a client registered elsewhere may have it
    too, which a developer can state, or which a successful round trip shows.
    """
    if credential.server == CredentialServer.SANDBOX:
        return CallbackKnowledge.SANDBOX
    callback_url = dashboard_callback_url()
    if callback_url in credential_redirect_uris(credential):
        return CallbackKnowledge.IN_REGISTRATION
    statement = CallbackStatement.objects.filter(credential=credential, callback_url=callback_url).first()
    return CallbackKnowledge(statement.source) if statement is not None else CallbackKnowledge.UNKNOWN


def callback_registered(credential: Credential) -> bool:
    """Whether the portal has reason to believe the server will send the browser back here."""
    return callback_knowledge(credential) != CallbackKnowledge.UNKNOWN


def callback_statement_record(*, credential: Credential, user: Any, source: str) -> CallbackStatement:
    """Remember that the portal's callback is registered at the credential's server."""
    statement = CallbackStatement.objects.filter(credential=credential).first() or CallbackStatement(
        credential=credential
    )
    statement.callback_url = dashboard_callback_url()
    statement.source = source
    statement.user = user
    statement.full_clean()
    statement.save()
    return statement
