"""Test calls: a GET on the server's API with a connection's token, kept as a TestCall."""

from __future__ import annotations

import logging
import re
import time
from typing import Any
from urllib.parse import unquote, urlsplit

import requests
from django.conf import settings

from core.servers import ServerEndpoints, server_endpoints

from .. import errors, messages
from ..errors import OAuthClientError
from ..models import Connection, TestCall
from ..redaction import excerpt
from ._http import oauth_session
from .connection import connection_refresh

logger = logging.getLogger(__name__)

PRESET_PATHS = {
    "introspect": "/v1/introspect",
    "employees": "/v2/employees",
}
PATH_MAX_LENGTH = 2000
# Bodies are read up to this size; the excerpt keeps far less (redaction.EXCERPT_LIMIT).
BODY_READ_LIMIT = 5 * 1024 * 1024
BODY_KEEP_LIMIT = 64 * 1024

_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")


def _path_refused(endpoints: ServerEndpoints) -> OAuthClientError:
    return OAuthClientError(
        messages.PATH_REFUSED.format(api_base=endpoints.api_base_url), code=errors.CODE_PATH_REFUSED
    )


def api_url(*, endpoints: ServerEndpoints, path: str) -> str:
    """The API base joined with a path that cannot leave that base's host (or climb out of it)."""
    if not path:
        raise OAuthClientError(messages.PATH_REQUIRED, code=errors.CODE_PATH_REFUSED)
    # Check the path as typed and as any number of percent-decodings would read it.
    views = [path]
    while len(views) < 5 and unquote(views[-1]) != views[-1]:
        views.append(unquote(views[-1]))
    for view in views:
        if (
            len(view) > PATH_MAX_LENGTH
            or not view.startswith("/")
            or view.startswith("//")
            or "\\" in view
            or "@" in view
            or "#" in view
            or "://" in view
            or _CONTROL_OR_SPACE.search(view)
            or ".." in view
        ):
            raise _path_refused(endpoints)
    url = endpoints.api_base_url.rstrip("/") + path
    base, target = urlsplit(endpoints.api_base_url), urlsplit(url)
    # Belt and braces: whatever the checks above missed, the result must stay on the base.
    if (target.scheme, target.netloc) != (base.scheme, base.netloc) or not target.path.startswith(
        base.path.rstrip("/") + "/"
    ):
        raise _path_refused(endpoints)
    return url


def _get(url: str, connection: Connection) -> tuple[requests.Response, bytes, bool, int]:
    """One GET with the Bearer token; returns the response, the kept body, completeness, size."""
    token = {"access_token": connection.access_token, "token_type": connection.token_type or "Bearer"}
    with oauth_session(connection.credential, with_secret=False, token=token) as client:
        response = client.get(
            url,
            timeout=settings.PORTAL_HTTP_TIMEOUT,
            verify=True,
            # A redirect is a result to show, not something to follow with the token attached.
            allow_redirects=False,
            stream=True,
            headers={"Accept": "application/json"},
        )
        kept = bytearray()
        size = 0
        complete = True
        try:
            for chunk in response.iter_content(chunk_size=16384):
                size += len(chunk)
                if len(kept) < BODY_KEEP_LIMIT:
                    kept.extend(chunk[: BODY_KEEP_LIMIT - len(kept)])
                if size >= BODY_READ_LIMIT:
                    complete = False
                    break
        finally:
            response.close()
        complete = complete and size <= BODY_KEEP_LIMIT
        return response, bytes(kept), complete, size


def test_call_run(
    *,
    connection: Connection,
    user: Any,
    path: str,
    scheduled: bool = False,  # noqa: PT028  (a service, not a test: see __test__ below)
) -> TestCall:
    """Run GET <api base><path> and keep it as a TestCall (a refused path raises, nothing is kept).

    Refreshes first when the token has expired, and once more on a 401.
    `scheduled` marks a monitoring probe's call.
    """
    endpoints = server_endpoints(connection.credential.server)
    url = api_url(endpoints=endpoints, path=path)
    record = TestCall(connection=connection, user=user, method="GET", url=url, scheduled=scheduled)
    client_secret = connection.credential.client_secret
    seen_tokens: list[str] = []
    try:
        if not connection.is_connected:
            raise OAuthClientError(messages.NOT_CONNECTED, code=errors.CODE_NOT_CONNECTED)
        if connection.is_expired():
            connection = connection_refresh(connection=connection)
            record.refreshed = True
        seen_tokens += [connection.access_token, connection.refresh_token]
        started = time.monotonic()
        response, body, complete, size = _get(url, connection)
        if response.status_code == 401 and not record.refreshed:
            rejected = connection.access_token
            connection = connection_refresh(connection=connection, force=True, stale_access_token=rejected)
            record.refreshed = True
            seen_tokens += [connection.access_token, connection.refresh_token]
            started = time.monotonic()
            response, body, complete, size = _get(url, connection)
        record.duration_ms = round((time.monotonic() - started) * 1000)
        record.status_code = response.status_code
        record.response_size = size
        record.excerpt = excerpt(body, complete=complete, secrets=[*seen_tokens, client_secret])
    except OAuthClientError as exc:
        record.error_code, record.error_message = exc.code, exc.message
    except requests.exceptions.RequestException as exc:
        error = errors.error_from_exception(exc, server=endpoints.label, url=url)
        record.error_code, record.error_message = error.code, error.message
    record.save()
    logger.info("Test call %s: %s", record.pk, record.status_code or record.error_code)
    return record


# The name follows the services' <entity>_<action> rule; pytest must not collect it.
test_call_run.__test__ = False  # type: ignore[attr-defined]
