"""Test calls: any request to the server's API with a connection's token, kept as a TestCall.

The developer chooses the method, a path on the API base, query parameters, extra
headers and a JSON body; `api_request_check` holds the rules for all of them, the
form and the service both apply it. Each call's HTTP exchanges are recorded.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import unquote, urlencode, urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from core.redaction import excerpt, redact_exchange, redact_text
from core.servers import server_endpoints
from core.text import json_unstorable_reason, unstorable_reason
from registrations.models import CredentialServer

from .. import errors, messages
from ..errors import OAuthClientError
from ..models import Connection, ExchangeKind, TestCall
from ..recording import Recorder, body_text, fit_to_columns, storable
from ._http import oauth_session
from .contract import request_deviations, test_call_judge
from .credential_guard import connection_require_usable_credential
from .retention import RECORDING_BATCH, test_calls_prune
from .tokens import connection_refresh

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
# A path template's placeholder left in (an operation's `{accountId}`).
_PLACEHOLDER = re.compile(r"\{[^{}/]*\}")

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
METHODS_WITH_BODY = ("POST", "PUT", "PATCH", "DELETE")
BODY_MAX_BYTES = 64 * 1024
ROWS_MAX = 30
ROW_NAME_MAX = 200
ROW_VALUE_MAX = 2000
# RFC 9110 §5.6.2: a header name is a token. fullmatch: `$` would accept a trailing newline.
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# RFC 9110 §5.5: a field value holds no control character but the tab (C0, DEL, and C1,
# which Latin-1 would carry as bytes a server reads as controls too).
_HEADER_VALUE_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
# http.client writes header values as ISO-8859-1 (Latin-1): nothing above U+00FF can be sent.
_NOT_LATIN1 = re.compile(r"[^\x00-\xff]")
# How much of a name a message repeats.
SHOWN_NAME_LENGTH = 40
# The portal sets these itself (the token, the host, the length) or they belong to one
# hop of the connection, not to the request.
FORBIDDEN_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "host",
        "cookie",
        "content-length",
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)


class ApiServer(Protocol):
    """What the URL builder needs of a server: its label and its API base."""

    @property
    def label(self) -> str: ...
    @property
    def api_base_url(self) -> str: ...


@dataclass(frozen=True)
class ApiRequest:
    """One request to the API as a developer composes it (or an operation prefills it)."""

    method: str = "GET"
    path: str = ""
    query: Sequence[tuple[str, str]] = field(default_factory=tuple)
    headers: Sequence[tuple[str, str]] = field(default_factory=tuple)
    body: str = ""


def shown(name: str) -> str:
    """A row's name as a message repeats it: shortened, with what no page can show replaced."""
    return storable(name[:SHOWN_NAME_LENGTH])


def _header_value_problem(name: str, value: str) -> str | None:
    if _HEADER_VALUE_CONTROL.search(value):
        return messages.HEADER_VALUE_INVALID.format(name=shown(name))
    if value != value.strip():
        return messages.HEADER_VALUE_SPACE.format(name=shown(name))
    outside = _NOT_LATIN1.search(value)
    if outside:
        return messages.HEADER_VALUE_NOT_LATIN1.format(name=shown(name), character=outside.group())
    return None


def _row_problem(name: str, value: str, *, headers: bool) -> str | None:
    if not name or len(name) > ROW_NAME_MAX or len(value) > ROW_VALUE_MAX:
        return messages.ROW_TOO_LONG.format(name=shown(name), max=ROW_VALUE_MAX)
    unstorable = unstorable_reason(name) or unstorable_reason(value)
    if unstorable:
        return messages.ROW_UNSTORABLE.format(name=shown(name), reason=unstorable)
    if not headers:
        return None
    if not _HEADER_NAME.fullmatch(name):
        return messages.HEADER_NAME_INVALID.format(name=shown(name))
    if name.lower() in FORBIDDEN_HEADERS:
        return messages.HEADER_FORBIDDEN.format(name=shown(name))
    return _header_value_problem(name, value)


def _rows_check(rows: Sequence[tuple[str, str]], *, headers: bool) -> list[str]:
    if len(rows) > ROWS_MAX:
        return [messages.ROWS_TOO_MANY.format(max=ROWS_MAX)]
    problems = (_row_problem(name, value, headers=headers) for name, value in rows)
    return [problem for problem in problems if problem]


def _body_problem(request: ApiRequest) -> str | None:
    if request.method not in METHODS_WITH_BODY:
        return messages.BODY_NOT_ALLOWED.format(method=request.method)
    unstorable = unstorable_reason(request.body)
    if unstorable:
        return unstorable
    if len(request.body.encode("utf-8")) > BODY_MAX_BYTES:
        return messages.BODY_TOO_LARGE.format(limit_kib=BODY_MAX_BYTES // 1024)
    try:
        decoded = json.loads(request.body)
    except (ValueError, RecursionError) as exc:
        return messages.BODY_NOT_JSON.format(reason=storable(str(exc)[:120]))
    # An escape such as "\ud800" or "\u0000" decodes to text no database stores.
    return json_unstorable_reason(decoded)


def api_request_check(request: ApiRequest, *, server: str, production_confirmed: bool) -> None:
    """Every rule a console request must pass before anything is sent; errors by field.

    A request that passes can be sent as it is (every header value is Latin-1, every
    text UTF-8) and kept as it was sent (no NUL, no unpaired surrogate: core.text).
    """
    problems: dict[str, list[str]] = {}
    if request.method not in METHODS:
        problems["method"] = [messages.METHOD_INVALID.format(methods=", ".join(METHODS))]
    unstorable = unstorable_reason(request.path)
    placeholders = _PLACEHOLDER.findall(request.path)
    if unstorable:
        problems["path"] = [unstorable]
    elif placeholders:
        problems["path"] = [messages.PATH_PLACEHOLDER.format(placeholders=", ".join(placeholders))]
    for name, rows, headers in (("query", request.query, False), ("headers", request.headers, True)):
        found = _rows_check(rows, headers=headers)
        if found:
            problems[name] = found
    body_problem = _body_problem(request) if request.body else None
    if body_problem:
        problems["body"] = [body_problem]
    if server == CredentialServer.PLEO_PRODUCTION and request.method != "GET" and not production_confirmed:
        problems["confirm_production"] = [messages.PRODUCTION_NOT_CONFIRMED.format(method=request.method)]
    if server == CredentialServer.PLEO_PRODUCTION and "body" not in problems and "path" not in problems:
        refused = request_deviations(request)
        if refused:
            problems["body"] = [messages.CONTRACT_REQUEST_REFUSED.format(deviations="; ".join(refused))]
    if problems:
        raise ValidationError(problems)


def _path_refused(endpoints: ApiServer) -> OAuthClientError:
    return OAuthClientError(
        messages.PATH_REFUSED.format(api_base=endpoints.api_base_url), code=errors.CODE_PATH_REFUSED
    )


def api_url(*, endpoints: ApiServer, path: str) -> str:
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


def with_query(url: str, query: Sequence[tuple[str, str]]) -> str:
    """The URL with the query rows appended (after any query the path already carries)."""
    if not query:
        return url
    return url + ("&" if urlsplit(url).query else "?") + urlencode(list(query))


@sensitive_variables("token", "draft")
def _send(
    url: str, connection: Connection, request: ApiRequest, recorder: Recorder
) -> tuple[requests.Response, bytes, bool, int]:
    """One request with the Bearer token; returns the response, the kept body, completeness, size."""
    token = {"access_token": connection.access_token, "token_type": connection.token_type or "Bearer"}
    headers = {"Accept": "application/json"}
    if request.body:
        headers["Content-Type"] = "application/json"
    headers.update(dict(request.headers))
    with oauth_session(
        connection.credential, with_secret=False, token=token, recorder=recorder, kind=ExchangeKind.TEST_CALL
    ) as client:
        response = client.request(
            request.method,
            url,
            timeout=settings.PORTAL_HTTP_TIMEOUT,
            verify=True,
            # A redirect is a result to show, not something to follow with the token attached.
            allow_redirects=False,
            stream=True,
            headers=headers,
            data=request.body.encode("utf-8") if request.body else None,
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
        draft = recorder.last()
        if draft is not None:
            draft.response_body = body_text(bytes(kept))
        complete = complete and size <= BODY_KEEP_LIMIT
        return response, bytes(kept), complete, size


def test_call_run(
    *,
    connection: Connection,
    user: Any,
    path: str,
    scheduled: bool = False,  # noqa: PT028  (a service, not a test: see __test__ below)
) -> TestCall:
    """GET <api base><path>: the quick call (see test_call_send); `scheduled` marks a monitoring probe's."""
    return test_call_send(
        connection=connection,
        user=user,
        request=ApiRequest(path=path),
        production_confirmed=False,
        scheduled=scheduled,
    )


def test_call_send(
    *,
    connection: Connection,
    user: Any,
    request: ApiRequest,
    production_confirmed: bool,
    scheduled: bool = False,  # noqa: PT028  (a service, not a test: see __test__ below)
    credential_loaded_now: bool = False,  # noqa: PT028
) -> TestCall:
    """Send <method> <api base><path> and keep it as a TestCall with its exchanges.

    A request that breaks a rule (a path off the API base, a forbidden header, a body
    that is not JSON, an unconfirmed write on Pleo production) raises and nothing is
    sent or kept. Refreshes first when the token has expired, and once more on a 401.
    `credential_loaded_now`: see connection_require_usable_credential.
    """
    record, _body = test_call_send_returning_answer(
        connection=connection,
        user=user,
        request=request,
        production_confirmed=production_confirmed,
        scheduled=scheduled,
        credential_loaded_now=credential_loaded_now,
    )
    return record


@sensitive_variables("client_secret", "kept_body")
def test_call_send_returning_answer(
    *,
    connection: Connection,
    user: Any,
    request: ApiRequest,
    production_confirmed: bool,
    scheduled: bool = False,  # noqa: PT028  (a service, not a test: see __test__ below)
    scope_check: bool = False,  # noqa: PT028
    credential_loaded_now: bool = False,  # noqa: PT028
) -> tuple[TestCall, bytes]:
    """test_call_send, also returning the start of the response body as received (unredacted,
    never stored), for a caller that reads the answer (the scope check reads a new record's ID)."""
    kept_body = b""
    path, method, body = request.path, request.method, request.body
    api_request_check(request, server=connection.credential.server, production_confirmed=production_confirmed)
    endpoints = server_endpoints(connection.credential.server)
    url = with_query(api_url(endpoints=endpoints, path=path), request.query)
    client_secret = connection.credential.client_secret
    recorder = Recorder(secrets=[client_secret, connection.access_token, connection.refresh_token])
    kept_request = redact_exchange(
        url=url,
        request_headers=list(request.headers),
        request_body=body,
        response_headers=[],
        response_body="",
        query=request.query,
        secrets=recorder.secrets,
    )
    record = TestCall(
        connection=connection,
        user=user,
        scheduled=scheduled,
        scope_check=scope_check,
        method=method,
        url=kept_request["url"],
        path=path,
        query=kept_request["query"],
        headers=kept_request["request_headers"],
        body=kept_request["request_body"] if body else "",
        request_deviations=[
            redact_text(each, secrets=recorder.secrets) for each in request_deviations(request)
        ],
    )
    try:
        connection_require_usable_credential(connection, loaded_now=credential_loaded_now)
        if not connection.is_connected:
            raise OAuthClientError(messages.NOT_CONNECTED, code=errors.CODE_NOT_CONNECTED)
        if connection.is_expired():
            connection = connection_refresh(connection=connection)
            record.refreshed = True
        recorder.remember(connection.access_token, connection.refresh_token)
        started = time.monotonic()
        response, kept_body, complete, size = _send(url, connection, request, recorder)
        if response.status_code == 401 and not record.refreshed:
            rejected = connection.access_token
            connection = connection_refresh(connection=connection, force=True, stale_access_token=rejected)
            record.refreshed = True
            recorder.remember(connection.access_token, connection.refresh_token)
            started = time.monotonic()
            response, kept_body, complete, size = _send(url, connection, request, recorder)
        record.duration_ms = round((time.monotonic() - started) * 1000)
        record.status_code = response.status_code
        record.response_size = size
        record.excerpt = excerpt(kept_body, complete=complete, secrets=recorder.secrets)
        content_type = response.headers.get("Content-Type", "")
        test_call_judge(
            record=record,
            content_type=content_type,
            body=kept_body,
            complete=complete,
            secrets=recorder.secrets,
        )
    except OAuthClientError as exc:
        record.error_code, record.error_message = exc.code, exc.message
    except requests.exceptions.RequestException as exc:
        error = errors.error_from_exception(exc, server=endpoints.label, url=url)
        record.error_code, record.error_message = error.code, error.message
    # Whatever was sent is kept: no answer may make the record unstorable.
    fit_to_columns(record)
    # One transaction, so that recording adds statements, not commits.
    with transaction.atomic():
        record.save()
        recorder.save(connection=connection, test_call=record)
    test_calls_prune(connection=connection, batch=RECORDING_BATCH, recorded=record)
    logger.info("Test call %s: %s", record.pk, record.status_code or record.error_code)
    return record, kept_body


def _path_on_base(call: TestCall) -> str:
    """The path of a call kept before paths were kept apart: its URL less the API base."""
    base = server_endpoints(call.connection.credential.server).api_base_url.rstrip("/")
    return call.url[len(base) :] if call.url.startswith(base + "/") else urlsplit(call.url).path


def api_request_of(call: TestCall) -> ApiRequest:
    """What a kept call asked for (to send again, or to prefill the console's form)."""
    return ApiRequest(
        method=call.method,
        path=call.path or _path_on_base(call),
        query=tuple((str(name), str(value)) for name, value in call.query),
        headers=tuple((str(name), str(value)) for name, value in call.headers),
        body=call.body,
    )


def test_call_rerun(*, call: TestCall, user: Any, production_confirmed: bool) -> TestCall:
    """Send a kept test call again, as it was kept (redacted header values stay redacted)."""
    return test_call_send(
        connection=call.connection,
        user=user,
        request=api_request_of(call),
        production_confirmed=production_confirmed,
    )


# The names follow the services' <entity>_<action> rule; pytest must not collect them.
test_call_run.__test__ = False  # type: ignore[attr-defined]
test_call_send.__test__ = False  # type: ignore[attr-defined]
test_call_send_returning_answer.__test__ = False  # type: ignore[attr-defined]
test_call_rerun.__test__ = False  # type: ignore[attr-defined]
