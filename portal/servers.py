"""Where each authorization server and API lives, from settings.

One table for the whole portal: exports (Postman), the dashboard's OAuth client
and the sandbox issuer all read it, so pointing a server at another base URL is
configuration only (PLEO_* settings; the sandbox follows PORTAL_SANDBOX_URL).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

SANDBOX = "sandbox"
PLEO_STAGING = "pleo_staging"
PLEO_PRODUCTION = "pleo_production"

# Pleo's documented paths, the same on every Pleo server and mirrored by the sandbox.
AUTHORIZE_PATH = "/oauth/authorize"
TOKEN_PATH = "/oauth/token"
INTROSPECT_PATH = "/oauth/token/introspect"
REVOKE_PATH = "/oauth/revoke"
SANDBOX_PREFIX = "/sandbox"


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
        return self.auth_base_url + INTROSPECT_PATH

    @property
    def revocation_endpoint(self) -> str | None:
        return self.auth_base_url + REVOKE_PATH if self.revocation_supported else None


def server_endpoints(key: str) -> ServerEndpoints:
    """The endpoints of one server, by the key stored on a credential."""
    if key == SANDBOX:
        base = settings.PORTAL_SANDBOX_URL or settings.PORTAL_BASE_URL.rstrip("/") + SANDBOX_PREFIX
        return ServerEndpoints(
            key=SANDBOX,
            label="Built-in sandbox",
            auth_base_url=base,
            api_base_url=base + "/api",
            revocation_supported=True,
        )
    if key == PLEO_STAGING:
        return ServerEndpoints(
            key=PLEO_STAGING,
            label="Pleo staging",
            auth_base_url=settings.PLEO_STAGING_AUTH_URL.rstrip("/"),
            api_base_url=settings.PLEO_STAGING_API_URL.rstrip("/"),
            revocation_supported=False,
        )
    if key == PLEO_PRODUCTION:
        return ServerEndpoints(
            key=PLEO_PRODUCTION,
            label="Pleo production",
            auth_base_url=settings.PLEO_PRODUCTION_AUTH_URL.rstrip("/"),
            api_base_url=settings.PLEO_PRODUCTION_API_URL.rstrip("/"),
            revocation_supported=False,
        )
    raise KeyError(f"Unknown authorization server {key!r}")
