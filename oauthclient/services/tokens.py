"""Tokens: refresh (the one place that spends a refresh token), introspection, revocation
and disconnect, and what a connection stores from a token answer.

Authlib's requests client does the protocol; these functions decide what is stored,
when, and under which lock (locks.connection_locked).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from core.redaction import redact_data
from registrations.models import Credential

from .. import errors, messages
from ..discovery import DiscoveredServer, server_for
from ..errors import OAuthClientError
from ..locks import connection_locked
from ..models import Connection, ConnectionStatus, ExchangeKind
from ..recording import Recorder
from ._http import oauth_session, request_options
from .credential_guard import connection_require_usable_credential

logger = logging.getLogger(__name__)

# Anything the transport or Authlib raises for a failed exchange.
TRANSPORT_ERRORS = (requests.exceptions.RequestException, AuthlibBaseError, ValueError)


def _expires_at(token: Mapping[str, Any]) -> datetime | None:
    # Authlib turns expires_in into an absolute epoch `expires_at` when it parses the answer.
    expires_at = token.get("expires_at")
    if isinstance(expires_at, int | float) and not isinstance(expires_at, bool):
        return datetime.fromtimestamp(expires_at, tz=UTC)
    return None


@sensitive_variables("token", "access_token", "refresh_token")
def token_fields(
    token: Mapping[str, Any], *, server: DiscoveredServer, requested_scope: str
) -> dict[str, Any]:
    """What a connection stores from a token answer, after checking it is usable."""
    access_token = token.get("access_token")
    token_type = str(token.get("token_type") or "")
    problem = ""
    if not isinstance(access_token, str) or not access_token:
        problem = "no access_token"
    elif token_type.lower() != "bearer":
        problem = f"token_type {errors.clean_code(token_type)!s} is not Bearer"
    if problem:
        raise OAuthClientError(
            messages.TOKEN_RESPONSE_INVALID.format(
                server=server.label, code=errors.CODE_INVALID_TOKEN_RESPONSE, description=problem
            ),
            code=errors.CODE_INVALID_TOKEN_RESPONSE,
            description=problem,
        )
    refresh_token = token.get("refresh_token")
    return {
        "access_token": access_token,
        "refresh_token": refresh_token if isinstance(refresh_token, str) else "",
        "token_type": "Bearer",
        # RFC 6749 §5.1: an omitted scope means the requested one was granted.
        "scope": str(token.get("scope") or requested_scope)[:2000],
        "expires_at": _expires_at(token),
    }


def token_values(token: Mapping[str, Any]) -> list[str]:
    """The credential values of a token answer, for the recorder to mask wherever they turn up."""
    return [str(token.get(name) or "") for name in ("access_token", "refresh_token", "id_token")]


def _refresh_failed(connection: Connection, error: OAuthClientError) -> OAuthClientError:
    if error.code == "invalid_client":
        # The server refused the client, not the grant: the refresh token was not
        # spent, so it is kept, and the recorded secret is what needs fixing.
        connection.last_error_code = error.code
        connection.last_error_description = messages.REFRESH_CLIENT_REFUSED
        connection.save()
        logger.info("Refresh refused the client for connection %s", connection.pk)
        return OAuthClientError(
            messages.REFRESH_CLIENT_REFUSED, code=error.code, description=error.description
        )
    # Terminal: with rotation, a refresh token that may have been spent must never be re-sent.
    connection.status = ConnectionStatus.NEEDS_REAUTHORIZATION
    connection.access_token = ""
    connection.refresh_token = ""
    connection.expires_at = None
    connection.last_error_code = error.code
    connection.last_error_description = error.message
    connection.save()
    logger.info("Refresh failed for connection %s: %s", connection.pk, error.code)
    return OAuthClientError(
        messages.NEEDS_REAUTHORIZATION.format(reason=error.message),
        code=error.code,
        description=error.description,
    )


def _recorder_for(connection: Connection) -> Recorder:
    """A recorder that knows the connection's secret values, whatever the server echoes."""
    return Recorder(
        secrets=[connection.credential.client_secret, connection.access_token, connection.refresh_token]
    )


@sensitive_variables("token", "fields")
def connection_refresh(
    *, connection: Connection, force: bool = False, stale_access_token: str | None = None
) -> Connection:
    """Refresh the tokens: the one place that spends a refresh token.

    Runs under a row lock. When the lock is granted the row is read again: if
    another worker refreshed meanwhile (the token is no longer expired, or no
    longer the `stale_access_token` the caller saw rejected) nothing is sent.
    `force` refreshes a token that has not expired (the "refresh now" button).
    Both new tokens are saved in the same transaction; a failure marks the
    connection as needing re-authorization and raises the server's error, except
    `invalid_client`, which keeps the refresh token the server never accepted.
    """
    failure: OAuthClientError | None = None
    with connection_locked(connection.pk) as locked:
        connection_require_usable_credential(locked)
        if locked.status != ConnectionStatus.CONNECTED:
            reason = messages.NOT_CONNECTED
            if locked.status == ConnectionStatus.NEEDS_REAUTHORIZATION and locked.last_error_description:
                # The stored reason alone may say "try again later": retrying cannot help now.
                reason = messages.NEEDS_REAUTHORIZATION.format(reason=locked.last_error_description)
            raise OAuthClientError(reason, code=locked.last_error_code or errors.CODE_NOT_CONNECTED)
        if stale_access_token is not None and locked.access_token != stale_access_token:
            return locked
        if not force and stale_access_token is None and not locked.is_expired():
            return locked
        if not locked.refresh_token:
            failure = _refresh_failed(
                locked,
                OAuthClientError(messages.NO_REFRESH_TOKEN, code=errors.CODE_NO_REFRESH_TOKEN),
            )
        else:
            recorder = _recorder_for(locked)
            server = server_for(locked.credential.server, recorder=recorder)
            try:
                with oauth_session(locked.credential, recorder=recorder, kind=ExchangeKind.REFRESH) as client:
                    token = client.refresh_token(
                        server.token_endpoint, refresh_token=locked.refresh_token, **request_options()
                    )
                recorder.remember(*token_values(token))
                fields = token_fields(token, server=server, requested_scope=locked.scope)
            except (*TRANSPORT_ERRORS, OAuthClientError) as exc:
                failure = _refresh_failed(
                    locked,
                    errors.error_from_exception(exc, server=server.label, url=server.token_endpoint),
                )
            else:
                for name, value in fields.items():
                    setattr(locked, name, value)
                locked.refreshed_at = timezone.now()
                locked.refresh_count += 1
                locked.last_error_code = ""
                locked.last_error_description = ""
                locked.save()
                logger.info("Connection %s refreshed", locked.pk)
            recorder.save(connection=locked)
    if failure is not None:
        # Raised after the commit: the needs-re-authorization mark must stick.
        raise failure
    return locked


def _json_answer(response: requests.Response, *, server: DiscoveredServer) -> dict[str, Any]:
    if response.status_code >= 500:
        response.raise_for_status()
    try:
        data = response.json()
    except ValueError:
        raise errors.not_json(server=server.label, status=response.status_code) from None
    if not isinstance(data, dict):
        raise errors.not_json(server=server.label, status=response.status_code)
    if data.get("error"):
        raise errors.oauth_error(data["error"], data.get("error_description", ""))
    if response.status_code >= 400:
        response.raise_for_status()
    return data


@sensitive_variables("response", "data")
def connection_introspect(*, connection: Connection) -> dict[str, Any]:
    """RFC 7662 introspection of the access token (client authenticates as for the token endpoint).

    Returns the server's answer with token values masked (the words about them,
    such as token_type, stay).
    """
    connection_require_usable_credential(connection)
    if not connection.is_connected:
        raise OAuthClientError(messages.NOT_CONNECTED, code=errors.CODE_NOT_CONNECTED)
    recorder = _recorder_for(connection)
    server = server_for(connection.credential.server, recorder=recorder)
    try:
        if server.introspection_endpoint is None:
            raise OAuthClientError(messages.NO_INTROSPECTION.format(server=server.label), code="unsupported")
        with oauth_session(
            connection.credential, recorder=recorder, kind=ExchangeKind.INTROSPECTION
        ) as client:
            response = client.introspect_token(
                server.introspection_endpoint,
                token=connection.access_token,
                token_type_hint="access_token",
                **request_options(),
            )
        data = _json_answer(response, server=server)
    except TRANSPORT_ERRORS as exc:
        raise errors.error_from_exception(
            exc, server=server.label, url=server.introspection_endpoint
        ) from None
    finally:
        recorder.save(connection=connection)
    return dict(redact_data(data))


@sensitive_variables("access_token", "refresh_token", "tokens", "token")
def tokens_revoke(
    *,
    credential: Credential,
    access_token: str,
    refresh_token: str,
    server: DiscoveredServer,
    recorder: Recorder | None = None,
) -> str:
    """RFC 7009 revocation of both tokens at `server` (the credential's, which must advertise
    revocation); returns "" or why it failed."""
    assert server.revocation_endpoint is not None  # noqa: S101  (callers check)
    tokens = [(refresh_token, "refresh_token"), (access_token, "access_token")]
    try:
        with oauth_session(credential, recorder=recorder, kind=ExchangeKind.REVOCATION) as client:
            for token, hint in tokens:
                if not token:
                    continue
                response = client.revoke_token(
                    server.revocation_endpoint, token=token, token_type_hint=hint, **request_options()
                )
                if response.status_code != 200:
                    # RFC 7009 §2.2: 200 means revoked (or already invalid).
                    try:
                        _json_answer(response, server=server)
                    except OAuthClientError as exc:
                        return exc.message
                    return f"HTTP {response.status_code}"
    except TRANSPORT_ERRORS as exc:
        return errors.error_from_exception(exc, server=server.label, url=server.revocation_endpoint).message
    return ""


def connection_disconnect(*, connection: Connection) -> str:
    """Revoke wherever the server advertises revocation; always forget the tokens here.

    Returns the message for the user (it says plainly when the server has no revocation).
    """
    with connection_locked(connection.pk) as locked:
        recorder = _recorder_for(locked)
        server = server_for(locked.credential.server, recorder=recorder)
        has_tokens = bool(locked.access_token or locked.refresh_token)
        if server.revocation_endpoint is None:
            message = messages.DISCONNECTED_NO_REVOCATION.format(server=server.label)
        elif not has_tokens:
            message = messages.DISCONNECTED_REVOKED.format(server=server.label)
        else:
            reason = tokens_revoke(
                credential=locked.credential,
                access_token=locked.access_token,
                refresh_token=locked.refresh_token,
                server=server,
                recorder=recorder,
            )
            message = (
                messages.DISCONNECTED_REVOKE_FAILED.format(server=server.label, reason=reason)
                if reason
                else messages.DISCONNECTED_REVOKED.format(server=server.label)
            )
        locked.status = ConnectionStatus.DISCONNECTED
        locked.access_token = ""
        locked.refresh_token = ""
        locked.expires_at = None
        locked.save()
        recorder.save(connection=locked)
    logger.info("Connection %s disconnected", locked.pk)
    return message


def connection_server_refresh(*, connection: Connection) -> DiscoveredServer:
    """Read the connection's server metadata again now (the server panel's button)."""
    recorder = _recorder_for(connection)
    server = server_for(connection.credential.server, recorder=recorder, refresh=True)
    recorder.save(connection=connection)
    return server
