"""Authorization-server profiles for the OAuth client, on portal.servers' endpoint table.

A profile is what the client needs to talk to one server: its endpoints, its
API base, what it supports. Pointing a profile at another base URL is
configuration only (PLEO_* settings; the sandbox follows PORTAL_BASE_URL).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from portal import servers


@dataclass(frozen=True)
class ServerProfile:
    key: str
    label: str
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    introspection_endpoint: str | None
    revocation_endpoint: str | None
    api_base_url: str

    @property
    def supports_revocation(self) -> bool:
        return self.revocation_endpoint is not None

    @property
    def supports_introspection(self) -> bool:
        return self.introspection_endpoint is not None


def server_profile(key: str) -> ServerProfile:
    """The profile of the server that issued a credential (Credential.server)."""
    endpoints = servers.server_endpoints(key)
    return ServerProfile(
        key=endpoints.key,
        label=endpoints.label,
        issuer=endpoints.issuer,
        authorization_endpoint=endpoints.authorization_endpoint,
        token_endpoint=endpoints.token_endpoint,
        # Pleo and the sandbox both document token introspection (Basic auth).
        introspection_endpoint=endpoints.introspection_endpoint,
        revocation_endpoint=endpoints.revocation_endpoint,
        api_base_url=endpoints.api_base_url,
    )


def dashboard_callback_url() -> str:
    """The portal's own redirect URI: PORTAL_BASE_URL + /dashboard/callback/."""
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("oauthclient:callback")
