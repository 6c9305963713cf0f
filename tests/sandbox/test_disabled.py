"""PORTAL_SANDBOX_ENABLED off: none of the sandbox's URLs exist."""

from __future__ import annotations

import pytest

PATHS = [
    "/sandbox/oauth/authorize",
    "/sandbox/oauth/token",
    "/sandbox/oauth/token/introspect",
    "/sandbox/oauth/revoke",
    "/sandbox/oauth/register",
    "/sandbox/.well-known/oauth-authorization-server",
    "/.well-known/oauth-authorization-server/sandbox",
    "/sandbox/api/v1/introspect",
    "/sandbox/api/v2/employees",
]


@pytest.mark.parametrize("path", PATHS)
def test_sandbox_urls_are_404_when_disabled(client, db, settings, path):
    settings.PORTAL_SANDBOX_ENABLED = False

    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404


def test_metadata_is_served_when_enabled(client, db, settings):
    settings.PORTAL_SANDBOX_ENABLED = True

    assert client.get("/.well-known/oauth-authorization-server/sandbox").status_code == 200
