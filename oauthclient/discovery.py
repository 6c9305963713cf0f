"""Server discovery: RFC 8414 metadata when a server publishes it, else the configured endpoints.

Takes a server's configured endpoints (Pleo's documented paths on the configured
base URL) and returns the endpoints the dashboard uses: those of the metadata at
`/.well-known/oauth-authorization-server` when it is there and names the
configured issuer (RFC 8414 §3.3), otherwise the configured ones. The answer is
cached (PORTAL_SERVER_METADATA_SECONDS) and refreshed on demand.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from core.servers import server_endpoints

from .models import ExchangeKind
from .recording import Recorder

WELL_KNOWN = "/.well-known/oauth-authorization-server"
SOURCE_METADATA = "metadata"
SOURCE_CONFIGURED = "configured"
# A server that could not be reached is asked again sooner than one that publishes nothing.
UNREACHABLE_CACHE_SECONDS = 60
METADATA_READ_LIMIT = 256 * 1024

NO_METADATA = "no RFC 8414 metadata at {url} (HTTP {status}): using Pleo's documented paths"
METADATA_NOT_JSON = "the metadata at {url} is not a JSON object: using Pleo's documented paths"
METADATA_WRONG_ISSUER = (
    "the metadata at {url} names issuer {issuer}, not {expected}: ignored, using Pleo's documented paths"
)
METADATA_BAD_ENDPOINT = "the metadata at {url} has no usable {name}: ignored, using Pleo's documented paths"
METADATA_UNREACHABLE = "the metadata at {url} could not be read ({reason}): using Pleo's documented paths"


class ConfiguredServer(Protocol):
    """What discovery needs of a server's configured endpoints (the portal's server table)."""

    @property
    def key(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def issuer(self) -> str: ...
    @property
    def authorization_endpoint(self) -> str: ...
    @property
    def token_endpoint(self) -> str: ...
    @property
    def introspection_endpoint(self) -> str | None: ...
    @property
    def revocation_endpoint(self) -> str | None: ...
    @property
    def api_base_url(self) -> str: ...


@dataclass(frozen=True)
class DiscoveredServer:
    """The endpoints the dashboard uses for one server, and where they came from."""

    key: str
    label: str
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    introspection_endpoint: str | None
    revocation_endpoint: str | None
    api_base_url: str
    # RFC 9207: the server puts `iss` on every authorization response.
    iss_parameter_supported: bool
    source: str
    metadata_url: str
    checked_at: str
    problem: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def supports_revocation(self) -> bool:
        return self.revocation_endpoint is not None

    @property
    def supports_introspection(self) -> bool:
        return self.introspection_endpoint is not None

    @property
    def from_metadata(self) -> bool:
        return self.source == SOURCE_METADATA


def metadata_url(issuer: str) -> str:
    """RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path."""
    parts = urlsplit(issuer)
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, WELL_KNOWN + path, "", ""))


def _cache_key(configured: ConfiguredServer) -> str:
    digest = hashlib.sha256(f"{configured.key}\n{configured.issuer}".encode()).hexdigest()[:32]
    return f"oauthclient.discovery.{digest}"


def _configured(configured: ConfiguredServer, *, url: str, problem: str) -> DiscoveredServer:
    return DiscoveredServer(
        key=configured.key,
        label=configured.label,
        issuer=configured.issuer,
        authorization_endpoint=configured.authorization_endpoint,
        token_endpoint=configured.token_endpoint,
        introspection_endpoint=configured.introspection_endpoint,
        revocation_endpoint=configured.revocation_endpoint,
        api_base_url=configured.api_base_url,
        iss_parameter_supported=False,
        source=SOURCE_CONFIGURED,
        metadata_url=url,
        checked_at=timezone.now().isoformat(),
        problem=problem,
    )


def _endpoint(metadata: dict[str, Any], name: str, *, issuer: str) -> str | None:
    """An advertised endpoint, when it is an absolute URL no weaker than the issuer's scheme."""
    value = metadata.get(name)
    if not isinstance(value, str):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    allowed = {"https"} if urlsplit(issuer).scheme == "https" else {"https", "http"}
    if parts.scheme not in allowed or not parts.netloc or parts.fragment:
        return None
    return value


def _from_metadata(configured: ConfiguredServer, metadata: dict[str, Any], *, url: str) -> DiscoveredServer:
    issuer = metadata.get("issuer")
    if not isinstance(issuer, str) or issuer.rstrip("/") != configured.issuer.rstrip("/"):
        problem = METADATA_WRONG_ISSUER.format(url=url, issuer=str(issuer)[:200], expected=configured.issuer)
        return _configured(configured, url=url, problem=problem)
    required = {
        name: _endpoint(metadata, name, issuer=issuer)
        for name in ("authorization_endpoint", "token_endpoint")
    }
    for name, value in required.items():
        if value is None:
            return _configured(configured, url=url, problem=METADATA_BAD_ENDPOINT.format(url=url, name=name))
    return replace(
        _configured(configured, url=url, problem=""),
        authorization_endpoint=str(required["authorization_endpoint"]),
        token_endpoint=str(required["token_endpoint"]),
        introspection_endpoint=_endpoint(metadata, "introspection_endpoint", issuer=issuer),
        revocation_endpoint=_endpoint(metadata, "revocation_endpoint", issuer=issuer),
        iss_parameter_supported=metadata.get("authorization_response_iss_parameter_supported") is True,
        source=SOURCE_METADATA,
        metadata=metadata,
    )


def _fetch(configured: ConfiguredServer, *, recorder: Recorder) -> tuple[DiscoveredServer, int]:
    url = metadata_url(configured.issuer)
    with recorder.mount(requests.Session(), ExchangeKind.DISCOVERY) as session:
        session.max_redirects = 0
        try:
            response = session.get(
                url,
                headers={"Accept": "application/json"},
                timeout=settings.PORTAL_HTTP_TIMEOUT,
                verify=True,
                allow_redirects=False,
            )
        except requests.exceptions.RequestException as exc:
            problem = METADATA_UNREACHABLE.format(url=url, reason=type(exc).__name__)
            return _configured(configured, url=url, problem=problem), UNREACHABLE_CACHE_SECONDS
    ttl = int(settings.PORTAL_SERVER_METADATA_SECONDS)
    if response.status_code != 200:
        return _configured(
            configured, url=url, problem=NO_METADATA.format(url=url, status=response.status_code)
        ), ttl
    try:
        metadata = response.json() if len(response.content) <= METADATA_READ_LIMIT else None
    except ValueError:
        metadata = None
    if not isinstance(metadata, dict):
        return _configured(configured, url=url, problem=METADATA_NOT_JSON.format(url=url)), ttl
    return _from_metadata(configured, metadata, url=url), ttl


def cached(configured: ConfiguredServer) -> DiscoveredServer | None:
    """What discovery last found for a server, without asking it (None when nothing is cached)."""
    value = cache.get(_cache_key(configured))
    if isinstance(value, dict):
        try:
            return DiscoveredServer(**value)
        except TypeError:
            return None  # written by another version of this class: read it again
    return None


def discover(
    configured: ConfiguredServer, *, recorder: Recorder | None = None, refresh: bool = False
) -> DiscoveredServer:
    """The endpoints to use for a server: cached metadata, fetched when missing or asked to."""
    key = _cache_key(configured)
    known = None if refresh else cached(configured)
    if known is not None:
        return known
    server, ttl = _fetch(configured, recorder=recorder or Recorder())
    cache.set(key, asdict(server), ttl)
    return server


def server_for(key: str, *, recorder: Recorder | None = None, refresh: bool = False) -> DiscoveredServer:
    """The discovered endpoints of the server a credential belongs to (Credential.server)."""
    return discover(server_endpoints(key), recorder=recorder, refresh=refresh)


def cached_server(key: str) -> DiscoveredServer | None:
    return cached(server_endpoints(key))
