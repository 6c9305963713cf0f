"""Web URLs: the client, logo, terms of service, privacy policy, initiation and settings URIs."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from ..choices import Environment
from .common import REQUIRED
from .uri_syntax import (
    BAD_PERCENT_RE,
    MAX_URI_LENGTH,
    SCHEME_RE,
    check_uri_text,
    first_bad_character,
    is_valid_port,
    is_valid_reg_name,
    parse_authority,
    split_authority,
)

URI_NOT_ABSOLUTE = "Enter an absolute http(s) URL, e.g. https://client.example/."
URI_WHITESPACE = "Remove whitespace and control characters from the URL."
URI_TOO_LONG = f"Use at most {MAX_URI_LENGTH} characters."
URI_USERINFO = "Remove the user information (user:password@) from the URL."
URI_WILDCARD = "Remove the wildcard (*) from the URL."
URI_HTTPS_REQUIRED = "Use https: production registrations need https URLs."
URI_BAD_CHARACTER = "Percent-encode the character {character}: a URL may not hold it (RFC 3986 §2)."
URI_NON_ASCII = "Use an ASCII URL: percent-encode the path and write the host in punycode (xn--…)."


def validate_web_uri(value: Any, *, environment: str) -> None:
    """Client, terms, privacy, logo, initiation and settings URIs."""
    if not isinstance(value, str) or value == "":
        raise ValidationError(REQUIRED)
    check_uri_text(value, messages=(URI_TOO_LONG, URI_WHITESPACE, URI_NON_ASCII))
    match = SCHEME_RE.match(value)
    if not match or match.group(1).lower() not in ("http", "https"):
        raise ValidationError(URI_NOT_ABSOLUTE)
    scheme = match.group(1).lower()
    split = split_authority(value[len(scheme) + 1 :])
    if split is None or not split[0]:
        raise ValidationError(URI_NOT_ABSOLUTE)
    authority = split[0]
    if "@" in authority:
        raise ValidationError(URI_USERINFO)
    if "*" in value:
        raise ValidationError(URI_WILDCARD)
    character = first_bad_character(value)
    if character is not None or BAD_PERCENT_RE.search(value):
        raise ValidationError(URI_BAD_CHARACTER.format(character=character or "%"))
    try:
        parsed = parse_authority(authority)
    except ValueError:
        raise ValidationError(URI_NOT_ABSOLUTE) from None
    if not parsed.host or not is_valid_port(parsed.port):
        raise ValidationError(URI_NOT_ABSOLUTE)
    if not parsed.host.startswith("[") and not is_valid_reg_name(parsed.host):
        raise ValidationError(URI_NOT_ABSOLUTE)
    if environment == Environment.PRODUCTION and scheme != "https":
        raise ValidationError(URI_HTTPS_REQUIRED)
