"""Connections: authorization code + PKCE (S256), token refresh, introspection, disconnect.

Authlib's requests client does the protocol (PKCE, token requests, client
authentication); these functions decide what is stored, when, and under which lock.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from django.db import transaction
from django.utils import timezone

from core.redaction import redact_data
from registrations.models import Credential, CredentialServer, CredentialStatus

from .. import errors, messages
from ..discovery import DiscoveredServer, server_for
from ..errors import OAuthClientError
from ..locks import connection_locked
from ..models import CallbackStatement, Connection, ConnectionStatus, ExchangeKind
from ..recording import ExchangeDraft, Recorder
from ..selectors import dashboard_callback_url
from ._http import oauth_session, request_options
from .credential_guard import connection_require_usable_credential

logger = logging.getLogger(__name__)

# Pending authorization requests live in the user's (server-side) session:
# that binds each `state` to the browser that started it.
SESSION_KEY = "oauthclient.pending"
STATE_TTL_SECONDS = 600
MAX_PENDING = 5
# Anything the transport or Authlib raises for a failed exchange.
TRANSPORT_ERRORS = (requests.exceptions.RequestException, AuthlibBaseError, ValueError)


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    state: str
    redirect_uri: str
    credential: Credential


def credential_redirect_uris(credential: Credential) -> list[str]:
    """Redirect URIs registered for the credential's client."""
    return [uri for uri in credential.registration.redirect_uris if isinstance(uri, str)]


# What the portal knows about its callback URL at a client's server.
CALLBACK_SANDBOX = "sandbox"
CALLBACK_IN_REGISTRATION = "registration"
CALLBACK_STATED = CallbackStatement.Source.STATED.value
CALLBACK_OBSERVED = CallbackStatement.Source.OBSERVED.value
CALLBACK_UNKNOWN = "unknown"


def callback_knowledge(credential: Credential) -> str:
    """Why the portal believes the server sends browsers back to its callback, or CALLBACK_UNKNOWN.

    Sandbox issuance registers the portal's callback with every sandbox client, on
    top of the registration's own URIs; a client registered elsewhere may have it
    too, which a developer can state, or which a successful round trip shows.
    """
    if credential.server == CredentialServer.SANDBOX:
        return CALLBACK_SANDBOX
    callback_url = dashboard_callback_url()
    if callback_url in credential_redirect_uris(credential):
        return CALLBACK_IN_REGISTRATION
    statement = CallbackStatement.objects.filter(credential=credential, callback_url=callback_url).first()
    return statement.source if statement is not None else CALLBACK_UNKNOWN


def callback_registered(credential: Credential) -> bool:
    """Whether the portal has reason to believe the server will send the browser back here."""
    return callback_knowledge(credential) != CALLBACK_UNKNOWN


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


def _scope_to_request(credential: Credential, scopes: list[str] | None) -> str:
    """The chosen subset of the registration's scopes, in the registration's order (all by default)."""
    registered = credential.registration.scope.split()
    if scopes is None:
        return " ".join(registered)
    unknown = [scope for scope in scopes if scope not in registered]
    if unknown:
        raise OAuthClientError(
            messages.SCOPE_NOT_REGISTERED.format(scopes=" ".join(unknown)), code="scope_not_registered"
        )
    if not scopes:
        raise OAuthClientError(messages.SCOPE_NONE_CHOSEN, code="scope_none_chosen")
    return " ".join(scope for scope in registered if scope in scopes)


def _pending(session: MutableMapping[str, Any]) -> dict[str, dict[str, Any]]:
    now = time.time()
    return {
        state: entry
        for state, entry in dict(session.get(SESSION_KEY) or {}).items()
        if isinstance(entry, dict) and entry.get("expires", 0) > now
    }


def _store_pending(session: MutableMapping[str, Any], pending: dict[str, dict[str, Any]]) -> None:
    session[SESSION_KEY] = pending
    # Django sessions notice top-level assignment; be explicit for nested changes.
    if hasattr(session, "modified"):
        session.modified = True


def connection_start(
    *,
    credential: Credential,
    session: MutableMapping[str, Any],
    redirect_uri: str | None = None,
    scopes: list[str] | None = None,
) -> AuthorizationRequest:
    """The authorize URL for a credential, with a fresh state and a PKCE S256 challenge.

    `scopes` is the subset of the registration's scopes to ask for (all when None).
    The state, the code verifier and the exchanges so far (discovery, the
    authorization request) stay in the session until the callback (or the pasted
    URL) uses them once.
    """
    if credential.status != CredentialStatus.ACTIVE:
        raise OAuthClientError(messages.CREDENTIAL_NOT_USABLE, code="credential_not_active")
    if redirect_uri is None:
        redirect_uri = dashboard_callback_url()
    elif redirect_uri not in credential_redirect_uris(credential):
        raise OAuthClientError(messages.REDIRECT_URI_NOT_REGISTERED, code="redirect_uri_not_registered")
    scope = _scope_to_request(credential, scopes)
    recorder = Recorder()
    server = server_for(credential.server, recorder=recorder)
    state = secrets.token_urlsafe(32)
    # RFC 7636: 43-128 characters from the unreserved set; token_urlsafe(64) gives 86.
    code_verifier = secrets.token_urlsafe(64)
    with oauth_session(credential, with_secret=False, redirect_uri=redirect_uri) as client:
        # Authlib adds code_challenge only when the verifier is passed here, not to fetch_token.
        url, _ = client.create_authorization_url(
            server.authorization_endpoint,
            state=state,
            code_verifier=code_verifier,
            scope=scope,
        )
    recorder.add(ExchangeDraft(kind=ExchangeKind.AUTHORIZATION_REQUEST, method="GET", url=url))
    pending = _pending(session)
    # Keep the newest few: several tabs may be connecting at once.
    for old_state in sorted(pending, key=lambda key: pending[key]["expires"])[: -(MAX_PENDING - 1) or None]:
        pending.pop(old_state)
    pending[state] = {
        "credential_id": credential.pk,
        "code_verifier": code_verifier,
        "redirect_uri": redirect_uri,
        "issuer": server.issuer,
        "iss_required": server.iss_parameter_supported,
        "scope": scope,
        "exchanges": [draft.as_session_data() for draft in recorder.drafts],
        "expires": time.time() + STATE_TTL_SECONDS,
    }
    _store_pending(session, pending)
    return AuthorizationRequest(url=url, state=state, redirect_uri=redirect_uri, credential=credential)


def _take_pending(session: MutableMapping[str, Any], state: str) -> dict[str, Any]:
    """Single use: the entry is removed whatever happens next."""
    pending = _pending(session)
    entry = pending.pop(state, None) if state else None
    _store_pending(session, pending)
    if entry is None:
        raise OAuthClientError(messages.STATE_INVALID, code=errors.CODE_INVALID_STATE)
    return entry


def _expires_at(token: Mapping[str, Any]) -> datetime | None:
    # Authlib turns expires_in into an absolute epoch `expires_at` when it parses the answer.
    expires_at = token.get("expires_at")
    if isinstance(expires_at, int | float) and not isinstance(expires_at, bool):
        return datetime.fromtimestamp(expires_at, tz=UTC)
    return None


def _token_fields(
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


def connection_complete(
    *,
    user: Any,
    session: MutableMapping[str, Any],
    params: Mapping[str, str],
    callback_url: str | None = None,
) -> Connection:
    """Finish a connection from the authorization response (callback query or pasted URL).

    Checks state (single use, this session, not expired), then `iss`: it must be the
    server's when sent, and it must be sent when the server's metadata says it always
    is (RFC 9207 §2.4); then an `error`; exchanges the code server-to-server. No
    connection is created unless every step succeeded; a failed attempt to reconnect
    an existing connection is recorded in that connection's exchanges.
    """
    entry = _take_pending(session, params.get("state", ""))
    recorder = Recorder(secrets=[entry["code_verifier"], params.get("code", "")])
    recorder.drafts = [ExchangeDraft.from_session_data(data) for data in entry.get("exchanges", [])]
    landed_on = callback_url or entry["redirect_uri"]
    recorder.add(
        ExchangeDraft(
            kind=ExchangeKind.CALLBACK,
            method="GET",
            url=f"{landed_on}?{urlencode(sorted(params.items()))}",
            error=errors.clean_code(params["error"]) if params.get("error") else "",
        )
    )
    try:
        connection = _complete(user=user, entry=entry, params=params, recorder=recorder)
    except OAuthClientError:
        existing = Connection.objects.filter(user=user, credential_id=entry["credential_id"]).first()
        if existing is not None:
            recorder.save(connection=existing)
        raise
    if callback_url is not None and not callback_registered(connection.credential):
        # The server sent the browser back here: the callback is registered there.
        callback_statement_record(
            credential=connection.credential, user=user, source=CallbackStatement.Source.OBSERVED
        )
    return connection


def _complete(
    *, user: Any, entry: dict[str, Any], params: Mapping[str, str], recorder: Recorder
) -> Connection:
    iss = params.get("iss")
    if iss is not None and iss.rstrip("/") != entry["issuer"].rstrip("/"):
        raise OAuthClientError(
            messages.ISSUER_MISMATCH.format(iss=errors.clean_description(iss), expected=entry["issuer"]),
            code=errors.CODE_ISSUER_MISMATCH,
        )
    if iss is None and entry.get("iss_required"):
        raise OAuthClientError(
            messages.ISSUER_MISSING.format(expected=entry["issuer"]), code=errors.CODE_ISSUER_MISSING
        )
    if params.get("error"):
        raise errors.oauth_error(params["error"], params.get("error_description", ""))
    code = params.get("code")
    if not code:
        raise OAuthClientError(messages.CODE_MISSING, code=errors.CODE_MISSING_CODE)

    credential = Credential.objects.select_related("registration").filter(pk=entry["credential_id"]).first()
    if credential is None or credential.status != CredentialStatus.ACTIVE:
        raise OAuthClientError(messages.CREDENTIAL_NOT_USABLE, code="credential_not_active")
    recorder.remember(credential.client_secret)
    server = server_for(credential.server, recorder=recorder)
    requested_scope = entry.get("scope", credential.registration.scope)
    try:
        with oauth_session(
            credential, redirect_uri=entry["redirect_uri"], recorder=recorder, kind=ExchangeKind.CODE_EXCHANGE
        ) as client:
            token = client.fetch_token(
                server.token_endpoint,
                code=code,
                # The same verifier whose challenge went into the authorize URL.
                code_verifier=entry["code_verifier"],
                **request_options(),
            )
    except TRANSPORT_ERRORS as exc:
        error = errors.error_from_exception(exc, server=server.label, url=server.token_endpoint)
        logger.info("Code exchange failed for credential %s: %s", credential.pk, error.code)
        raise error from None
    recorder.remember(*_token_values(token))
    fields = _token_fields(token, server=server, requested_scope=requested_scope)
    now = timezone.now()
    with transaction.atomic():
        connection, _ = Connection.objects.select_for_update().update_or_create(
            user=user,
            credential=credential,
            defaults={
                **fields,
                "requested_scope": requested_scope,
                "status": ConnectionStatus.CONNECTED,
                "connected_at": now,
                "refreshed_at": None,
                "last_error_code": "",
                "last_error_description": "",
            },
        )
        recorder.save(connection=connection)
    connection.credential = credential  # already read: the callback's next checks need not read it again
    logger.info("Connection %s connected (credential %s)", connection.pk, credential.pk)
    return connection


def _token_values(token: Mapping[str, Any]) -> list[str]:
    return [str(token.get(name) or "") for name in ("access_token", "refresh_token", "id_token")]


def connection_complete_from_url(
    *, user: Any, session: MutableMapping[str, Any], pasted_url: str
) -> Connection:
    """The manual path: the full URL the browser landed on, pasted by the user."""
    try:
        parts = urlsplit(pasted_url.strip())
    except ValueError:
        # urlsplit refuses some malformed hosts (an unclosed IPv6 bracket).
        raise OAuthClientError(messages.PASTED_URL_INVALID, code="pasted_url_invalid") from None
    # Responses come in the query; a fragment is accepted too (response_mode=fragment).
    params = dict(parse_qsl(parts.query)) or dict(parse_qsl(parts.fragment))
    if not params.get("state") or not (params.get("code") or params.get("error")):
        raise OAuthClientError(messages.PASTED_URL_INVALID, code="pasted_url_invalid")
    return connection_complete(user=user, session=session, params=params)


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
                recorder.remember(*_token_values(token))
                fields = _token_fields(token, server=server, requested_scope=locked.scope)
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
