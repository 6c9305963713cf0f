"""The client's address behind the TLS proxy the deployment documents.

`REMOTE_ADDR` is the address of whoever opened the connection: behind a proxy,
the proxy. Each trusted proxy appends the address it received the request from
to `X-Forwarded-For`, so the header is read from the right: the first address
that is not itself a trusted proxy is the client. Anything to its left was sent
by the client and may be made up. When the request did not come from a trusted
proxy, or the header cannot be read, the answer is `REMOTE_ADDR`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# More hops than any real chain of proxies; a longer header is not walked further.
MAX_FORWARDED_HOPS = 20


def trusted_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    """Parse PORTAL_TRUSTED_PROXIES (addresses or CIDR blocks); ValueError names a bad entry."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError as error:
            raise ValueError(f"{value!r} is not an IP address or CIDR block") from error
    return tuple(networks)


@lru_cache(maxsize=8)
def _networks(values: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return trusted_networks(values)


def parse_address(value: str) -> IPAddress | None:
    """An address as a proxy writes it (`1.2.3.4`, `1.2.3.4:5678`, `[::1]:443`), or None."""
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _is_trusted(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address for audit records (see the module docstring), or None if unknown."""
    remote = parse_address(request.META.get("REMOTE_ADDR") or "")
    if remote is None:
        return None
    networks = _networks(tuple(settings.PORTAL_TRUSTED_PROXIES))
    if not _is_trusted(remote, networks):
        return str(remote)
    hops = (request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",")
    client = remote
    for hop in reversed(hops[-MAX_FORWARDED_HOPS:]):
        address = parse_address(hop)
        if address is None:
            # A trusted proxy writes addresses only: this is not a chain to believe.
            return str(remote)
        client = address
        if not _is_trusted(address, networks):
            break
    return str(client)
