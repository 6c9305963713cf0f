"""The guard against server-side request forgery: which address one hop of a link check
may connect to.

The portal fetches URLs that partners type, from inside its own network. The host is
resolved once, and refused when any of its addresses is loopback, private, link-local,
multicast, reserved or otherwise not public, unless `PORTAL_LINK_CHECK_ALLOW_PRIVATE`
is on (local development, tests). The hop then connects to the address that was
checked: no second DNS lookup that a rebinding name could answer differently.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import SplitResult

UNRESOLVED = "The host {host} could not be resolved ({error})."
REFUSED_ADDRESS = "{host} resolves to {address}, a {kind} address: link checks reach public addresses only."

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class LinkRefused(Exception):
    """This hop may not be fetched; the message is the reason."""


def resolve_host(host: str, port: int) -> list[str]:
    """The host's addresses, each once (an IP literal resolves to itself, without DNS)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def address_kind(address: IPAddress) -> str | None:
    """None for a public address, else what kind of non-public address it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    kinds = (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("unspecified", address.is_unspecified),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("non-public", not address.is_global),
    )
    return next((kind for kind, matches in kinds if matches), None)


def checked_address(parts: SplitResult, *, allow_private: bool) -> str:
    """The one address this hop connects to, after every address of the host passed."""
    host = parts.hostname or ""
    try:
        addresses = resolve_host(host, port_of(parts))
    except (OSError, UnicodeError) as exc:
        raise LinkRefused(UNRESOLVED.format(host=host, error=exc)) from None
    if not addresses:
        raise LinkRefused(UNRESOLVED.format(host=host, error="no address"))
    if not allow_private:
        for address in addresses:
            kind = address_kind(ipaddress.ip_address(address.split("%", 1)[0]))
            if kind is not None:
                raise LinkRefused(REFUSED_ADDRESS.format(host=host, address=address, kind=kind))
    return addresses[0]


def port_of(parts: SplitResult) -> int:
    """The URL's port, or its scheme's (ValueError for a port out of range)."""
    return parts.port or (443 if parts.scheme == "https" else 80)
