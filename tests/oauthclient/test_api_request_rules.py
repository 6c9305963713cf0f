"""The console's request rules, without a server: the API URL builder and api_request_check.

`api_url` has two layers: character rules on the path (as typed and as each
percent-decoding reads it), then a final check that the joined URL is still on
the API base's scheme, host and path. Each layer is tested here on inputs the
other one lets through, so that weakening either is noticed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError

from core.servers import CredentialServer
from core.text import TEXT_HOLDS_NUL, TEXT_HOLDS_SURROGATE
from oauthclient import errors, messages
from oauthclient.errors import OAuthClientError
from oauthclient.services.test_call import (
    BODY_MAX_BYTES,
    PATH_MAX_LENGTH,
    ROW_NAME_MAX,
    ROW_VALUE_MAX,
    ROWS_MAX,
    ApiRequest,
    api_request_check,
    api_url,
)


@dataclass(frozen=True)
class Api:
    label: str = "Test API"
    api_base_url: str = "https://api.example/api"


API = Api()


def _refused(path: str, endpoints: Api = API) -> OAuthClientError:
    with pytest.raises(OAuthClientError) as raised:
        api_url(endpoints=endpoints, path=path)
    return raised.value


def _refusal(endpoints: Api = API) -> tuple[str, str]:
    return errors.CODE_PATH_REFUSED, messages.PATH_REFUSED.format(api_base=endpoints.api_base_url)


# --- accepted paths ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "path", "url"),
    [
        pytest.param(
            "https://api.example/api", "/v2/employees", "https://api.example/api/v2/employees", id="plain"
        ),
        pytest.param(
            "https://api.example/api/", "/v1/x", "https://api.example/api/v1/x", id="base-with-slash"
        ),
        pytest.param("https://api.example", "/v1/x", "https://api.example/v1/x", id="base-without-path"),
        pytest.param(
            "https://api.example/api",
            "/v2/employees?limit=1",
            "https://api.example/api/v2/employees?limit=1",
            id="query",
        ),
        pytest.param(
            "https://api.example/api", "/v1/%41", "https://api.example/api/v1/%41", id="harmless-escape"
        ),
        pytest.param(
            "https://api.example/api", "/v1.0/a.b", "https://api.example/api/v1.0/a.b", id="single-dots"
        ),
        # Four decodings are checked; the API decodes once, so a fifth level stays text.
        pytest.param(
            "https://api.example/api",
            "/v1/%252525252e%252525252e/x",
            "https://api.example/api/v1/%252525252e%252525252e/x",
            id="escaped-five-times",
        ),
    ],
)
def test_a_path_on_the_base_is_joined_to_it(base: str, path: str, url: str) -> None:
    assert api_url(endpoints=Api(api_base_url=base), path=path) == url


def test_a_path_of_the_longest_length_is_accepted() -> None:
    path = "/" + "a" * (PATH_MAX_LENGTH - 1)
    assert api_url(endpoints=API, path=path) == API.api_base_url + path


def test_an_empty_path_is_asked_for() -> None:
    refused = _refused("")
    assert (refused.code, refused.message) == (errors.CODE_PATH_REFUSED, messages.PATH_REQUIRED)


# --- the character rules, on paths the final check would let through ----------------------

CHARACTER_RULES = [
    pytest.param("/v1/a\\b", id="backslash"),
    pytest.param("/v1/x#fragment", id="hash"),
    pytest.param("/v1/https://evil.example/x", id="scheme-separator"),
    pytest.param("/v1/a\x00b", id="nul"),
    pytest.param("/v1/a\x7fb", id="delete"),
    pytest.param("/v1/a\x1fb", id="control"),
    pytest.param("/v1/a b", id="space"),
    pytest.param("/v1/@evil.example", id="at-sign"),
    pytest.param("/v1/../x", id="dot-dot"),
    pytest.param("//evil.example/x", id="double-slash"),
    pytest.param("/" + "a" * PATH_MAX_LENGTH, id="too-long"),
    pytest.param("/v1/%5Cx", id="escaped-backslash"),
    pytest.param("/v1/%23x", id="escaped-hash"),
    pytest.param("/v1/%00", id="escaped-nul"),
    pytest.param("/v1/%7F", id="escaped-delete"),
    pytest.param("/v1/%2e%2e/x", id="escaped-dot-dot"),
    pytest.param("/v1/%252e%252e/x", id="escaped-twice"),
    pytest.param("/v1/%2525252e%2525252e/x", id="escaped-four-times"),
    pytest.param("/%2F/evil.example/x", id="escaped-double-slash"),
]


@pytest.mark.parametrize("path", CHARACTER_RULES)
def test_the_character_rules_refuse_what_the_final_check_would_let_through(path: str) -> None:
    joined = urlsplit(API.api_base_url + path)
    assert (joined.scheme, joined.netloc, joined.path.startswith("/api/")) == ("https", "api.example", True)
    refused = _refused(path)
    assert (refused.code, refused.message) == _refusal()


@pytest.mark.parametrize(
    "path",
    [pytest.param("v1/x", id="no-leading-slash"), pytest.param("%2Fv1/x", id="escaped-leading-slash")],
)
def test_a_path_must_start_with_one_slash(path: str) -> None:
    refused = _refused(path)
    assert (refused.code, refused.message) == _refusal()


# --- the final check, on paths the character rules let through ------------------------------


@pytest.mark.parametrize(
    "base",
    [
        pytest.param("https://api.example/api?tenant=1", id="base-with-query"),
        pytest.param("https://api.example/api#docs", id="base-with-fragment"),
    ],
)
def test_the_final_check_refuses_a_url_that_left_the_base_path(base: str) -> None:
    endpoints = Api(api_base_url=base)
    refused = _refused("/v1/introspect", endpoints)
    assert (refused.code, refused.message) == _refusal(endpoints)


# --- api_request_check ----------------------------------------------------------------------


def _problems(
    request: ApiRequest, *, server: str = CredentialServer.PLEO_STAGING, confirmed: bool = False
) -> Any:
    try:
        api_request_check(request, server=server, production_confirmed=confirmed)
    except ValidationError as exc:
        return exc.message_dict
    return {}


ACCEPTED_REQUESTS = [
    pytest.param(ApiRequest(path="/v1/x/{a/b}"), id="braces-around-a-slash-are-no-placeholder"),
    pytest.param(ApiRequest(path="/v1/introspect"), id="get"),
    pytest.param(ApiRequest(method="POST", path="/v1/x", body='{"a": 1}'), id="post-json"),
    pytest.param(ApiRequest(method="DELETE", path="/v1/x", body="[]"), id="delete-json"),
    pytest.param(ApiRequest(query=[("q", "a\nb")]), id="query-value-with-line-break"),
    pytest.param(ApiRequest(query=[("q", "")] * ROWS_MAX), id="most-rows"),
    pytest.param(ApiRequest(query=[("n" * ROW_NAME_MAX, "v" * ROW_VALUE_MAX)]), id="longest-row"),
    pytest.param(ApiRequest(headers=[("X-Trace", "a;b=c")]), id="header"),
    pytest.param(ApiRequest(headers=[("X-Name", "Ærø\tå")]), id="header-value-in-latin-1"),
    pytest.param(ApiRequest(query=[("name", "ā 😀")]), id="query-value-outside-latin-1"),
    pytest.param(ApiRequest(path="/v1/ā"), id="path-outside-ascii"),
    pytest.param(ApiRequest(method="POST", body='{"emoji": "\\ud83d\\ude00"}'), id="surrogate-pair-escape"),
    pytest.param(ApiRequest(method="PUT", body=json.dumps("a" * (BODY_MAX_BYTES - 2))), id="largest-body"),
]


@pytest.mark.parametrize("request_", ACCEPTED_REQUESTS)
def test_a_well_formed_request_passes(request_: ApiRequest) -> None:
    assert _problems(request_) == {}


def _json_error(body: str) -> str:
    """What the JSON parser says about `body`, as the message quotes it."""
    try:
        json.loads(body)
    except (ValueError, RecursionError) as exc:
        return str(exc)[:120]
    raise AssertionError("valid JSON")


def _long(name: str) -> str:
    return messages.ROW_TOO_LONG.format(name=name[:40], max=ROW_VALUE_MAX)


REFUSED_REQUESTS = [
    pytest.param(
        ApiRequest(path="/v1/accounts/{accountId}/items/{}"),
        {"path": [messages.PATH_PLACEHOLDER.format(placeholders="{accountId}, {}")]},
        id="placeholders-left-in-the-path",
    ),
    pytest.param(
        ApiRequest(method="TRACE"),
        {"method": [messages.METHOD_INVALID.format(methods="GET, POST, PUT, PATCH, DELETE")]},
        id="method",
    ),
    pytest.param(
        ApiRequest(query=[("q", "")] * (ROWS_MAX + 1)),
        {"query": [messages.ROWS_TOO_MANY.format(max=ROWS_MAX)]},
        id="too-many-query-rows",
    ),
    pytest.param(
        ApiRequest(headers=[("X-A", "")] * (ROWS_MAX + 1)),
        {"headers": [messages.ROWS_TOO_MANY.format(max=ROWS_MAX)]},
        id="too-many-header-rows",
    ),
    pytest.param(ApiRequest(query=[("", "v")]), {"query": [_long("")]}, id="row-without-name"),
    pytest.param(
        ApiRequest(query=[("n" * (ROW_NAME_MAX + 1), "v")]), {"query": [_long("n" * 41)]}, id="name-too-long"
    ),
    pytest.param(
        ApiRequest(query=[("q", "v" * (ROW_VALUE_MAX + 1))]), {"query": [_long("q")]}, id="value-too-long"
    ),
    pytest.param(
        ApiRequest(query=[("q", "a\x00b"), ("ok", "1"), ("r", "\x00")]),
        {
            "query": [
                messages.ROW_UNSTORABLE.format(name="q", reason=TEXT_HOLDS_NUL),
                messages.ROW_UNSTORABLE.format(name="r", reason=TEXT_HOLDS_NUL),
            ]
        },
        id="nul-in-query-values",
    ),
    pytest.param(
        ApiRequest(query=[("a\x00b", "v")]),
        {"query": [messages.ROW_UNSTORABLE.format(name="a\ufffdb", reason=TEXT_HOLDS_NUL)]},
        id="nul-in-query-name-not-repeated",
    ),
    pytest.param(
        ApiRequest(query=[("q", "\ud800")]),
        {"query": [messages.ROW_UNSTORABLE.format(name="q", reason=TEXT_HOLDS_SURROGATE)]},
        id="surrogate-in-query-value",
    ),
    pytest.param(
        ApiRequest(headers=[("X-Trace", "\x00")]),
        {"headers": [messages.ROW_UNSTORABLE.format(name="X-Trace", reason=TEXT_HOLDS_NUL)]},
        id="nul-in-header-value",
    ),
    pytest.param(
        ApiRequest(headers=[("X-Name", "ā")]),
        {"headers": [messages.HEADER_VALUE_NOT_LATIN1.format(name="X-Name", character="ā")]},
        id="header-value-outside-latin-1",
    ),
    pytest.param(
        ApiRequest(headers=[("X-Name", "ok 😀")]),
        {"headers": [messages.HEADER_VALUE_NOT_LATIN1.format(name="X-Name", character="😀")]},
        id="header-value-emoji",
    ),
    pytest.param(
        ApiRequest(headers=[("X-Name", "\x85next")]),
        {"headers": [messages.HEADER_VALUE_INVALID.format(name="X-Name")]},
        id="header-value-c1-control",
    ),
    pytest.param(
        ApiRequest(headers=[("X-Name", " padded")]),
        {"headers": [messages.HEADER_VALUE_SPACE.format(name="X-Name")]},
        id="header-value-leading-space",
    ),
    pytest.param(
        ApiRequest(path="/v1/\udfff"),
        {"path": [TEXT_HOLDS_SURROGATE]},
        id="surrogate-in-path",
    ),
    pytest.param(
        ApiRequest(method="POST", body='{"name": "\\ud800"}'),
        {"body": [TEXT_HOLDS_SURROGATE]},
        id="body-with-a-lone-surrogate-escape",
    ),
    pytest.param(
        ApiRequest(method="POST", body='["\\u0000"]'),
        {"body": [TEXT_HOLDS_NUL]},
        id="body-with-a-nul-escape",
    ),
    pytest.param(
        ApiRequest(method="POST", body='"\ud800"'),
        {"body": [TEXT_HOLDS_SURROGATE]},
        id="body-with-a-raw-surrogate",
    ),
    pytest.param(
        ApiRequest(headers=[("X Bad", "v")]),
        {"headers": [messages.HEADER_NAME_INVALID.format(name="X Bad")]},
        id="header-name",
    ),
    pytest.param(
        ApiRequest(headers=[("X-Bad\n", "v")]),
        {"headers": [messages.HEADER_NAME_INVALID.format(name="X-Bad\n")]},
        id="header-name-trailing-newline",
    ),
    pytest.param(
        ApiRequest(headers=[("X-" + "n" * 45 + " ", "v")]),
        {"headers": [messages.HEADER_NAME_INVALID.format(name="X-" + "n" * 38)]},
        id="long-header-name-shortened",
    ),
    pytest.param(
        ApiRequest(headers=[("X-" + "n" * 45, "a\nb")]),
        {"headers": [messages.HEADER_VALUE_INVALID.format(name="X-" + "n" * 38)]},
        id="long-name-of-a-bad-value-shortened",
    ),
    pytest.param(
        ApiRequest(headers=[("HOST", "evil.example")]),
        {"headers": [messages.HEADER_FORBIDDEN.format(name="HOST")]},
        id="forbidden-header-any-case",
    ),
    pytest.param(
        ApiRequest(headers=[("X-Trace", "a\r\nHost: evil")]),
        {"headers": [messages.HEADER_VALUE_INVALID.format(name="X-Trace")]},
        id="header-value-line-break",
    ),
    pytest.param(
        ApiRequest(method="GET", body="{}"),
        {"body": [messages.BODY_NOT_ALLOWED.format(method="GET")]},
        id="body-on-get",
    ),
    pytest.param(
        ApiRequest(method="POST", body=json.dumps("é" * (BODY_MAX_BYTES // 2))),
        {"body": [messages.BODY_TOO_LARGE.format(limit_kib=BODY_MAX_BYTES // 1024)]},
        id="body-too-large-in-bytes",
    ),
    *[
        pytest.param(
            ApiRequest(method="POST", body=body),
            {"body": [messages.BODY_NOT_JSON.format(reason=_json_error(body))]},
            id=name,
        )
        for name, body in (("body-not-json", "{"), ("body-too-deep", "[" * 30_000 + "]" * 30_000))
    ],
]


@pytest.mark.parametrize(("request_", "problems"), REFUSED_REQUESTS)
def test_a_malformed_request_is_refused_by_field(
    request_: ApiRequest, problems: dict[str, list[str]]
) -> None:
    assert _problems(request_) == problems


@pytest.mark.parametrize(
    ("method", "server", "confirmed", "refused"),
    [
        pytest.param("POST", CredentialServer.PLEO_PRODUCTION, False, True, id="production-write"),
        pytest.param("POST", CredentialServer.PLEO_PRODUCTION, True, False, id="production-write-confirmed"),
        pytest.param("GET", CredentialServer.PLEO_PRODUCTION, False, False, id="production-read"),
        pytest.param("POST", CredentialServer.PLEO_STAGING, False, False, id="staging-write"),
    ],
)
def test_a_write_on_production_needs_the_confirmation(
    method: str, server: str, confirmed: bool, refused: bool
) -> None:
    expected = (
        {"confirm_production": [messages.PRODUCTION_NOT_CONFIRMED.format(method=method)]} if refused else {}
    )
    assert _problems(ApiRequest(method=method), server=server, confirmed=confirmed) == expected
