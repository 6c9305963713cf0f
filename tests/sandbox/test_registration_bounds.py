"""The open registration endpoint is bounded: body size, nesting depth and list lengths."""

from __future__ import annotations

import json

import pytest
import requests
from oauth2_provider.models import Application

from registrations.metadata import registration_to_client_metadata
from sandbox import services, views
from tests.factories import make_registration

from .conftest import TIMEOUT


def _document() -> dict:
    return registration_to_client_metadata(make_registration())


def _refused(response: requests.Response, description: str) -> None:
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_client_metadata", "error_description": description}
    assert not Application.objects.exists()


def _items(key: str, count: int) -> list[str]:
    if key == "redirect_uris":
        return [f"https://client.example/callback/{n}" for n in range(count)]
    if key == "contacts":
        return [f"person{n}@client.example" for n in range(count)]
    if key == "grant_types":
        return ["authorization_code"] * count
    return ["code"] * count


@pytest.mark.parametrize(
    ("nesting", "description"),
    [
        (views.MAX_REGISTRATION_DEPTH + 1, views.NESTED_TOO_DEEP),
        # Within the size limit and far past Python's recursion limit.
        (30_000, views.NESTED_TOO_DEEP),
        (100_000, views.BODY_TOO_LARGE),
    ],
)
def test_deeply_nested_json_is_refused(sandbox, nesting, description):
    body = '{"client_name": ' + "[" * nesting + "]" * nesting + "}"

    response = requests.post(sandbox.register_url, data=body, timeout=TIMEOUT)

    _refused(response, description)


def test_brackets_inside_strings_do_not_count_as_nesting(sandbox):
    document = {**_document(), "client_name": '[[[[[[[[[[[[ {{{{{{{{{{{{ \\" ['}

    response = requests.post(sandbox.register_url, json=document, timeout=TIMEOUT)

    assert response.status_code == 201


def test_a_body_over_the_limit_is_refused(sandbox):
    document = {**_document(), "padding": "x" * views.MAX_REGISTRATION_BYTES}

    response = requests.post(sandbox.register_url, data=json.dumps(document), timeout=TIMEOUT)

    _refused(response, views.BODY_TOO_LARGE)


def test_a_body_at_the_limit_is_read(sandbox):
    document = _document()
    text = json.dumps(document)
    document["padding"] = "x" * (views.MAX_REGISTRATION_BYTES - len(text) - len(', "padding": ""'))

    response = requests.post(sandbox.register_url, data=json.dumps(document), timeout=TIMEOUT)

    assert len(json.dumps(document)) == views.MAX_REGISTRATION_BYTES
    assert response.status_code == 201


@pytest.mark.parametrize("key", list(services.LIST_LIMITS))
def test_a_list_over_its_limit_is_refused(sandbox, key):
    limit = services.LIST_LIMITS[key]
    document = {**_document(), key: _items(key, limit + 1)}

    response = requests.post(sandbox.register_url, json=document, timeout=TIMEOUT)

    _refused(response, services.LIST_TOO_LONG.format(key=key, limit=limit))


@pytest.mark.parametrize("key", ["redirect_uris", "contacts"])
def test_a_list_at_its_limit_is_accepted(sandbox, key):
    document = {**_document(), key: _items(key, services.LIST_LIMITS[key])}

    response = requests.post(sandbox.register_url, json=document, timeout=TIMEOUT)

    assert response.status_code == 201, response.text
