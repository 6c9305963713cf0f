"""RFC 7591 dynamic registration: the portal's export goes in, RFC 7591 errors come out."""

from __future__ import annotations

import pytest
import requests
from oauth2_provider.models import Application

from registrations.metadata import registration_to_client_metadata
from tests.factories import make_registration

from .conftest import TIMEOUT


def _example_export() -> dict:
    return registration_to_client_metadata(make_registration())


def test_example_client_export_is_registered(sandbox):
    document = _example_export()

    response = requests.post(sandbox.register_url, json=document, timeout=TIMEOUT)

    assert response.status_code == 201
    body = response.json()
    assert body["client_secret"]
    assert body["client_secret_expires_at"] == 0
    assert isinstance(body["client_id_issued_at"], int)
    assert body["redirect_uris"] == document["redirect_uris"]
    assert body["scope"] == document["scope"]
    assert Application.objects.filter(client_id=body["client_id"]).exists()


def test_registration_answer_is_not_cached(sandbox):
    response = requests.post(sandbox.register_url, json=_example_export(), timeout=TIMEOUT)

    assert "no-store" in response.headers["Cache-Control"]


def test_registered_secret_is_stored_hashed(sandbox):
    body = requests.post(sandbox.register_url, json=_example_export(), timeout=TIMEOUT).json()

    stored = Application.objects.get(client_id=body["client_id"]).client_secret

    assert stored != body["client_secret"]


@pytest.mark.parametrize(
    ("changes", "error", "described"),
    [
        pytest.param(
            {"redirect_uris": ["http://client.example/callback"]},
            "invalid_redirect_uri",
            "redirect_uris",
            id="http",
        ),
        pytest.param(
            {"redirect_uris": ["https://*.client.example/callback"]},
            "invalid_redirect_uri",
            "redirect_uris",
            id="wildcard",
        ),
        pytest.param({"contacts": ["not an email"]}, "invalid_client_metadata", "contacts", id="contacts"),
        pytest.param(
            {"grant_types": ["implicit"]}, "invalid_client_metadata", "grant_types", id="implicit-grant"
        ),
        pytest.param(
            {"token_endpoint_auth_method": "none"},
            "invalid_client_metadata",
            "token_endpoint_auth_method",
            id="public-client",
        ),
        pytest.param({"client_name": 42}, "invalid_client_metadata", "client_name", id="name-of-wrong-type"),
    ],
)
def test_refused_metadata_is_an_rfc7591_error(sandbox, changes, error, described):
    document = {**_example_export(), **changes}

    response = requests.post(sandbox.register_url, json=document, timeout=TIMEOUT)

    assert (response.status_code, response.json()["error"]) == (400, error)
    assert described in response.json()["error_description"]


def test_body_that_is_not_a_json_object_is_invalid_client_metadata(sandbox):
    response = requests.post(sandbox.register_url, data="[1, 2]", timeout=TIMEOUT)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client_metadata"


def test_unknown_metadata_is_ignored(sandbox):
    document = {**_example_export(), "software_statement_flavour": "vanilla"}

    body = requests.post(sandbox.register_url, json=document, timeout=TIMEOUT).json()

    assert "software_statement_flavour" not in body
