"""The DEBUG error page shows no credential: not in locals, the request, the URL or the message."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.error_pages import assert_shows_none

from .debug_urls import ACCESS_TOKEN, AUTHORIZATION_CODE, CLIENT_SECRET, CODE_VERIFIER

SECRETS = (CLIENT_SECRET, ACCESS_TOKEN, AUTHORIZATION_CODE, CODE_VERIFIER)
pytestmark = pytest.mark.urls("tests.core.debug_urls")


@pytest.fixture
def debug_client(settings) -> Client:
    settings.DEBUG = True
    return Client(raise_request_exception=False)


def _page(response) -> str:
    assert response.status_code == 500
    page = response.content.decode()
    assert "Traceback" in page
    return page


def test_locals_holding_credentials_are_hidden(debug_client):
    assert_shows_none(_page(debug_client.get("/locals/")), SECRETS)


def test_a_variable_named_after_a_credential_is_shown_as_stars(debug_client):
    page = _page(debug_client.get("/locals/"))
    assert "client_secret" in page
    assert "********************" in page


def test_the_text_around_an_encoding_error_is_hidden(debug_client):
    page = _page(debug_client.get("/header/"))
    assert_shows_none(page, [ACCESS_TOKEN, ACCESS_TOKEN[-10:]])


def test_an_exception_message_holding_a_credential_is_redacted(debug_client):
    assert_shows_none(_page(debug_client.get("/message/")), [CLIENT_SECRET])


def test_query_parameters_and_the_url_hide_the_code_and_tokens(debug_client):
    page = _page(
        debug_client.get(
            "/parameters/", {"code": AUTHORIZATION_CODE, "access_token": ACCESS_TOKEN, "state": "s1"}
        )
    )
    assert_shows_none(page, [AUTHORIZATION_CODE, ACCESS_TOKEN])


def test_posted_credentials_are_hidden(debug_client):
    page = _page(
        debug_client.post(
            "/parameters/",
            {"client_secret": CLIENT_SECRET, "code_verifier": CODE_VERIFIER, "code": AUTHORIZATION_CODE},
        )
    )
    assert_shows_none(page, [CLIENT_SECRET, CODE_VERIFIER, AUTHORIZATION_CODE])


def test_an_authorization_header_is_hidden(debug_client):
    page = _page(debug_client.get("/parameters/", HTTP_AUTHORIZATION=f"Bearer {ACCESS_TOKEN}"))
    assert_shows_none(page, [ACCESS_TOKEN])


def test_ordinary_values_stay_readable(debug_client):
    page = _page(debug_client.get("/parameters/", {"employee": "EMP-0001"}))
    assert "EMP-0001" in page
