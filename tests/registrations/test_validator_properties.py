"""The registration rules as pure functions, on generated input (property-based).

For any value: a rule accepts it or raises a ValidationError whose every message is one of
the rules' messages; it never raises anything else. What a rule accepts has the properties
a strict authorization server needs (RFC 6749 §3.1.2 and §3.3, RFC 8252, RFC 9700): checked
here with the standard library's parsers, not with the rules' own helpers.

The URI strategies are built from parts that have broken parsers before (userinfo, ports out
of range, IP literals in odd forms, dot segments, percent escapes, fragments, wildcards,
non-ASCII, controls) so that most examples get deep into the rules, not only past the first
check.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given, settings
from hypothesis import strategies as st

from registrations.validators import (
    LOOPBACK_LITERALS,
    validate_client_name,
    validate_contacts,
    validate_redirect_uri,
    validate_scope,
    validate_web_uri,
)
from registrations.validators.redirect_uris import REDIRECT_URI_LOCALHOST_WARNING
from registrations.validators.scopes import TEMPLATE_MARKERS
from registrations.validators.text import MAX_CLIENT_NAME_LENGTH
from tests.hostile_input.fuzzing import CI, states_a_rule, text

ENVIRONMENTS = ("staging", "production")
APPLICATION_TYPES = ("web", "native")
CATALOG = {"users:read": ("staging", "production"), "vendors:read": ("staging",)}

# Each part of a URI: forms a strict server accepts, and hostile forms. A generated URI holds
# at most one hostile part, so every rule is reached with the rest of the URI acceptable
# (a URI with several hostile parts stops at the first rule), and accepted URIs are many.
_PARTS: tuple[tuple[list[str], list[str]], ...] = (
    # scheme
    (
        ["https", "http", "com.example.app"],
        ["HTTPS", "Http", "com.example", "myapp", "javascript", "data", "ftp", ""],
    ),
    # separator
    (["://"], [":/", ":", ":///"]),
    # userinfo
    ([""], ["user@", "user:pw@", "@", "%40@"]),
    # host
    (
        ["app.example", "127.0.0.1", "[::1]", "localhost", "xn--nxasmq6b.example"],
        [
            "App.Example",
            "sub.localhost",
            "127.1",
            "0177.0.0.1",
            "0x7f.0.0.1",
            "0.0.0.0",  # noqa: S104 - a host to refuse, not one to bind
            "[::ffff:127.0.0.1]",
            "[0:0:0:0:0:0:0:1]",
            "[::1%25eth0]",
            "[fe80::1",
            "xn--zz.example",
            "ex_ample.example",
            "-bad.example",
            "ēxample.example",
            "",
            "a..example",
        ],
    ),
    # port
    (["", ":443", ":8080"], [":0", ":65536", ":99999999", ":", ":8o", ":-1", ": 80"]),
    # path and query
    (
        ["/", "/cb", "/a-b/cb", "/cb?q=1", "/%C3%A6"],
        [
            "/./cb",
            "/../cb",
            "/a/../b",
            "/.",
            "/%zz",
            "/[",
            "/]",
            "/*",
            "/#frag",
            "/cb?x=[1]",
            "/ ",
            "/\t",
            "/\x00",
            "/é",
            "/😀",
            "/\\",
            "/^",
            "/{",
            "/|",
        ],
    ),
)


@st.composite
def uri_like(draw: Any) -> str:
    """A URI from parts, at most one of them hostile; or arbitrary text."""
    if draw(st.integers(0, 5)) == 0:
        return draw(text(max_size=60))
    hostile = draw(st.integers(0, len(_PARTS)))  # len(_PARTS): none is hostile
    return "".join(
        draw(st.sampled_from(bad if index == hostile else good)) for index, (good, bad) in enumerate(_PARTS)
    )


def _messages(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


def _assert_states_rules(error: ValidationError) -> None:
    unstated = [message for message in _messages(error) if not states_a_rule(message)]
    assert not unstated, unstated


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified


def _assert_a_strict_server_would_accept(uri: str, *, environment: str, application_type: str) -> None:
    """What an accepted redirect URI must be, judged with urllib.parse and ipaddress."""
    assert uri.isascii()
    assert uri.isprintable()
    assert " " not in uri
    assert "#" not in uri
    assert "*" not in uri
    parts = urlsplit(uri)
    assert parts.scheme == parts.scheme.lower()
    assert parts.scheme
    assert not {".", ".."} & set(parts.path.split("/"))
    if parts.scheme in ("http", "https"):
        assert parts.hostname
        assert parts.username is None
        assert parts.password is None
        assert parts.netloc == parts.netloc.lower()
        assert parts.port is None or 1 <= parts.port <= 65535
        host = parts.hostname
        if environment == "production":
            assert host != "localhost"
            assert not host.endswith(".localhost")
            if application_type == "web":
                assert not _is_loopback(host)
        if parts.scheme == "http":
            assert (
                f"[{host}]" in LOOPBACK_LITERALS
                or host in LOOPBACK_LITERALS
                or host == "localhost"
                or host.endswith(".localhost")
            )
    else:
        # RFC 8252 §7.1: a private-use scheme, reverse-domain, for native apps only.
        assert application_type == "native"
        assert "." in parts.scheme
        assert parts.netloc == ""
        assert parts.path.startswith("/")


@settings(CI, max_examples=2000)
@given(
    uri=uri_like(),
    environment=st.sampled_from(ENVIRONMENTS),
    application_type=st.sampled_from(APPLICATION_TYPES),
)
@example(uri="https://[::1%25eth0]/cb", environment="staging", application_type="native")
@example(uri="http://127.0.0.1:65536/cb", environment="staging", application_type="native")
def test_a_redirect_uri_is_refused_by_a_stated_rule_or_is_one_a_strict_server_accepts(
    uri: str, environment: str, application_type: str
) -> None:
    try:
        warnings = validate_redirect_uri(uri, environment=environment, application_type=application_type)
    except ValidationError as error:
        _assert_states_rules(error)
        return
    assert set(warnings) <= {REDIRECT_URI_LOCALHOST_WARNING}
    _assert_a_strict_server_would_accept(uri, environment=environment, application_type=application_type)


@settings(CI, max_examples=300)
@given(uri=uri_like(), environment=st.sampled_from(ENVIRONMENTS))
def test_a_web_url_is_refused_by_a_stated_rule_or_is_an_absolute_http_url(uri: str, environment: str) -> None:
    try:
        validate_web_uri(uri, environment=environment)
    except ValidationError as error:
        _assert_states_rules(error)
        return
    parts = urlsplit(uri)
    assert parts.scheme.lower() in ("http", "https")
    assert parts.hostname
    assert parts.username is None
    assert parts.port in (None, *range(1, 65536))
    assert uri.isascii()
    assert uri.isprintable()
    assert " " not in uri
    assert "*" not in uri
    if environment == "production":
        assert parts.scheme.lower() == "https"


_SCOPE_PIECES = st.one_of(
    st.sampled_from(
        [
            "users:read",
            "vendors:read",
            "tags:write",
            "openid",
            "a",
            " ",
            "  ",
            *TEMPLATE_MARKERS,
            '"',
            "\\",
            "é",
            "\x00",
        ]
    ),
    text(max_size=8),
)


@settings(CI, max_examples=300)
@given(pieces=st.lists(_SCOPE_PIECES, max_size=6), environment=st.sampled_from(ENVIRONMENTS))
def test_a_scope_is_refused_by_a_stated_rule_or_is_single_spaced_tokens_of_the_catalog(
    pieces: list[str], environment: str
) -> None:
    scope = "".join(pieces)
    try:
        validate_scope(scope, environment=environment, catalog=CATALOG)
    except ValidationError as error:
        _assert_states_rules(error)
        return
    tokens = scope.split(" ")
    assert all(tokens)
    assert len(set(tokens)) == len(tokens)
    # RFC 6749 §3.3: NQCHAR, printable ASCII except space, quote and backslash.
    assert all(ch.isascii() and ch.isprintable() and ch not in ' "\\' for token in tokens for ch in token)
    assert not any(marker in scope for marker in TEMPLATE_MARKERS)
    if environment == "production":
        assert all("production" in CATALOG.get(token, ()) for token in tokens)


_CONTACTS = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "dev@app.example",
                "DEV@app.example",
                "dev@localhost",
                "dev@[127.0.0.1]",
                "Dev <dev@app.example>",
                "mailto:dev@app.example",
                " dev@app.example",
                "dev@app.example.",
            ]
        ),
        text(max_size=30),
    ),
    max_size=4,
)


@settings(CI, max_examples=200)
@given(contacts=_CONTACTS)
def test_contacts_are_refused_by_a_stated_rule_or_are_distinct_addresses_at_dotted_domains(
    contacts: list[str],
) -> None:
    try:
        validate_contacts(contacts)
    except ValidationError as error:
        _assert_states_rules(error)
        return
    assert contacts
    assert len({contact.lower() for contact in contacts}) == len(contacts)
    for contact in contacts:
        local, _, domain = contact.rpartition("@")
        assert local
        assert "." in domain.strip(".")
        assert not domain.startswith("[")
        assert contact == contact.strip()
        assert "<" not in contact


@settings(CI, max_examples=200)
@given(name=st.one_of(text(max_size=60), st.text(min_size=190, max_size=210)))
def test_a_client_name_is_refused_by_a_stated_rule_or_is_printable_and_short(name: str) -> None:
    try:
        validate_client_name(name)
    except ValidationError as error:
        _assert_states_rules(error)
        return
    assert name.strip()
    assert len(name) <= MAX_CLIENT_NAME_LENGTH
    assert not any(ch in name for ch in "\x00\x1f\x7f")


@pytest.mark.parametrize("value", [None, 1, [], {}, b"https://app.example/"])
def test_a_redirect_uri_that_is_not_text_is_refused_by_a_stated_rule(value: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_redirect_uri(value, environment="staging", application_type="web")
    _assert_states_rules(caught.value)
