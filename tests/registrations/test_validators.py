"""Every rule in registrations.validators, table-driven: accept and reject cases, both
environments, both application types. Messages are the module's constants."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from core.text import TEXT_HOLDS_NUL, TEXT_HOLDS_SURROGATE, UNSTORABLE_CODE
from registrations import validators as v
from registrations.fields import FIELDS, Kind
from registrations.models import ApplicationType, Environment, Registration, Scope
from registrations.selectors import registration_validation_report, scope_catalog
from tests.factories import registration_data

STAGING, PRODUCTION = Environment.STAGING.value, Environment.PRODUCTION.value
WEB, NATIVE = ApplicationType.WEB.value, ApplicationType.NATIVE.value
OPTIONAL_URI_FIELDS = [spec.name for spec in FIELDS if spec.kind == Kind.URI and not spec.required]
BOTH_ENVIRONMENTS = (STAGING, PRODUCTION)
BOTH_TYPES = (WEB, NATIVE)
EVERYWHERE = [(env, app) for env in BOTH_ENVIRONMENTS for app in BOTH_TYPES]
# A host name of exactly 253 characters (the most DNS allows), in labels of at most 63.
LONGEST_HOST = ".".join(("a" * 63, "b" * 63, "c" * 63, "d" * 61))


def _everywhere(uri: str, expected: str, name: str) -> list[Any]:
    return [pytest.param(uri, env, app, expected, id=f"{name}-{env}-{app}") for env, app in EVERYWHERE]


def _messages(exc_info: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return exc_info.value.messages


# --- one redirect URI ----------------------------------------------------------------

# (uri, environment, application type, warnings)
REDIRECT_ACCEPTED = [
    *[
        pytest.param("https://app.example/callback", env, app, [], id=f"https-{env}-{app}")
        for env, app in EVERYWHERE
    ],
    pytest.param("https://oauth.pstmn.io/v1/browser-callback", STAGING, WEB, [], id="postman-web"),
    pytest.param("https://oauth.pstmn.io/v1/callback", PRODUCTION, WEB, [], id="postman-desktop"),
    pytest.param("https://app.example/cb?tenant=1&x=%2F", PRODUCTION, WEB, [], id="query-and-escapes"),
    pytest.param("https://app.example:8443/cb", PRODUCTION, WEB, [], id="explicit-port"),
    pytest.param("https://xn--bcher-kva.example/cb", PRODUCTION, WEB, [], id="punycode-host"),
    pytest.param("https://" + "a" * 63 + ".example/cb", STAGING, WEB, [], id="longest-label"),
    pytest.param(
        "https://app.example/" + "a" * (v.MAX_URI_LENGTH - 20), STAGING, WEB, [], id="exactly-max-length"
    ),
    pytest.param("https://app.example:1/cb", PRODUCTION, WEB, [], id="lowest-port"),
    pytest.param("https://app.example:65535/cb", PRODUCTION, WEB, [], id="highest-port"),
    pytest.param("https://[2001:db8::1]:8443/cb", PRODUCTION, WEB, [], id="ipv6-literal-with-port"),
    pytest.param(f"https://{LONGEST_HOST}/cb", PRODUCTION, WEB, [], id="longest-host"),
    pytest.param("https://app.example./cb", PRODUCTION, WEB, [], id="host-with-trailing-dot"),
    pytest.param("https://app.e./cb", PRODUCTION, WEB, [], id="one-letter-label-before-trailing-dot"),
    pytest.param("https://1.2.3.4/cb", PRODUCTION, WEB, [], id="public-ipv4"),
    pytest.param("https://app.example/cb?next=/./x&up=..", PRODUCTION, WEB, [], id="dot-segments-in-query"),
    pytest.param(
        "https://app.example/cb?a=/./b?c", PRODUCTION, WEB, [], id="dot-segment-after-second-question-mark"
    ),
    pytest.param("http://127.0.0.1/cb", STAGING, WEB, [], id="http-ipv4-loopback-staging-web"),
    pytest.param("http://127.0.0.1:8080/cb", STAGING, WEB, [], id="http-ipv4-loopback-any-port-staging-web"),
    pytest.param("http://[::1]:51000/cb", STAGING, WEB, [], id="http-ipv6-loopback-staging-web"),
    pytest.param("https://127.0.0.1/cb", STAGING, WEB, [], id="https-loopback-staging-web"),
    pytest.param(
        "http://127.0.0.1:51000/cb", PRODUCTION, NATIVE, [], id="http-ipv4-loopback-production-native"
    ),
    pytest.param("http://[::1]/cb", PRODUCTION, NATIVE, [], id="http-ipv6-loopback-production-native"),
    pytest.param("http://127.0.0.1/cb", STAGING, NATIVE, [], id="http-ipv4-loopback-staging-native"),
    pytest.param("https://[::ffff:127.0.0.1]/cb", STAGING, NATIVE, [], id="ipv4-mapped-mixed-notation"),
    pytest.param("com.example.app:/callback", STAGING, NATIVE, [], id="private-use-scheme-staging"),
    pytest.param("com.example.app:/callback", PRODUCTION, NATIVE, [], id="private-use-scheme-production"),
    pytest.param("com.example.app:/", PRODUCTION, NATIVE, [], id="private-use-scheme-root"),
    *[
        pytest.param(
            uri, STAGING, app, [v.REDIRECT_URI_LOCALHOST_WARNING], id=f"localhost-warns-{name}-{app}"
        )
        for app in BOTH_TYPES
        for name, uri in (("http", "http://localhost:3000/cb"), ("https", "https://localhost/cb"))
    ],
]


@pytest.mark.parametrize(("uri", "environment", "application_type", "warnings"), REDIRECT_ACCEPTED)
def test_redirect_uri_accepted(
    uri: str, environment: str, application_type: str, warnings: list[str]
) -> None:
    assert (
        v.validate_redirect_uri(uri, environment=environment, application_type=application_type) == warnings
    )


# (uri, environment, application type, message)
REDIRECT_REJECTED = [
    pytest.param(None, STAGING, WEB, v.REDIRECT_URI_NOT_STRING, id="not-a-string"),
    pytest.param("", STAGING, WEB, v.REDIRECT_URI_EMPTY, id="empty"),
    pytest.param(
        "https://app.example/" + "a" * (v.MAX_URI_LENGTH - 19),
        STAGING,
        WEB,
        v.REDIRECT_URI_TOO_LONG,
        id="too-long",
    ),
    *_everywhere("/callback", v.REDIRECT_URI_NOT_ABSOLUTE, "relative"),
    pytest.param("app.example/cb", STAGING, WEB, v.REDIRECT_URI_NOT_ABSOLUTE, id="no-scheme"),
    *_everywhere("https://app.example/cb#section", v.REDIRECT_URI_FRAGMENT, "fragment"),
    *_everywhere("https://app.example/cb#", v.REDIRECT_URI_FRAGMENT, "bare-hash"),
    pytest.param(
        "com.example.app:/cb#x", STAGING, NATIVE, v.REDIRECT_URI_FRAGMENT, id="fragment-private-use"
    ),
    *_everywhere("https://user:secret@app.example/cb", v.REDIRECT_URI_USERINFO, "userinfo"),
    pytest.param("https://user@app.example/cb", STAGING, WEB, v.REDIRECT_URI_USERINFO, id="user-only"),
    *_everywhere("https://*.app.example/cb", v.REDIRECT_URI_WILDCARD, "wildcard-host"),
    pytest.param("https://app.example/*", STAGING, NATIVE, v.REDIRECT_URI_WILDCARD, id="wildcard-path"),
    pytest.param("https://app.example/a b", STAGING, WEB, v.REDIRECT_URI_WHITESPACE, id="space"),
    pytest.param(" https://app.example/cb", STAGING, WEB, v.REDIRECT_URI_WHITESPACE, id="leading-space"),
    pytest.param("https://app.example/cb\n", STAGING, WEB, v.REDIRECT_URI_WHITESPACE, id="trailing-newline"),
    pytest.param("https://app.example/\tcb", PRODUCTION, NATIVE, v.REDIRECT_URI_WHITESPACE, id="tab"),
    pytest.param("https://app.example/\x00cb", STAGING, WEB, v.REDIRECT_URI_WHITESPACE, id="nul"),
    pytest.param("https://app.example/\x7fcb", STAGING, WEB, v.REDIRECT_URI_WHITESPACE, id="delete"),
    pytest.param("https://app.example/\x85cb", STAGING, WEB, v.REDIRECT_URI_WHITESPACE, id="c1-control"),
    *[
        pytest.param(
            f"https://app.example/{ch}cb", STAGING, WEB, v.REDIRECT_URI_WHITESPACE, id=f"control-{ord(ch):x}"
        )
        for ch in ("\x1f", "\x80", "\x9f")
    ],
    pytest.param(
        "https://app.example/\xa1cb", STAGING, WEB, v.REDIRECT_URI_NON_ASCII, id="first-non-control-latin1"
    ),
    pytest.param(
        "https://app-.example./cb", STAGING, WEB, v.REDIRECT_URI_BAD_HOST, id="bad-label-before-trailing-dot"
    ),
    pytest.param(
        "https://[::1]:80]/cb", STAGING, NATIVE, v.REDIRECT_URI_BAD_PORT, id="bracket-after-ipv6-port"
    ),
    pytest.param("https://app.example:80:80/cb", STAGING, WEB, v.REDIRECT_URI_BAD_HOST, id="two-ports"),
    pytest.param(
        "https://app.example/\u2028cb", STAGING, WEB, v.REDIRECT_URI_WHITESPACE, id="line-separator"
    ),
    *_everywhere("https://bücher.example/cb", v.REDIRECT_URI_NON_ASCII, "unicode-host"),
    pytest.param("https://app.example/café", STAGING, WEB, v.REDIRECT_URI_NON_ASCII, id="unicode-path"),
    *_everywhere("HTTPS://app.example/cb", v.REDIRECT_URI_SCHEME_CASE, "uppercase-scheme"),
    *_everywhere("https://App.Example/cb", v.REDIRECT_URI_HOST_CASE, "uppercase-host"),
    *_everywhere("https://app.example:0/cb", v.REDIRECT_URI_BAD_PORT, "port-zero"),
    pytest.param("https://app.example:65536/cb", STAGING, WEB, v.REDIRECT_URI_BAD_PORT, id="port-too-big"),
    pytest.param(
        "https://app.example:08443/cb", STAGING, WEB, v.REDIRECT_URI_BAD_PORT, id="port-leading-zero"
    ),
    pytest.param("https://app.example:/cb", STAGING, WEB, v.REDIRECT_URI_BAD_PORT, id="port-empty"),
    pytest.param(
        "http://127.0.0.1:http/cb", STAGING, NATIVE, v.REDIRECT_URI_BAD_PORT, id="port-not-a-number"
    ),
    pytest.param("https:///cb", STAGING, WEB, v.REDIRECT_URI_NO_HOST, id="empty-host"),
    pytest.param("https:app.example/cb", STAGING, NATIVE, v.REDIRECT_URI_NO_HOST, id="no-authority"),
    pytest.param(
        "https://-app.example/cb", STAGING, WEB, v.REDIRECT_URI_BAD_HOST, id="label-starts-with-hyphen"
    ),
    pytest.param(
        "https://app-.example/cb", PRODUCTION, WEB, v.REDIRECT_URI_BAD_HOST, id="label-ends-with-hyphen"
    ),
    pytest.param(
        "https://" + "a" * 64 + ".example/cb", STAGING, WEB, v.REDIRECT_URI_BAD_HOST, id="label-of-64"
    ),
    pytest.param(f"https://{LONGEST_HOST}a/cb", STAGING, WEB, v.REDIRECT_URI_BAD_HOST, id="host-of-254"),
    pytest.param("https://[::1]x/cb", STAGING, NATIVE, v.REDIRECT_URI_BAD_HOST, id="junk-after-ipv6"),
    pytest.param("https://[2001:db8::1]:0/cb", STAGING, WEB, v.REDIRECT_URI_BAD_PORT, id="ipv6-port-zero"),
    pytest.param("https://[2001:db8::1]:01/cb", STAGING, WEB, v.REDIRECT_URI_BAD_PORT, id="ipv6-port-01"),
    pytest.param("https://[::1]:/cb", STAGING, NATIVE, v.REDIRECT_URI_BAD_PORT, id="ipv6-port-empty"),
    pytest.param("https://app.example:01/cb", STAGING, WEB, v.REDIRECT_URI_BAD_PORT, id="port-01"),
    pytest.param("https://[2001:DB8::1]/cb", STAGING, WEB, v.REDIRECT_URI_IPV6_FORM, id="ipv6-uppercase"),
    pytest.param("https://app.123/cb", STAGING, WEB, v.REDIRECT_URI_IP_FORM, id="numeric-last-label"),
    pytest.param("https://0x7f000001/cb", PRODUCTION, WEB, v.REDIRECT_URI_IP_FORM, id="ipv4-hex-integer"),
    pytest.param(
        "https://[::ffff:127.0.0.1]/cb",
        PRODUCTION,
        WEB,
        v.REDIRECT_URI_LOOPBACK_PRODUCTION_WEB,
        id="ipv4-mapped-loopback-production-web",
    ),
    pytest.param(
        "https://[::ffff:7f00:1]/cb",
        PRODUCTION,
        WEB,
        v.REDIRECT_URI_LOOPBACK_PRODUCTION_WEB,
        id="ipv4-mapped-hex-loopback-production-web",
    ),
    pytest.param(
        "https://localhost./cb",
        PRODUCTION,
        WEB,
        v.REDIRECT_URI_LOCALHOST_PRODUCTION,
        id="localhost-trailing-dot-production-web",
    ),
    pytest.param("https://app..example/cb", STAGING, WEB, v.REDIRECT_URI_BAD_HOST, id="empty-label"),
    pytest.param("https://[::1/cb", STAGING, NATIVE, v.REDIRECT_URI_BAD_HOST, id="unclosed-ipv6"),
    pytest.param("https://xn--abc.example/cb", STAGING, WEB, v.REDIRECT_URI_BAD_PUNYCODE, id="bad-punycode"),
    pytest.param("https://127.000.0.1/cb", STAGING, NATIVE, v.REDIRECT_URI_IP_FORM, id="ipv4-leading-zeros"),
    pytest.param("https://2130706433/cb", STAGING, WEB, v.REDIRECT_URI_IP_FORM, id="ipv4-as-integer"),
    pytest.param("https://0x7f.1/cb", STAGING, WEB, v.REDIRECT_URI_IP_FORM, id="ipv4-hex"),
    pytest.param(
        "http://[0:0:0:0:0:0:0:1]/cb", STAGING, NATIVE, v.REDIRECT_URI_IPV6_FORM, id="ipv6-uncompressed"
    ),
    pytest.param("https://[fe80::1%25eth0]/cb", STAGING, NATIVE, v.REDIRECT_URI_IPV6_FORM, id="ipv6-zone"),
    pytest.param(
        "https://app.example/a\\b",
        STAGING,
        WEB,
        v.REDIRECT_URI_BAD_CHARACTER.format(character="\\"),
        id="backslash",
    ),
    pytest.param(
        "https://app.example/<x>",
        STAGING,
        WEB,
        v.REDIRECT_URI_BAD_CHARACTER.format(character="<"),
        id="angle-bracket",
    ),
    pytest.param(
        "https://app.example/?q=[1]",
        STAGING,
        WEB,
        v.REDIRECT_URI_BAD_CHARACTER.format(character="["),
        id="square-bracket-in-query",
    ),
    *[
        pytest.param(
            f"https://app.example/a{bracket}b",
            STAGING,
            WEB,
            v.REDIRECT_URI_BAD_CHARACTER.format(character=bracket),
            id=f"lone-{name}-bracket",
        )
        for name, bracket in (("opening", "["), ("closing", "]"))
    ],
    pytest.param(
        "https://app.example/%zz", STAGING, WEB, v.REDIRECT_URI_BAD_PERCENT, id="bad-percent-escape"
    ),
    pytest.param(
        "https://app.example/a/../cb", STAGING, WEB, v.REDIRECT_URI_DOT_SEGMENT, id="dot-dot-segment"
    ),
    pytest.param("https://app.example/./cb", STAGING, NATIVE, v.REDIRECT_URI_DOT_SEGMENT, id="dot-segment"),
    # Schemes that are never allowed, for either application type and environment.
    *[
        pytest.param(
            uri,
            env,
            app,
            v.REDIRECT_URI_FORBIDDEN_SCHEME.format(scheme=scheme),
            id=f"forbidden-{scheme}-{env}-{app}",
        )
        for scheme, uri in (
            ("javascript", "javascript:alert(1)"),
            ("data", "data:text/html,hi"),
            ("file", "file:///etc/passwd"),
            ("vbscript", "vbscript:msgbox"),
            ("blob", "blob:https://app.example/0f1e"),
            ("about", "about:blank"),
            ("ftp", "ftp://files.example/cb"),
        )
        for env, app in EVERYWHERE
    ],
    pytest.param(
        "JavaScript:alert(1)",
        STAGING,
        NATIVE,
        v.REDIRECT_URI_FORBIDDEN_SCHEME.format(scheme="javascript"),
        id="forbidden-scheme-any-case",
    ),
    # Web clients: https, http only to a loopback literal and only in staging.
    pytest.param(
        "http://app.example/cb", STAGING, WEB, v.REDIRECT_URI_HTTP_NOT_LOOPBACK, id="http-web-staging"
    ),
    pytest.param(
        "http://127.0.0.2/cb", STAGING, WEB, v.REDIRECT_URI_HTTP_NOT_LOOPBACK, id="http-other-loopback"
    ),
    pytest.param(
        "http://127.0.0.1/cb",
        PRODUCTION,
        WEB,
        v.REDIRECT_URI_LOOPBACK_PRODUCTION_WEB,
        id="http-loopback-production-web",
    ),
    pytest.param(
        "https://127.0.0.1/cb",
        PRODUCTION,
        WEB,
        v.REDIRECT_URI_LOOPBACK_PRODUCTION_WEB,
        id="https-loopback-production-web",
    ),
    pytest.param(
        "https://[::1]/cb",
        PRODUCTION,
        WEB,
        v.REDIRECT_URI_LOOPBACK_PRODUCTION_WEB,
        id="ipv6-loopback-production-web",
    ),
    pytest.param(
        "https://0.0.0.0/cb",
        PRODUCTION,
        WEB,
        v.REDIRECT_URI_LOOPBACK_PRODUCTION_WEB,
        id="unspecified-production-web",
    ),
    pytest.param(
        "com.example.app:/callback", STAGING, WEB, v.REDIRECT_URI_WEB_NEEDS_HTTPS, id="private-use-scheme-web"
    ),
    pytest.param("myapp://callback", PRODUCTION, WEB, v.REDIRECT_URI_WEB_NEEDS_HTTPS, id="custom-scheme-web"),
    # Native clients: https, http to a loopback literal, or reverse-domain private-use schemes.
    pytest.param(
        "http://app.example/cb", STAGING, NATIVE, v.REDIRECT_URI_HTTP_NOT_LOOPBACK, id="http-native"
    ),
    pytest.param("myapp://x", STAGING, NATIVE, v.REDIRECT_URI_NATIVE_SCHEME, id="scheme-not-reverse-domain"),
    pytest.param("myapp:/x", PRODUCTION, NATIVE, v.REDIRECT_URI_NATIVE_SCHEME, id="scheme-without-dot"),
    pytest.param(
        "com.example.app://callback",
        STAGING,
        NATIVE,
        v.REDIRECT_URI_PRIVATE_SCHEME_FORM,
        id="private-use-double-slash",
    ),
    pytest.param(
        "com.example.app:callback",
        PRODUCTION,
        NATIVE,
        v.REDIRECT_URI_PRIVATE_SCHEME_FORM,
        id="private-use-no-slash",
    ),
    pytest.param(
        "com.example.:/cb", STAGING, NATIVE, v.REDIRECT_URI_NATIVE_SCHEME, id="private-use-empty-label"
    ),
    # localhost: staging only (with a warning, see the accepted cases).
    *[
        pytest.param(
            "http://localhost:3000/cb",
            PRODUCTION,
            app,
            v.REDIRECT_URI_LOCALHOST_PRODUCTION,
            id=f"localhost-production-{app}",
        )
        for app in BOTH_TYPES
    ],
    pytest.param(
        "https://app.localhost/cb",
        PRODUCTION,
        NATIVE,
        v.REDIRECT_URI_LOCALHOST_PRODUCTION,
        id="localhost-subdomain",
    ),
]


@pytest.mark.parametrize(("uri", "environment", "application_type", "message"), REDIRECT_REJECTED)
def test_redirect_uri_rejected(uri: Any, environment: str, application_type: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc_info:
        v.validate_redirect_uri(uri, environment=environment, application_type=application_type)
    assert _messages(exc_info) == [message]


# --- the redirect URI list -----------------------------------------------------------

REDIRECT_LIST_REJECTED = [
    pytest.param("https://app.example/cb", [v.REDIRECT_URIS_NOT_A_LIST], id="string-not-list"),
    pytest.param([], [v.REDIRECT_URIS_REQUIRED], id="empty-list"),
    pytest.param(
        ["https://app.example/cb", "https://app.example/cb"],
        [f"Redirect URI 2 “https://app.example/cb” {v.REDIRECT_URI_DUPLICATE}"],
        id="exact-duplicate",
    ),
    pytest.param(
        ["https://app.example/#a", "https://app.example/ok", "http://app.example/cb"],
        [
            f"Redirect URI 1 “https://app.example/#a” {v.REDIRECT_URI_FRAGMENT}",
            f"Redirect URI 3 “http://app.example/cb” {v.REDIRECT_URI_HTTP_NOT_LOOPBACK}",
        ],
        id="every-bad-entry-named",
    ),
    pytest.param([42], [f"Redirect URI 1 “42” {v.REDIRECT_URI_NOT_STRING}"], id="entry-not-string"),
    pytest.param(
        ["https://a.example/cb", "https://a.example/cb", "https://a.example/#x", "https://a.example/cb"],
        [
            f"Redirect URI 2 “https://a.example/cb” {v.REDIRECT_URI_DUPLICATE}",
            f"Redirect URI 3 “https://a.example/#x” {v.REDIRECT_URI_FRAGMENT}",
            f"Redirect URI 4 “https://a.example/cb” {v.REDIRECT_URI_DUPLICATE}",
        ],
        id="every-duplicate-named",
    ),
]


@pytest.mark.parametrize(("uris", "messages"), REDIRECT_LIST_REJECTED)
@pytest.mark.parametrize("environment", BOTH_ENVIRONMENTS)
def test_redirect_uri_list_rejected(uris: Any, messages: list[str], environment: str) -> None:
    with pytest.raises(ValidationError) as exc_info:
        v.validate_redirect_uris(uris, environment=environment, application_type=WEB)
    assert _messages(exc_info) == messages


NEAR_DUPLICATES = [
    pytest.param(["https://app.example/cb", "https://app.example/cb/"], id="trailing-slash"),
    pytest.param(["https://app.example/cb", "https://app.example/CB"], id="case"),
]


@pytest.mark.parametrize("uris", NEAR_DUPLICATES)
@pytest.mark.parametrize(("environment", "application_type"), EVERYWHERE)
def test_redirect_uri_near_duplicates_are_kept_with_a_warning(
    uris: list[str], environment: str, application_type: str
) -> None:
    warnings = v.validate_redirect_uris(uris, environment=environment, application_type=application_type)
    assert warnings == [f"Redirect URI 2 “{uris[1]}” {v.REDIRECT_URI_NEAR_DUPLICATE.format(other=uris[0])}"]


def test_redirect_uri_list_warnings_name_the_entry() -> None:
    warnings = v.validate_redirect_uris(
        ["https://app.example/cb", "http://localhost:8000/cb"], environment=STAGING, application_type=NATIVE
    )
    assert warnings == [f"Redirect URI 2 “http://localhost:8000/cb” {v.REDIRECT_URI_LOCALHOST_WARNING}"]


# --- scopes ----------------------------------------------------------------------------

CATALOG = {
    "users:read": [STAGING, PRODUCTION],
    "users:write": [STAGING, PRODUCTION],
    "beta:read": [STAGING],
}

SCOPE_ACCEPTED = [
    *[pytest.param("users:read", env, [], id=f"one-{env}") for env in BOTH_ENVIRONMENTS],
    *[pytest.param("users:read users:write", env, [], id=f"two-{env}") for env in BOTH_ENVIRONMENTS],
    pytest.param("beta:read", STAGING, [], id="staging-only-scope-in-staging"),
    pytest.param(
        "users:read custom:read",
        STAGING,
        [v.SCOPE_NOT_IN_CATALOG_WARNING.format(token="custom:read")],
        id="unknown-scope-warns-in-staging",
    ),
    pytest.param(
        "a" * (v.MAX_SCOPE_LENGTH // 2) + ":" + "b" * (v.MAX_SCOPE_LENGTH // 2 - 1),
        STAGING,
        [
            v.SCOPE_NOT_IN_CATALOG_WARNING.format(
                token="a" * (v.MAX_SCOPE_LENGTH // 2) + ":" + "b" * (v.MAX_SCOPE_LENGTH // 2 - 1)
            )
        ],
        id="longest",
    ),
]


@pytest.mark.parametrize(("scope", "environment", "warnings"), SCOPE_ACCEPTED)
def test_scope_accepted(scope: str, environment: str, warnings: list[str]) -> None:
    assert v.validate_scope(scope, environment=environment, catalog=CATALOG) == warnings


SCOPE_REJECTED = [
    pytest.param(
        'bad"1 users:read users:read bad"2 users:read',
        STAGING,
        [
            v.SCOPE_TOKEN_SYNTAX.format(token='bad"1'),
            v.SCOPE_DUPLICATE.format(token="users:read"),
            v.SCOPE_TOKEN_SYNTAX.format(token='bad"2'),
            v.SCOPE_DUPLICATE.format(token="users:read"),
        ],
        id="every-bad-token-named-in-order",
    ),
    *[pytest.param("", env, [v.SCOPE_REQUIRED], id=f"empty-{env}") for env in BOTH_ENVIRONMENTS],
    pytest.param(None, STAGING, [v.SCOPE_REQUIRED], id="missing"),
    pytest.param(["users:read"], STAGING, [v.SCOPE_REQUIRED], id="list-not-string"),
    pytest.param(" users:read", STAGING, [v.SCOPE_SPACING], id="leading-space"),
    pytest.param("users:read ", PRODUCTION, [v.SCOPE_SPACING], id="trailing-space"),
    pytest.param("users:read  users:write", STAGING, [v.SCOPE_SPACING], id="double-space"),
    pytest.param(
        "users:read\tusers:write",
        STAGING,
        [v.SCOPE_TOKEN_SYNTAX.format(token="users:read\tusers:write")],
        id="tab-separated",
    ),
    pytest.param(
        "users:read\n", PRODUCTION, [v.SCOPE_TOKEN_SYNTAX.format(token="users:read\n")], id="trailing-newline"
    ),
    pytest.param('users"read', STAGING, [v.SCOPE_TOKEN_SYNTAX.format(token='users"read')], id="double-quote"),
    pytest.param("users\\read", STAGING, [v.SCOPE_TOKEN_SYNTAX.format(token="users\\read")], id="backslash"),
    pytest.param("usérs:read", STAGING, [v.SCOPE_TOKEN_SYNTAX.format(token="usérs:read")], id="non-ascii"),
    *[
        pytest.param(
            f"users:read {token}",
            env,
            [v.SCOPE_TEMPLATE_SYNTAX.format(token=token)],
            id=f"template-syntax-{name}-{env}",
        )
        for env in BOTH_ENVIRONMENTS
        for name, token in (
            ("postman-variable", "{{clientSecret}}"),
            ("opened-only", "users:{{read"),
            ("closed-only", "read}}"),
            ("tag", "{%raw%}"),
            ("dollar", "${secret}"),
        )
    ],
    *[
        pytest.param(token, STAGING, [v.SCOPE_NOT_PLEO_FORM.format(token=token)], id=f"not-pleo-form-{name}")
        for name, token in (
            ("every-other-allowed-character", "openid!#$%&'()*+,-./:;<=>?@[]^_`{|}~"),
            ("capital-letters", "Xero:readX"),
            ("no-colon", "openid"),
            ("two-colons", "users:read:all"),
            ("single-braces", "users:{read}"),
        )
    ],
    *[
        pytest.param(
            "users:read users:read",
            env,
            [v.SCOPE_DUPLICATE.format(token="users:read")],
            id=f"duplicate-{env}",
        )
        for env in BOTH_ENVIRONMENTS
    ],
    pytest.param(
        "users:read custom:read",
        PRODUCTION,
        [v.SCOPE_NOT_IN_CATALOG_ERROR.format(token="custom:read")],
        id="unknown-scope-production",
    ),
    pytest.param(
        "beta:read",
        PRODUCTION,
        [v.SCOPE_NOT_IN_CATALOG_ERROR.format(token="beta:read")],
        id="staging-only-scope",
    ),
    pytest.param("a" * (v.MAX_SCOPE_LENGTH + 1), STAGING, [v.SCOPE_TOO_LONG], id="too-long"),
]


@pytest.mark.parametrize(("scope", "environment", "messages"), SCOPE_REJECTED)
def test_scope_rejected(scope: Any, environment: str, messages: list[str]) -> None:
    with pytest.raises(ValidationError) as exc_info:
        v.validate_scope(scope, environment=environment, catalog=CATALOG)
    assert _messages(exc_info) == messages


@settings(max_examples=300, derandomize=True, database=None)
@given(st.text(st.sampled_from([*'ab:-{}%$"\\ \t\n\x00é😀']), max_size=12))
def test_the_scope_pattern_a_database_searches_finds_exactly_the_scopes_refused_everywhere(
    scope: str,
) -> None:
    assert (re.search(v.SCOPE_PROBLEM_PATTERN, scope) is not None) == bool(v.scope_problems(scope))


@pytest.mark.parametrize("name", ["users:read\n", "users read", ""], ids=["newline", "space", "empty"])
def test_scope_token_validator_rejects(name: str) -> None:
    with pytest.raises(ValidationError):
        v.validate_scope_token(name)


# --- client, terms, privacy, logo, initiation, settings URIs ------------------------

WEB_URI_ACCEPTED = [
    *[pytest.param("https://client.example/", env, id=f"https-{env}") for env in BOTH_ENVIRONMENTS],
    pytest.param("http://client.example/legal/tos.html", STAGING, id="http-staging"),
    pytest.param("https://client.example/legal/privacy.pdf#section-2", PRODUCTION, id="fragment-allowed"),
    pytest.param("https://client.example:1/", PRODUCTION, id="lowest-port"),
    pytest.param("https://client.example:65535/", PRODUCTION, id="highest-port"),
    pytest.param(f"https://{LONGEST_HOST}/", PRODUCTION, id="longest-host"),
    pytest.param("https://client.example?x=1", PRODUCTION, id="query-without-path"),
    pytest.param("https://client.example", PRODUCTION, id="no-path"),
    pytest.param("https://Client-X.Example/", PRODUCTION, id="uppercase-host"),
    pytest.param("https://client.e./", PRODUCTION, id="one-letter-label-before-trailing-dot"),
    pytest.param("https://[2001:db8::1]:8443/", PRODUCTION, id="ipv6-host"),
]


@pytest.mark.parametrize(("uri", "environment"), WEB_URI_ACCEPTED)
def test_web_uri_accepted(uri: str, environment: str) -> None:
    assert v.validate_web_uri(uri, environment=environment) is None


WEB_URI_REJECTED = [
    *[pytest.param("", env, v.REQUIRED, id=f"empty-{env}") for env in BOTH_ENVIRONMENTS],
    pytest.param("client.example", STAGING, v.URI_NOT_ABSOLUTE, id="not-absolute"),
    pytest.param("/legal/tos.html", STAGING, v.URI_NOT_ABSOLUTE, id="relative"),
    pytest.param("ftp://client.example/", STAGING, v.URI_NOT_ABSOLUTE, id="ftp"),
    pytest.param("mailto:team@client.example", STAGING, v.URI_NOT_ABSOLUTE, id="mailto"),
    pytest.param("https:///tos", STAGING, v.URI_NOT_ABSOLUTE, id="no-host"),
    pytest.param("https:client.example/", STAGING, v.URI_NOT_ABSOLUTE, id="no-authority"),
    pytest.param(
        "https://client-.example./", STAGING, v.URI_NOT_ABSOLUTE, id="bad-label-before-trailing-dot"
    ),
    pytest.param("https://client.example:01/", STAGING, v.URI_NOT_ABSOLUTE, id="port-01"),
    pytest.param("https://client.example:0/", STAGING, v.URI_NOT_ABSOLUTE, id="port-zero"),
    pytest.param("https://[2001:db8::1]:0/", STAGING, v.URI_NOT_ABSOLUTE, id="ipv6-port-zero"),
    pytest.param("https://[::1]x/", STAGING, v.URI_NOT_ABSOLUTE, id="junk-after-ipv6"),
    pytest.param("https://[::1/", STAGING, v.URI_NOT_ABSOLUTE, id="unclosed-ipv6"),
    pytest.param("https://[zz::1]/", STAGING, v.URI_NOT_ABSOLUTE, id="not-an-ipv6-address"),
    pytest.param("https://client-.example/", STAGING, v.URI_NOT_ABSOLUTE, id="label-ends-with-hyphen"),
    pytest.param("https://" + "a" * 64 + ".example/", STAGING, v.URI_NOT_ABSOLUTE, id="label-of-64"),
    pytest.param(f"https://{LONGEST_HOST}a/", STAGING, v.URI_NOT_ABSOLUTE, id="host-of-254"),
    pytest.param("https://:443/", STAGING, v.URI_NOT_ABSOLUTE, id="port-without-host"),
    pytest.param(
        "https://client.example/100%", STAGING, v.URI_BAD_CHARACTER.format(character="%"), id="bad-percent"
    ),
    pytest.param("https://client.example:99999/", STAGING, v.URI_NOT_ABSOLUTE, id="bad-port"),
    *[
        pytest.param("https://user:pw@client.example/", env, v.URI_USERINFO, id=f"userinfo-{env}")
        for env in BOTH_ENVIRONMENTS
    ],
    *[
        pytest.param("https://*.client.example/", env, v.URI_WILDCARD, id=f"wildcard-{env}")
        for env in BOTH_ENVIRONMENTS
    ],
    pytest.param("https://client.example/ tos", STAGING, v.URI_WHITESPACE, id="whitespace"),
    pytest.param("https://clïent.example/", STAGING, v.URI_NON_ASCII, id="non-ascii"),
    pytest.param(
        "https://client.example/<x>", STAGING, v.URI_BAD_CHARACTER.format(character="<"), id="bad-character"
    ),
    pytest.param("https://client.example/" + "a" * v.MAX_URI_LENGTH, STAGING, v.URI_TOO_LONG, id="too-long"),
    pytest.param("http://client.example/", PRODUCTION, v.URI_HTTPS_REQUIRED, id="http-production"),
]


@pytest.mark.parametrize(("uri", "environment", "message"), WEB_URI_REJECTED)
def test_web_uri_rejected(uri: str, environment: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc_info:
        v.validate_web_uri(uri, environment=environment)
    assert _messages(exc_info) == [message]


# --- contacts --------------------------------------------------------------------------

CONTACTS_ACCEPTED = [
    pytest.param(["name.surname@example.io"], id="example-contact"),
    pytest.param(["a@client.example", "b+oauth@sub.client.example"], id="two-addresses"),
]


@pytest.mark.parametrize("contacts", CONTACTS_ACCEPTED)
def test_contacts_accepted(contacts: list[str]) -> None:
    assert v.validate_contacts(contacts) is None


CONTACTS_REJECTED = [
    pytest.param("a@client.example", [v.CONTACTS_NOT_A_LIST], id="string-not-list"),
    pytest.param([], [v.CONTACTS_REQUIRED], id="empty"),
    pytest.param(
        ["Name <a@client.example>"],
        [v.CONTACT_INVALID.format(contact="Name <a@client.example>")],
        id="display-name",
    ),
    pytest.param(
        ["mailto:a@client.example"],
        [v.CONTACT_INVALID.format(contact="mailto:a@client.example")],
        id="mailto",
    ),
    pytest.param(
        ["a@client.example, b@client.example"],
        [v.CONTACT_INVALID.format(contact="a@client.example, b@client.example")],
        id="comma-list",
    ),
    pytest.param(
        ["a@client.example;b@client.example"],
        [v.CONTACT_INVALID.format(contact="a@client.example;b@client.example")],
        id="semicolon-list",
    ),
    pytest.param([" a@client.example"], [v.CONTACT_INVALID.format(contact=" a@client.example")], id="padded"),
    pytest.param(["not-an-email"], [v.CONTACT_INVALID.format(contact="not-an-email")], id="no-at-sign"),
    pytest.param([7], [v.CONTACT_INVALID.format(contact="7")], id="not-a-string"),
    pytest.param(
        ["a@localhost"], [v.CONTACT_DOMAIN_NOT_DOTTED.format(contact="a@localhost")], id="undotted-domain"
    ),
    pytest.param(["a@[127.0.0.1]"], [v.CONTACT_IP_DOMAIN.format(contact="a@[127.0.0.1]")], id="ip-domain"),
    pytest.param(
        ["a@client.example", "A@client.example"],
        [v.CONTACT_DUPLICATE.format(contact="A@client.example")],
        id="duplicate-any-case",
    ),
    pytest.param(
        ["MAILTO:a@client.example", "a@client.example\n"],
        [
            v.CONTACT_INVALID.format(contact="MAILTO:a@client.example"),
            v.CONTACT_INVALID.format(contact="a@client.example\n"),
        ],
        id="mailto-any-case-and-trailing-newline",
    ),
    pytest.param(
        ['"a@b.c"@localhost'],
        [v.CONTACT_DOMAIN_NOT_DOTTED.format(contact='"a@b.c"@localhost')],
        id="domain-after-the-last-at-sign",
    ),
    pytest.param(
        [7, "a@client.example", "a@client.example", "b@[127.0.0.1]", "c@localhost", "bad", 8],
        [
            v.CONTACT_INVALID.format(contact="7"),
            v.CONTACT_DUPLICATE.format(contact="a@client.example"),
            v.CONTACT_IP_DOMAIN.format(contact="b@[127.0.0.1]"),
            v.CONTACT_DOMAIN_NOT_DOTTED.format(contact="c@localhost"),
            v.CONTACT_INVALID.format(contact="bad"),
            v.CONTACT_INVALID.format(contact="8"),
        ],
        id="every-kind-of-bad-entry-named-in-order",
    ),
    pytest.param(
        ["ok@client.example", "bad", "also bad@x.example"],
        [v.CONTACT_INVALID.format(contact="bad"), v.CONTACT_INVALID.format(contact="also bad@x.example")],
        id="every-bad-entry-named",
    ),
]


@pytest.mark.parametrize(("contacts", "messages"), CONTACTS_REJECTED)
def test_contacts_rejected(contacts: Any, messages: list[str]) -> None:
    with pytest.raises(ValidationError) as exc_info:
        v.validate_contacts(contacts)
    assert _messages(exc_info) == messages


# --- client name and subject type preference ---------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["Example Client", "Ærø\xa0Apps", "a" * v.MAX_CLIENT_NAME_LENGTH],
    ids=["plain", "nbsp", "longest"],
)
def test_client_name_accepted(name: str) -> None:
    assert v.validate_client_name(name) is None


CLIENT_NAME_REJECTED = [
    pytest.param("", v.REQUIRED, id="empty"),
    pytest.param("   ", v.REQUIRED, id="blank"),
    pytest.param("a" * (v.MAX_CLIENT_NAME_LENGTH + 1), v.CLIENT_NAME_TOO_LONG, id="too-long"),
    pytest.param("Example\nClient", v.CLIENT_NAME_CONTROL, id="control-character"),
    *[
        pytest.param(f"Example{ch}Client", v.CLIENT_NAME_CONTROL, id=f"control-{ord(ch):x}")
        for ch in ("\x1f", "\x7f", "\x80", "\x9f")
    ],
    pytest.param(42, v.REQUIRED, id="not-a-string"),
]


@pytest.mark.parametrize(("name", "message"), CLIENT_NAME_REJECTED)
def test_client_name_rejected(name: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc_info:
        v.validate_client_name(name)
    assert _messages(exc_info) == [message]


@pytest.mark.parametrize(
    "value", ["", None, "company", "organisation", "legal_entity-2", "a" * v.MAX_SUBJECT_TYPE_LENGTH]
)
def test_subject_type_preference_accepted(value: Any) -> None:
    assert v.validate_subject_type_preference(value) is None


SUBJECT_TYPE_REJECTED = [
    pytest.param("Company", v.SUBJECT_TYPE_SYNTAX, id="uppercase"),
    pytest.param("company org", v.SUBJECT_TYPE_SYNTAX, id="space"),
    pytest.param("company\n", v.SUBJECT_TYPE_SYNTAX, id="trailing-newline"),
    pytest.param("a" * (v.MAX_SUBJECT_TYPE_LENGTH + 1), v.SUBJECT_TYPE_TOO_LONG, id="too-long"),
]


@pytest.mark.parametrize(("value", "message"), SUBJECT_TYPE_REJECTED)
def test_subject_type_preference_rejected(value: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc_info:
        v.validate_subject_type_preference(value)
    assert _messages(exc_info) == [message]


# --- the whole registration --------------------------------------------------------------


def _registration(**overrides: Any) -> Registration:
    return Registration(**registration_data(**overrides))


def _check(registration: Registration) -> v.ValidationReport:
    """check_registration with the catalog as the database holds it."""
    return v.check_registration(registration, catalog=scope_catalog())


@pytest.mark.django_db
@pytest.mark.parametrize(("environment", "application_type"), EVERYWHERE)
def test_example_client_is_valid_everywhere(environment: str, application_type: str) -> None:
    report = _check(_registration(environment=environment, application_type=application_type))
    assert (report.errors, report.warnings) == ({}, {})


@pytest.mark.django_db
def test_check_registration_puts_each_error_on_its_field() -> None:
    report = _check(
        _registration(client_uri="client.example", contacts=[], redirect_uris=["https://app.example/#x"])
    )
    assert report.errors == {
        "client_uri": [v.URI_NOT_ABSOLUTE],
        "contacts": [v.CONTACTS_REQUIRED],
        "redirect_uris": [f"Redirect URI 1 “https://app.example/#x” {v.REDIRECT_URI_FRAGMENT}"],
    }


@pytest.mark.django_db
def test_check_registration_skips_empty_optional_uris() -> None:
    report = _check(_registration(logo_uri="", initiation_uri="", settings_uri=""))
    assert report.is_valid


@pytest.mark.django_db
@pytest.mark.parametrize("field", OPTIONAL_URI_FIELDS)
def test_check_registration_judges_filled_optional_uris(field: str) -> None:
    report = _check(_registration(environment=PRODUCTION, **{field: "http://client.example/"}))
    assert report.errors == {field: [v.URI_HTTPS_REQUIRED]}


@pytest.mark.django_db
def test_validation_report_reads_the_catalog_from_the_database() -> None:
    Scope.objects.create(name="cards:read", in_staging=True, in_production=False)
    report = registration_validation_report(
        _registration(environment=PRODUCTION, scope="users:read cards:read")
    )
    assert report.errors == {"scope": [v.SCOPE_NOT_IN_CATALOG_ERROR.format(token="cards:read")]}


def test_check_registration_judges_scopes_by_the_catalog_it_is_given() -> None:
    catalog = {"users:read": [STAGING, PRODUCTION], "cards:read": [STAGING]}
    report = v.check_registration(
        _registration(environment=PRODUCTION, scope="users:read cards:read"), catalog=catalog
    )
    assert report.errors == {"scope": [v.SCOPE_NOT_IN_CATALOG_ERROR.format(token="cards:read")]}


@pytest.mark.django_db
def test_check_registration_collects_warnings_by_field() -> None:
    report = _check(_registration(scope="users:read custom:read", redirect_uris=["https://localhost/cb"]))
    assert report.warnings == {
        "redirect_uris": [f"Redirect URI 1 “https://localhost/cb” {v.REDIRECT_URI_LOCALHOST_WARNING}"],
        "scope": [v.SCOPE_NOT_IN_CATALOG_WARNING.format(token="custom:read")],
    }


@pytest.mark.django_db
def test_check_registration_judges_an_unknown_environment_as_production() -> None:
    report = _check(_registration(environment="prod", client_uri="http://client.example/"))
    assert report.errors == {"environment": [v.ENVIRONMENT_INVALID], "client_uri": [v.URI_HTTPS_REQUIRED]}


TEXT_FIELDS = [spec for spec in FIELDS if spec.kind != Kind.BOOLEAN]


@pytest.mark.django_db
@pytest.mark.parametrize("spec", TEXT_FIELDS, ids=[spec.name for spec in TEXT_FIELDS])
@pytest.mark.parametrize(
    ("text", "message"),
    [("a\x00b", TEXT_HOLDS_NUL), ("a\ud800b", TEXT_HOLDS_SURROGATE)],
    ids=["nul", "surrogate"],
)
def test_check_registration_refuses_text_that_cannot_be_stored_with_the_storable_text_rule(
    spec: Any, text: str, message: str
) -> None:
    # A list field holds the text in one of its entries.
    report = _check(_registration(**{spec.name: [text] if spec.is_list else text}))
    assert report.errors == {spec.name: [message]}


@pytest.mark.django_db
def test_check_registration_rejects_an_unknown_application_type() -> None:
    report = _check(_registration(application_type="spa"))
    assert report.errors == {"application_type": [v.APPLICATION_TYPE_INVALID]}


# --- how a rejected value is shown ----------------------------------------------------------


def _shown(value: str, *, cut: bool) -> str:
    return value[:117] + "…" if cut else value


@pytest.mark.parametrize(("length", "cut"), [(120, False), (121, True)])
def test_a_long_invalid_scope_token_is_shortened_in_its_message(length: int, cut: bool) -> None:
    token = '"' + "a" * (length - 1)
    with pytest.raises(ValidationError) as exc_info:
        v.validate_scope(token, environment=STAGING, catalog={})
    assert _messages(exc_info) == [v.SCOPE_TOKEN_SYNTAX.format(token=_shown(token, cut=cut))]


@pytest.mark.parametrize(("length", "cut"), [(120, False), (121, True)])
def test_a_long_invalid_redirect_uri_is_shortened_in_its_message(length: int, cut: bool) -> None:
    uri = "https://app.example/#" + "a" * (length - 21)
    with pytest.raises(ValidationError) as exc_info:
        v.validate_redirect_uris([uri], environment=STAGING, application_type=WEB)
    assert _messages(exc_info) == [f"Redirect URI 1 “{_shown(uri, cut=cut)}” {v.REDIRECT_URI_FRAGMENT}"]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("app.localhost.", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("0.0.0.0", True),  # noqa: S104  (a host name under test, not a bind address)
        ("[::1]", True),
        ("[::]", True),
        ("[::ffff:127.0.0.1]", True),
        ("app.example", False),
        ("localhost.example", False),
        ("8.8.8.8", False),
        ("[::ffff:8.8.8.8]", False),
        ("[2001:db8::1]", False),
    ],
)
def test_is_loopback_host_knows_every_name_of_this_machine(host: str, loopback: bool) -> None:
    assert v.is_loopback_host(host) is loopback


# --- credentials ----------------------------------------------------------------------------

UUID = "12a3b456-78c9-0d12-34e5-f678ab9bcd0e"
PLEO_STAGING, SANDBOX = "pleo_staging", "sandbox"


def _credential_problems(**kwargs: Any) -> dict[str, list[tuple[str, str | None]]]:
    errors = v.credential_errors(**kwargs)
    return {field: [(error.message, error.code) for error in found] for field, found in errors.items()}


CREDENTIALS = [
    pytest.param(
        {"server": PLEO_STAGING, "client_id": UUID, "client_secret": "s" * 16}, {}, id="shortest-secret"
    ),
    pytest.param(
        {"server": PLEO_STAGING, "client_id": UUID, "client_secret": "s" * v.MAX_CLIENT_SECRET_LENGTH},
        {},
        id="longest-secret",
    ),
    pytest.param(
        {"server": SANDBOX, "client_id": "x" * v.MAX_CLIENT_ID_LENGTH, "client_secret": None},
        {},
        id="sandbox-id",
    ),
    pytest.param(
        {"server": PLEO_STAGING, "client_id": "", "client_secret": None}, {}, id="empty-id-left-to-the-model"
    ),
    pytest.param(
        {"server": PLEO_STAGING, "client_id": UUID, "client_secret": "s" * 15},
        {"client_secret": [(v.CLIENT_SECRET_TOO_SHORT, "min_length")]},
        id="secret-too-short",
    ),
    pytest.param(
        {"server": PLEO_STAGING, "client_id": UUID, "client_secret": "s" * (v.MAX_CLIENT_SECRET_LENGTH + 1)},
        {"client_secret": [(v.CLIENT_SECRET_TOO_LONG, "max_length")]},
        id="secret-too-long",
    ),
    pytest.param(
        {"server": PLEO_STAGING, "client_id": UUID, "client_secret": ""},
        {"client_secret": [(v.CLIENT_SECRET_REQUIRED, "required")]},
        id="secret-empty",
    ),
    pytest.param(
        {"server": PLEO_STAGING, "client_id": UUID, "client_secret": "s" * 20 + "\x01"},
        {"client_secret": [(v.CLIENT_SECRET_WHITESPACE, "whitespace")]},
        id="secret-control-character",
    ),
    pytest.param(
        {"server": PLEO_STAGING, "client_id": UUID, "client_secret": "s" * 20 + "\x00"},
        {"client_secret": [(TEXT_HOLDS_NUL, UNSTORABLE_CODE)]},
        id="secret-holds-nul",
    ),
    pytest.param(
        {"server": PLEO_STAGING, "client_id": "not-a-uuid", "client_secret": "s" * 20},
        {"client_id": [(v.CLIENT_ID_NOT_UUID, "not_uuid")]},
        id="pleo-id-not-uuid",
    ),
    pytest.param(
        {"server": SANDBOX, "client_id": "x" * (v.MAX_CLIENT_ID_LENGTH + 1), "client_secret": None},
        {"client_id": [(v.CLIENT_ID_TOO_LONG, "max_length")]},
        id="id-too-long",
    ),
    pytest.param(
        {"server": SANDBOX, "client_id": "a b", "client_secret": "s"},
        {
            "client_id": [(v.CLIENT_ID_WHITESPACE, "whitespace")],
            "client_secret": [(v.CLIENT_SECRET_TOO_SHORT, "min_length")],
        },
        id="both-fields",
    ),
]


@pytest.mark.parametrize(("kwargs", "problems"), CREDENTIALS)
def test_credential_errors_by_field_with_their_codes(
    kwargs: dict[str, Any], problems: dict[str, Any]
) -> None:
    assert _credential_problems(**kwargs) == problems


@pytest.mark.django_db
def test_check_registration_judges_an_unknown_application_type_as_web() -> None:
    report = _check(
        _registration(application_type="spa", environment=PRODUCTION, redirect_uris=["http://127.0.0.1/cb"])
    )
    assert report.errors == {
        "application_type": [v.APPLICATION_TYPE_INVALID],
        "redirect_uris": [f"Redirect URI 1 “http://127.0.0.1/cb” {v.REDIRECT_URI_LOOPBACK_PRODUCTION_WEB}"],
    }


ASKED_FOR_IN_PRODUCTION = [spec for spec in FIELDS if spec.production_asks_for]


@pytest.mark.parametrize("environment", BOTH_ENVIRONMENTS)
def test_check_registration_lists_what_production_asks_for(environment: str) -> None:
    empty = {spec.name: "" for spec in ASKED_FOR_IN_PRODUCTION}
    report = v.check_registration(_registration(environment=environment, **empty), catalog={})
    expected = {
        spec.name: [v.PRODUCTION_ASKS_FOR.format(what=spec.production_asks_for)]
        for spec in ASKED_FOR_IN_PRODUCTION
        if environment == PRODUCTION
    }
    assert report.incomplete == expected


def test_check_registration_asks_for_nothing_that_is_filled_in() -> None:
    filled = {spec.name: "https://client.example/page" for spec in ASKED_FOR_IN_PRODUCTION}
    report = v.check_registration(_registration(environment=PRODUCTION, **filled), catalog={})
    assert report.incomplete == {}


@pytest.mark.django_db
def test_check_registration_judges_a_native_client_as_native() -> None:
    report = _check(_registration(application_type=NATIVE, redirect_uris=["com.example.app:/callback"]))
    assert report.errors == {}


@pytest.mark.parametrize("name", ["accounts:read", "export-jobs:write", "a1:b-2"])
def test_catalog_scope_name_accepted(name: str) -> None:
    assert v.validate_catalog_scope_name(name) is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        pytest.param('bad"name', v.SCOPE_TOKEN_SYNTAX.format(token='bad"name'), id="not-a-token"),
        *[
            pytest.param(name, v.CATALOG_SCOPE_FORM.format(name=name), id=name)
            for name in (
                "openid",
                "Accounts:read",
                "accounts:read:all",
                "accounts:",
                "1x:read",
            )
        ],
    ],
)
def test_catalog_scope_name_rejected(name: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc_info:
        v.validate_catalog_scope_name(name)
    assert _messages(exc_info) == [message]
