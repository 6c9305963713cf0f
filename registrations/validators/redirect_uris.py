"""Redirect URIs (RFC 6749 §3.1.2, RFC 8252 for native apps, RFC 9700: exact matching)."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from django.core.exceptions import ValidationError

from ..choices import ApplicationType, Environment
from .common import shown
from .uri_syntax import (
    BAD_PERCENT_RE,
    MAX_URI_LENGTH,
    SCHEME_RE,
    check_uri_text,
    first_bad_character,
    host_labels,
    is_valid_port,
    is_valid_reg_name,
    parse_authority,
    split_authority,
)

REDIRECT_URIS_REQUIRED = "Add at least one redirect URI."
# A message about one entry of the list: the REDIRECT_URI_* messages below follow it.
REDIRECT_URI_ENTRY = "Redirect URI {position} “{uri}” {message}"
REDIRECT_URIS_NOT_A_LIST = "Redirect URIs must be a list of strings."
REDIRECT_URI_NOT_STRING = "must be a string."
REDIRECT_URI_EMPTY = "is empty: remove the entry or fill it in."
REDIRECT_URI_TOO_LONG = f"is longer than {MAX_URI_LENGTH} characters."
REDIRECT_URI_WHITESPACE = "contains whitespace or a control character: remove it (URIs are matched exactly)."
REDIRECT_URI_NON_ASCII = (
    "contains non-ASCII characters: percent-encode the path and write the host in punycode (xn--…)."
)
REDIRECT_URI_NOT_ABSOLUTE = "must be an absolute URI with a scheme, e.g. https://app.example/callback."
REDIRECT_URI_SCHEME_CASE = "must be in canonical form: write the scheme in lowercase."
REDIRECT_URI_FORBIDDEN_SCHEME = "uses a scheme that is never allowed for redirects ({scheme}:)."
REDIRECT_URI_FRAGMENT = "must not contain a fragment (#): the authorization server appends to the query, and RFC 6749 §3.1.2 forbids fragments."
REDIRECT_URI_WILDCARD = "must not contain a wildcard (*): redirect URIs are matched exactly."
REDIRECT_URI_USERINFO = "must not contain user information (user:password@)."
REDIRECT_URI_NO_HOST = "has no host: use scheme://host/path."
REDIRECT_URI_HOST_CASE = "must be in canonical form: write the host in lowercase."
REDIRECT_URI_BAD_HOST = "has an invalid host name."
REDIRECT_URI_BAD_PORT = "has an invalid port: use a number from 1 to 65535, or leave the port out."
REDIRECT_URI_BAD_CHARACTER = (
    "contains a character that a URI may not hold ({character}): percent-encode it (RFC 3986 §2)."
)
REDIRECT_URI_BAD_PERCENT = (
    "has a % that is not followed by two hexadecimal digits: write %25 for a literal %."
)
REDIRECT_URI_BAD_PUNYCODE = "has a host label starting with xn-- that is not valid punycode."
REDIRECT_URI_IP_FORM = "must be in canonical form: write an IPv4 address as four decimal numbers without leading zeros (e.g. 127.0.0.1)."
REDIRECT_URI_IPV6_FORM = "must be in canonical form: write an IPv6 address compressed and in lowercase, without a zone (e.g. [::1])."
REDIRECT_URI_DOT_SEGMENT = "must be in canonical form: remove the /./ and /../ segments from the path."
REDIRECT_URI_WEB_NEEDS_HTTPS = (
    "must use https for a web client (plain http only to 127.0.0.1 or [::1] in staging)."
)
REDIRECT_URI_HTTP_NOT_LOOPBACK = "uses plain http to a host that is not a loopback IP literal: use https, or http://127.0.0.1 / http://[::1]."
REDIRECT_URI_LOOPBACK_PRODUCTION_WEB = (
    "points at a loopback host, which a web client may not use in production."
)
REDIRECT_URI_LOCALHOST_PRODUCTION = (
    "uses host localhost, which is not allowed in production: use 127.0.0.1 (RFC 8252 §8.3)."
)
REDIRECT_URI_LOCALHOST_WARNING = "uses host localhost: prefer the loopback IP literal 127.0.0.1 (RFC 8252 §8.3); localhost is accepted in staging only."
REDIRECT_URI_NATIVE_SCHEME = "must use https, http to 127.0.0.1 / [::1], or a private-use scheme in reverse-domain form such as com.example.app:/callback (RFC 8252 §7)."
REDIRECT_URI_PRIVATE_SCHEME_FORM = "uses a private-use scheme, which must be followed by a single slash, e.g. com.example.app:/callback (RFC 8252 §7.1)."
REDIRECT_URI_DUPLICATE = "is listed more than once: remove the duplicate."
REDIRECT_URI_NEAR_DUPLICATE = (
    "differs from {other} only by case or a trailing slash: both will be registered as distinct URIs."
)

FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "file", "vbscript", "blob", "about", "ftp"})
LOOPBACK_LITERALS = frozenset({"127.0.0.1", "[::1]"})
_PRIVATESCHEME_RE = re.compile(r"[a-z][a-z0-9\-]*(\.[a-z0-9][a-z0-9\-]*)+")
# A last label like these makes the host an IPv4 address to browsers (WHATWG URL).
_NUMERIC_LABEL_RE = re.compile(r"(0[xX][0-9A-Fa-f]*|[0-9]+)")


def _valid_punycode(label: str) -> bool:
    try:
        # The idna codec refuses labels that are not punycode and labels that do not
        # round-trip, so a label it decodes is never returned unchanged.
        label.encode("ascii").decode("idna")
    except UnicodeError:
        return False
    return True


def _looks_like_ipv4(host: str) -> bool:
    return bool(_NUMERIC_LABEL_RE.fullmatch(host_labels(host)[-1]))


def is_localhost(host: str) -> bool:
    host = host.rstrip(".").lower()
    return host == "localhost" or host.endswith(".localhost")


def is_loopback_host(host: str) -> bool:
    """Any name or address that reaches this machine (0.0.0.0 and ::ffff:127.x too)."""
    if is_localhost(host):
        return True
    literal = host[1:-1] if host.startswith("[") else host
    try:
        address = ipaddress.ip_address(literal)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified


def _check_redirect_host(host: str) -> None:
    """Canonical host: lowercase name, punycode labels, canonical IP literals."""
    if not host:
        raise ValidationError(REDIRECT_URI_NO_HOST)
    if host.startswith("["):
        literal = host[1:-1]
        if "%" in literal:
            raise ValidationError(REDIRECT_URI_IPV6_FORM)
        address = ipaddress.IPv6Address(literal)
        # RFC 5952: compressed lowercase; IPv4-mapped addresses in mixed notation (§5).
        canonical = {str(address)}
        if address.ipv4_mapped is not None:
            canonical.add(f"::ffff:{address.ipv4_mapped}")
        if literal not in canonical:
            raise ValidationError(REDIRECT_URI_IPV6_FORM)
        return
    if _looks_like_ipv4(host):
        try:
            ipaddress.IPv4Address(host)  # strict: four decimal parts, no leading zeros
        except ValueError:
            raise ValidationError(REDIRECT_URI_IP_FORM) from None
        return
    if host != host.lower():
        raise ValidationError(REDIRECT_URI_HOST_CASE)
    if not is_valid_reg_name(host):
        raise ValidationError(REDIRECT_URI_BAD_HOST)
    if any(label.startswith("xn--") and not _valid_punycode(label) for label in host_labels(host)):
        raise ValidationError(REDIRECT_URI_BAD_PUNYCODE)


def _check_path(path_and_query: str) -> None:
    path = path_and_query.split("?", 1)[0]
    if "[" in path_and_query or "]" in path_and_query:
        # Brackets are only allowed around an IPv6 host.
        character = "[" if "[" in path_and_query else "]"
        raise ValidationError(REDIRECT_URI_BAD_CHARACTER.format(character=character))
    if any(segment in (".", "..") for segment in path.split("/")):
        raise ValidationError(REDIRECT_URI_DOT_SEGMENT)


def validate_redirect_uri(uri: Any, *, environment: str, application_type: str) -> list[str]:
    """Check one redirect URI. Raises ValidationError; returns warnings."""
    if not isinstance(uri, str):
        raise ValidationError(REDIRECT_URI_NOT_STRING)
    if uri == "":
        raise ValidationError(REDIRECT_URI_EMPTY)
    check_uri_text(uri, messages=(REDIRECT_URI_TOO_LONG, REDIRECT_URI_WHITESPACE, REDIRECT_URI_NON_ASCII))
    match = SCHEME_RE.match(uri)
    if not match:
        raise ValidationError(REDIRECT_URI_NOT_ABSOLUTE)
    scheme = match.group(1)
    if scheme.lower() in FORBIDDEN_SCHEMES:
        raise ValidationError(REDIRECT_URI_FORBIDDEN_SCHEME.format(scheme=scheme.lower()))
    if scheme != scheme.lower():
        raise ValidationError(REDIRECT_URI_SCHEME_CASE)
    if "#" in uri:
        raise ValidationError(REDIRECT_URI_FRAGMENT)
    if "*" in uri:
        raise ValidationError(REDIRECT_URI_WILDCARD)
    character = first_bad_character(uri)
    if character is not None:
        raise ValidationError(REDIRECT_URI_BAD_CHARACTER.format(character=character))
    if BAD_PERCENT_RE.search(uri):
        raise ValidationError(REDIRECT_URI_BAD_PERCENT)
    rest = uri[len(scheme) + 1 :]

    if scheme in ("http", "https"):
        return _validate_http_redirect(
            scheme, rest, environment=environment, application_type=application_type
        )
    if application_type == ApplicationType.NATIVE and "." in scheme:
        if not _PRIVATESCHEME_RE.fullmatch(scheme):
            raise ValidationError(REDIRECT_URI_NATIVE_SCHEME)
        if not rest.startswith("/") or rest.startswith("//"):
            raise ValidationError(REDIRECT_URI_PRIVATE_SCHEME_FORM)
        _check_path(rest)
        return []
    if application_type == ApplicationType.NATIVE:
        raise ValidationError(REDIRECT_URI_NATIVE_SCHEME)
    raise ValidationError(REDIRECT_URI_WEB_NEEDS_HTTPS)


def _validate_http_redirect(scheme: str, rest: str, *, environment: str, application_type: str) -> list[str]:
    split = split_authority(rest)
    if split is None:
        raise ValidationError(REDIRECT_URI_NO_HOST)
    authority, path_and_query = split
    if "@" in authority:
        raise ValidationError(REDIRECT_URI_USERINFO)
    try:
        parsed = parse_authority(authority)
    except ValueError:
        raise ValidationError(REDIRECT_URI_BAD_HOST) from None
    _check_redirect_host(parsed.host)
    if not is_valid_port(parsed.port):
        raise ValidationError(REDIRECT_URI_BAD_PORT)
    _check_path(path_and_query)

    host = parsed.host
    if is_localhost(host):
        # RFC 8252 §8.3: accepted in staging (any scheme, both application
        # types) with a nudge towards the IP literal; never in production.
        if environment == Environment.PRODUCTION:
            raise ValidationError(REDIRECT_URI_LOCALHOST_PRODUCTION)
        return [REDIRECT_URI_LOCALHOST_WARNING]
    if (
        application_type == ApplicationType.WEB
        and environment == Environment.PRODUCTION
        and is_loopback_host(host)
    ):
        raise ValidationError(REDIRECT_URI_LOOPBACK_PRODUCTION_WEB)
    # Plain http to a loopback literal is left: a web client in production was refused above.
    if scheme == "http" and host not in LOOPBACK_LITERALS:
        raise ValidationError(REDIRECT_URI_HTTP_NOT_LOOPBACK)
    return []


def _near_duplicate_key(uri: str) -> str:
    return uri.lower().rstrip("/")


def _entry(position: int, uri: Any, message: str) -> str:
    return REDIRECT_URI_ENTRY.format(position=position, uri=shown(uri), message=message)


def validate_redirect_uris(uris: Any, *, environment: str, application_type: str) -> list[str]:
    """Check the ordered list. Raises one ValidationError naming every bad entry."""
    if not isinstance(uris, list):
        raise ValidationError(REDIRECT_URIS_NOT_A_LIST)
    if not uris:
        raise ValidationError(REDIRECT_URIS_REQUIRED)
    errors: list[str] = []
    warnings: list[str] = []
    seen: set[str] = set()
    near: dict[str, str] = {}
    for position, uri in enumerate(uris, start=1):
        try:
            for warning in validate_redirect_uri(
                uri, environment=environment, application_type=application_type
            ):
                warnings.append(_entry(position, uri, warning))
        except ValidationError as exc:
            errors.extend(_entry(position, uri, message) for message in exc.messages)
            continue
        if uri in seen:
            errors.append(_entry(position, uri, REDIRECT_URI_DUPLICATE))
            continue
        seen.add(uri)
        key = _near_duplicate_key(uri)
        if key in near:
            warnings.append(_entry(position, uri, REDIRECT_URI_NEAR_DUPLICATE.format(other=near[key])))
        else:
            near[key] = uri
    if errors:
        raise ValidationError(errors)
    return warnings
