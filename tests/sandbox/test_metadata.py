"""RFC 8414 metadata for the issuer PORTAL_BASE_URL/sandbox, at both locations."""

from __future__ import annotations

import pytest
import requests

from .conftest import TIMEOUT

LOCATIONS = [
    "/.well-known/oauth-authorization-server/sandbox",
    "/sandbox/.well-known/oauth-authorization-server",
]


@pytest.mark.parametrize("path", LOCATIONS)
def test_metadata_names_the_sandbox_issuer(sandbox, path):
    document = requests.get(sandbox.base_url + path, timeout=TIMEOUT).json()

    assert document["issuer"] == sandbox.issuer


def test_metadata_lists_the_endpoints(sandbox):
    document = requests.get(sandbox.base_url + LOCATIONS[0], timeout=TIMEOUT).json()

    assert document["authorization_endpoint"] == sandbox.authorize_url
    assert document["token_endpoint"] == sandbox.token_url
    assert document["introspection_endpoint"] == sandbox.introspect_url
    assert document["revocation_endpoint"] == sandbox.revoke_url
    assert document["registration_endpoint"] == sandbox.register_url


def test_metadata_describes_pleos_profile(sandbox):
    document = requests.get(sandbox.base_url + LOCATIONS[0], timeout=TIMEOUT).json()

    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert document["response_types_supported"] == ["code"]
    assert document["token_endpoint_auth_methods_supported"] == ["client_secret_basic", "client_secret_post"]
    assert document["authorization_response_iss_parameter_supported"] is True


def test_metadata_scopes_come_from_the_catalog(sandbox):
    document = requests.get(sandbox.base_url + LOCATIONS[0], timeout=TIMEOUT).json()

    assert "users:read" in document["scopes_supported"]
    assert "export-items:read" in document["scopes_supported"]
