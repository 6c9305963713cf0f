"""URI syntax (RFC 3986) that the web-URL and redirect-URI rules share: the characters a URI
may hold, its scheme, its authority (host and port) and the host's labels."""

from __future__ import annotations

import ipaddress
import re
import string
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from .common import has_whitespace_or_control

MAX_URI_LENGTH = 2000

# RFC 3986 §2: unreserved, reserved (gen-delims and sub-delims) and "%" for escapes.
URI_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-._~" + ":/?#[]@" + "!$&'()*+,;=" + "%")
SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
HOST_LABEL_RE = re.compile(r"(?!-)[A-Za-z0-9\-]{1,63}(?<!-)")
# A "%" that does not start a percent-encoded octet.
BAD_PERCENT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def first_bad_character(value: str) -> str | None:
    """The first character a URI may not hold (RFC 3986 §2), or None."""
    return next((ch for ch in value if ch not in URI_CHARACTERS), None)


@dataclass(frozen=True)
class Authority:
    host: str  # as written, brackets kept for IPv6
    port: str | None


def split_authority(rest: str) -> tuple[str, str] | None:
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


def parse_authority(authority: str) -> Authority:
    """Host and port of an authority (no user information). ValueError for a broken IPv6 literal."""
    if authority.startswith("["):
        end = authority.find("]")
        if end == -1:
            raise ValueError("unclosed IPv6 literal")
        host, after = authority[: end + 1], authority[end + 1 :]
        if after and not after.startswith(":"):
            raise ValueError("junk after IPv6 literal")
        port = after[1:] if after else None
        ipaddress.IPv6Address(host[1:-1])
        return Authority(host=host, port=port)
    if ":" in authority:
        host, port = authority.rsplit(":", 1)
        return Authority(host=host, port=port)
    return Authority(host=authority, port=None)


def is_valid_port(port: str | None) -> bool:
    if port is None:
        return True
    # isascii: str.isdigit() also accepts digits like ², which int() refuses.
    return (
        port.isascii()
        and port.isdigit()
        and 1 <= int(port) <= 65535
        and not (len(port) > 1 and port[0] == "0")
    )


def host_labels(host: str) -> list[str]:
    """A host name's labels (a trailing dot, the root, left out)."""
    return host[:-1].split(".") if host.endswith(".") else host.split(".")


def is_valid_reg_name(host: str) -> bool:
    """A host name of dot-separated labels of letters, digits and inner hyphens (RFC 1123)."""
    if not host or len(host) > 253:
        return False
    return all(HOST_LABEL_RE.fullmatch(label) for label in host_labels(host))


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
