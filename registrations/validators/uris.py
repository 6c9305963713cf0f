"""Web URLs (client, logo, terms, privacy, initiation, settings) and the URI parsing the
redirect-URI rules share (RFC 3986)."""

from __future__ import annotations

import ipaddress
import re
import string
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from ..choices import Environment
from .common import REQUIRED, has_whitespace_or_control

MAX_URI_LENGTH = 2000

URI_NOT_ABSOLUTE = "Enter an absolute http(s) URL, e.g. https://client.example/."
URI_WHITESPACE = "Remove whitespace and control characters from the URL."
URI_TOO_LONG = f"Use at most {MAX_URI_LENGTH} characters."
URI_USERINFO = "Remove the user information (user:password@) from the URL."
URI_WILDCARD = "Remove the wildcard (*) from the URL."
URI_HTTPS_REQUIRED = "Use https: production registrations need https URLs."
URI_BAD_CHARACTER = "Percent-encode the character {character}: a URL may not hold it (RFC 3986 §2)."
URI_NON_ASCII = "Use an ASCII URL: percent-encode the path and write the host in punycode (xn--…)."

# RFC 3986 §2: unreserved, reserved (gen-delims and sub-delims) and "%" for escapes.
_URI_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-._~" + ":/?#[]@" + "!$&'()*+,;=" + "%")
_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_HOST_LABEL_RE = re.compile(r"(?!-)[A-Za-z0-9\-]{1,63}(?<!-)")
_BAD_PERCENT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _first_bad_character(value: str) -> str | None:
    return next((ch for ch in value if ch not in _URI_CHARACTERS), None)


@dataclass(frozen=True)
class _Authority:
    host: str  # as written, brackets kept for IPv6
    port: str | None


def _split_authority(rest: str) -> tuple[str, str] | None:
    """Split `//authority/path?query` into authority and the remainder."""
    if not rest.startswith("//"):
        return None
    rest = rest[2:]
    cut = len(rest)
    for sep in "/?":
        index = rest.find(sep)
        if index != -1:
            cut = min(cut, index)
    return rest[:cut], rest[cut:]


def _parse_authority(authority: str) -> _Authority:
    if authority.startswith("["):
        end = authority.find("]")
        if end == -1:
            raise ValueError("unclosed IPv6 literal")
        host, after = authority[: end + 1], authority[end + 1 :]
        if after and not after.startswith(":"):
            raise ValueError("junk after IPv6 literal")
        port = after[1:] if after else None
        ipaddress.IPv6Address(host[1:-1])
        return _Authority(host=host, port=port)
    if ":" in authority:
        host, port = authority.rsplit(":", 1)
        return _Authority(host=host, port=port)
    return _Authority(host=authority, port=None)


def _valid_port(port: str | None) -> bool:
    if port is None:
        return True
    return port.isdigit() and 1 <= int(port) <= 65535 and not (len(port) > 1 and port[0] == "0")


def _labels(host: str) -> list[str]:
    return host[:-1].split(".") if host.endswith(".") else host.split(".")


def _valid_reg_name(host: str) -> bool:
    if not host or len(host) > 253:
        return False
    return all(_HOST_LABEL_RE.fullmatch(label) for label in _labels(host))


def check_uri_text(value: str, *, messages: tuple[str, str, str]) -> None:
    """Bounded length, no whitespace or control characters, ASCII only (RFC 3986).

    `messages`: (too long, whitespace, non-ASCII), in the words of the caller's rule."""
    too_long, whitespace, non_ascii = messages
    if len(value) > MAX_URI_LENGTH:
        raise ValidationError(too_long)
    if has_whitespace_or_control(value):
        raise ValidationError(whitespace)
    if not value.isascii():
        raise ValidationError(non_ascii)


def validate_web_uri(value: Any, *, environment: str) -> None:
    """Client, terms, privacy, logo, initiation and settings URIs."""
    if not isinstance(value, str) or value == "":
        raise ValidationError(REQUIRED)
    check_uri_text(value, messages=(URI_TOO_LONG, URI_WHITESPACE, URI_NON_ASCII))
    match = _SCHEME_RE.match(value)
    if not match or match.group(1).lower() not in ("http", "https"):
        raise ValidationError(URI_NOT_ABSOLUTE)
    scheme = match.group(1).lower()
    split = _split_authority(value[len(scheme) + 1 :])
    if split is None or not split[0]:
        raise ValidationError(URI_NOT_ABSOLUTE)
    authority = split[0]
    if "@" in authority:
        raise ValidationError(URI_USERINFO)
    if "*" in value:
        raise ValidationError(URI_WILDCARD)
    character = _first_bad_character(value)
    if character is not None or _BAD_PERCENT_RE.search(value):
        raise ValidationError(URI_BAD_CHARACTER.format(character=character or "%"))
    try:
        parsed = _parse_authority(authority)
    except ValueError:
        raise ValidationError(URI_NOT_ABSOLUTE) from None
    if not parsed.host or not _valid_port(parsed.port):
        raise ValidationError(URI_NOT_ABSOLUTE)
    if not parsed.host.startswith("[") and not _valid_reg_name(parsed.host):
        raise ValidationError(URI_NOT_ABSOLUTE)
    if environment == Environment.PRODUCTION and scheme != "https":
        raise ValidationError(URI_HTTPS_REQUIRED)
