"""Where each authorization server and API lives, from settings.

One catalog for the whole portal: exports (Postman), the dashboard's OAuth client
and the sandbox issuer all read it, so pointing a server at another base URL is
configuration only (PLEO_* settings; the sandbox follows PORTAL_SANDBOX_URL, else PORTAL_BASE_URL).
`CredentialServer` is the only spelling of a server's key.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models

# Pleo's documented paths, the same on every Pleo server and mirrored by the sandbox.
AUTHORIZE_PATH = "/oauth/authorize"
TOKEN_PATH = "/oauth/token"
INTROSPECT_PATH = "/oauth/token/introspect"
REVOKE_PATH = "/oauth/revoke"
SANDBOX_PREFIX = "/sandbox"


class CredentialServer(models.TextChoices):
    """The authorization server that issued a credential."""

    SANDBOX = "sandbox", "Built-in sandbox"
    PLEO_STAGING = "pleo_staging", "Pleo staging"
    PLEO_PRODUCTION = "pleo_production", "Pleo production"


# Pleo's servers: the settings naming their auth and API base URLs.
_PLEO_URL_SETTINGS = {
    CredentialServer.PLEO_STAGING: ("PLEO_STAGING_AUTH_URL", "PLEO_STAGING_API_URL"),
    CredentialServer.PLEO_PRODUCTION: ("PLEO_PRODUCTION_AUTH_URL", "PLEO_PRODUCTION_API_URL"),
}
PLEO_SERVERS = frozenset(_PLEO_URL_SETTINGS)


@dataclass(frozen=True)
class ServerEndpoints:
    key: str
    label: str
    auth_base_url: str
    api_base_url: str
    # RFC 7009 revocation: the sandbox has it; Pleo documents none.
    revocation_supported: bool

    @property
    def issuer(self) -> str:
        return self.auth_base_url

    @property
    def authorization_endpoint(self) -> str:
        return self.auth_base_url + AUTHORIZE_PATH

    @property
    def token_endpoint(self) -> str:
        return self.auth_base_url + TOKEN_PATH

    @property
    def introspection_endpoint(self) -> str:
        # Pleo and the sandbox both document token introspection (Basic auth).
        return self.auth_base_url + INTROSPECT_PATH

    @property
    def revocation_endpoint(self) -> str | None:
        return self.auth_base_url + REVOKE_PATH if self.revocation_supported else None


def portal_url(path: str) -> str:
    """An absolute URL on the portal itself (PORTAL_BASE_URL + path)."""
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def server_endpoints(key: str) -> ServerEndpoints:
    """The endpoints of one server, by the key stored on a credential (a CredentialServer)."""
    try:
        server = CredentialServer(key)
    except ValueError:
        raise KeyError(f"Unknown authorization server {key!r}") from None
    if server == CredentialServer.SANDBOX:
        # Its own server when PORTAL_SANDBOX_URL says so, else under the portal's URL.
        base = settings.PORTAL_SANDBOX_URL.rstrip("/") or portal_url(SANDBOX_PREFIX)
        return ServerEndpoints(
            key=server.value,
            label=server.label,
            auth_base_url=base,
            api_base_url=base + "/api",
            revocation_supported=True,
        )
    auth_setting, api_setting = _PLEO_URL_SETTINGS[server]
    return ServerEndpoints(
        key=server.value,
        label=server.label,
        auth_base_url=getattr(settings, auth_setting).rstrip("/"),
        api_base_url=getattr(settings, api_setting).rstrip("/"),
        revocation_supported=False,
    )
