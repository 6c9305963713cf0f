"""The one place that builds Authlib's requests client for a credential."""

from __future__ import annotations

from typing import Any

from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings

from registrations.models import Credential

from ..recording import Recorder


def oauth_session(
    credential: Credential,
    *,
    with_secret: bool = True,
    redirect_uri: str | None = None,
    token: dict[str, Any] | None = None,
    recorder: Recorder | None = None,
    kind: str = "",
) -> OAuth2Session:
    """Authlib's client for this credential: its auth method, PKCE S256, a timeout, TLS verified.

    With a recorder, every request it sends is recorded as an exchange of `kind`.
    """
    method = credential.token_endpoint_auth_method
    session = OAuth2Session(
        client_id=credential.client_id,
        # The authorize URL needs no secret: don't decrypt it for that.
        client_secret=credential.client_secret if with_secret else None,
        token_endpoint_auth_method=method if with_secret else "none",
        revocation_endpoint_auth_method=method if with_secret else "none",
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token=token,
        default_timeout=settings.PORTAL_HTTP_TIMEOUT,
    )
    session.verify = True
    # Never follow a redirect with a token or a client's credentials attached.
    session.max_redirects = 0
    if recorder is not None:
        recorder.mount(session, kind)
    return session


def request_options() -> dict[str, Any]:
    """Passed on every call as well, so that no code path depends on a default."""
    return {"timeout": settings.PORTAL_HTTP_TIMEOUT, "verify": True}
