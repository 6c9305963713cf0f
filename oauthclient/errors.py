"""One exception for every failure the dashboard shows, and the translation of
transport and OAuth failures into it.

The message is plain language and carries the server's error code where there
is one. Nothing here ever includes a token, a secret or a request body.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from django.conf import settings
from urllib3.exceptions import ProtocolError

from . import messages

# Our own codes for failures that happen before a server could give one.
CODE_TIMEOUT = "timeout"
CODE_CONNECTION_REFUSED = "connection_refused"
CODE_CONNECTION_DROPPED = "connection_dropped"
CODE_TLS = "tls_error"
CODE_SERVER_ERROR = "server_error"
CODE_HTTP_ERROR = "http_error"
CODE_NOT_JSON = "not_json"
CODE_INVALID_TOKEN_RESPONSE = "invalid_token_response"
CODE_INVALID_STATE = "invalid_state"
CODE_ISSUER_MISMATCH = "issuer_mismatch"
CODE_ISSUER_MISSING = "issuer_missing"
CODE_MISSING_CODE = "missing_code"
CODE_PATH_REFUSED = "path_refused"
CODE_NOT_CONNECTED = "not_connected"
CODE_NO_REFRESH_TOKEN = "no_refresh_token"
CODE_CREDENTIAL_DISABLED = "credential_{status}"  # credential_revoked, credential_superseded

# Servers' descriptions are shown on pages: keep them short and printable.
_DESCRIPTION_LIMIT = 300
# Controls, and unpaired surrogates (a JSON escape such as "\ud800"), which no page can show.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


class OAuthClientError(Exception):
    """A failure with a message fit for the page and the code it stems from."""

    def __init__(self, message: str, *, code: str, description: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.description = description


def clean_description(value: object) -> str:
    text = _UNPRINTABLE.sub(" ", str(value or "")).strip()
    return text[:_DESCRIPTION_LIMIT] or "no description given"


def clean_code(value: object) -> str:
    # RFC 6749 error codes are printable ASCII without quotes or backslashes.
    text = re.sub(r"[^\x21\x23-\x5b\x5d-\x7e]", "", str(value or ""))[:80]
    return text or "unknown_error"


def oauth_error(code: object, description: object = "") -> OAuthClientError:
    """An OAuth error code answered by a server (token endpoint, callback, revocation)."""
    code = clean_code(code)
    description = clean_description(description)
    template = {
        "access_denied": messages.ACCESS_DENIED,
        "invalid_grant": messages.INVALID_GRANT,
        "invalid_client": messages.INVALID_CLIENT,
        "unauthorized_client": messages.INVALID_CLIENT,
    }.get(code, messages.SERVER_OAUTH_ERROR)
    return OAuthClientError(
        template.format(code=code, description=description), code=code, description=description
    )


def _host(url: str | None) -> str:
    return urlsplit(url or "").netloc or "(unknown host)"


def _error_in_body(response: requests.Response | None) -> tuple[str, str] | None:
    if response is None:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and body.get("error"):
        return clean_code(body["error"]), clean_description(body.get("error_description"))
    return None


def error_from_exception(exc: BaseException, *, server: str, url: str | None = None) -> OAuthClientError:
    """Translate what requests/Authlib raise into the message a user reads."""
    if isinstance(exc, OAuthClientError):
        return exc
    if isinstance(exc, AuthlibBaseError):
        return oauth_error(exc.error, exc.description)
    if isinstance(exc, requests.exceptions.SSLError):
        return OAuthClientError(
            messages.TLS_ERROR.format(server=server, host=_host(url), code=CODE_TLS), code=CODE_TLS
        )
    if isinstance(exc, requests.exceptions.Timeout):
        return OAuthClientError(
            messages.TIMEOUT.format(server=server, timeout=settings.PORTAL_HTTP_TIMEOUT, code=CODE_TIMEOUT),
            code=CODE_TIMEOUT,
        )
    if _dropped(exc):
        return OAuthClientError(
            messages.CONNECTION_DROPPED.format(server=server, host=_host(url), code=CODE_CONNECTION_DROPPED),
            code=CODE_CONNECTION_DROPPED,
        )
    if isinstance(exc, requests.exceptions.ConnectionError):
        return OAuthClientError(
            messages.CONNECTION_REFUSED.format(server=server, host=_host(url), code=CODE_CONNECTION_REFUSED),
            code=CODE_CONNECTION_REFUSED,
        )
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        # Clients never follow redirects from a token, revocation or API endpoint.
        status = exc.response.status_code if exc.response is not None else 0
        return OAuthClientError(
            messages.HTTP_ERROR.format(
                server=server, status=status, code=CODE_HTTP_ERROR, description="it answered with a redirect"
            ),
            code=CODE_HTTP_ERROR,
        )
    if isinstance(exc, requests.exceptions.HTTPError):
        response = exc.response
        status = response.status_code if response is not None else 0
        in_body = _error_in_body(response)
        if in_body and status < 500:
            return oauth_error(*in_body)
        if status >= 500:
            code = in_body[0] if in_body else CODE_SERVER_ERROR
            return OAuthClientError(
                messages.SERVER_ERROR.format(server=server, status=status, code=code), code=code
            )
        if response is not None and not _looks_like_json(response):
            return not_json(server=server, status=status)
        return OAuthClientError(
            messages.HTTP_ERROR.format(
                server=server, status=status, code=CODE_HTTP_ERROR, description="unexpected answer"
            ),
            code=CODE_HTTP_ERROR,
        )
    if isinstance(exc, ValueError):
        # Authlib raises ValueError when a token answer is not a JSON object.
        match = re.search(r"HTTP (\d{3})", str(exc))
        return not_json(server=server, status=int(match.group(1)) if match else 0)
    if isinstance(exc, requests.exceptions.RequestException):
        return OAuthClientError(
            messages.CONNECTION_REFUSED.format(server=server, host=_host(url), code=CODE_CONNECTION_REFUSED),
            code=CODE_CONNECTION_REFUSED,
        )
    raise exc


def _dropped(exc: BaseException) -> bool:
    """The server accepted the connection, then closed or reset it before its answer was complete.

    requests reports that as a ConnectionError wrapping urllib3's ProtocolError (nothing
    answered) or as ChunkedEncodingError (the body was cut off); a refused connection
    or an unknown host is a ConnectionError wrapping something else.
    """
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return True
    return isinstance(exc, requests.exceptions.ConnectionError) and any(
        isinstance(arg, ProtocolError) for arg in exc.args
    )


def not_json(*, server: str, status: int) -> OAuthClientError:
    return OAuthClientError(
        messages.NOT_JSON.format(server=server, status=status, code=CODE_NOT_JSON), code=CODE_NOT_JSON
    )


def _looks_like_json(response: requests.Response) -> bool:
    try:
        response.json()
    except ValueError:
        return False
    return True
