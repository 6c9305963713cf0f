"""Authorization: the authorize URL (PKCE S256, a fresh state) and its completion from the
callback or a pasted landing URL, ending in a connection that holds tokens.

Authlib's requests client does the protocol (PKCE, the code exchange, client
authentication); these functions decide what is checked, what is stored and when.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from core.text import unstorable_reason
from registrations.models import Credential, CredentialStatus

from .. import errors, messages
from ..discovery import server_for
from ..errors import OAuthClientError
from ..models import CallbackStatement, Connection, ConnectionStatus, ExchangeKind
from ..recording import ExchangeDraft, Recorder
from ..selectors import dashboard_callback_url
from ._http import oauth_session, request_options
from .callback import callback_registered, callback_statement_record, credential_redirect_uris
from .tokens import TRANSPORT_ERRORS, token_fields, token_values

logger = logging.getLogger(__name__)

# Pending authorization requests live in the user's (server-side) session:
# that binds each `state` to the browser that started it.
SESSION_KEY = "oauthclient.pending"
STATE_TTL_SECONDS = 600
MAX_PENDING = 5
CODE_PASTED_URL_INVALID = "pasted_url_invalid"


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    state: str
    redirect_uri: str
    credential: Credential


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


@sensitive_variables("code_verifier", "pending")
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


@sensitive_variables("entry", "params")
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


@sensitive_variables("entry", "params", "code", "token", "fields")
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
    recorder.remember(*token_values(token))
    fields = token_fields(token, server=server, requested_scope=requested_scope)
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


@sensitive_variables("pasted_url", "parts", "params")
def connection_complete_from_url(
    *, user: Any, session: MutableMapping[str, Any], pasted_url: str
) -> Connection:
    """The manual path: the full URL the browser landed on, pasted by the user."""
    unstorable = unstorable_reason(pasted_url)
    if unstorable:
        raise OAuthClientError(unstorable, code=CODE_PASTED_URL_INVALID)
    try:
        parts = urlsplit(pasted_url.strip())
    except ValueError:
        # urlsplit refuses some malformed hosts (an unclosed IPv6 bracket).
        raise OAuthClientError(messages.PASTED_URL_INVALID, code=CODE_PASTED_URL_INVALID) from None
    # Responses come in the query; a fragment is accepted too (response_mode=fragment).
    params = dict(parse_qsl(parts.query)) or dict(parse_qsl(parts.fragment))
    if not params.get("state") or not (params.get("code") or params.get("error")):
        raise OAuthClientError(messages.PASTED_URL_INVALID, code=CODE_PASTED_URL_INVALID)
    return connection_complete(user=user, session=session, params=params)
