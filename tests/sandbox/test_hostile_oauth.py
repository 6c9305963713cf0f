"""Hostile input on the sandbox's OAuth endpoints, drawn by Hypothesis.

Anonymous registration, the token endpoint, introspection and revocation, with
text that holds non-Latin-1 characters, unpaired surrogates, NUL and control
characters, and HTTP Basic credentials of every kind. On every endpoint: no
answer is a server error, a refusal leaves every row as it was, and a refusal
says which rule the request broke. Requests go through Django's test client.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st
from oauth2_provider.models import AccessToken, Application, Grant, RefreshToken

from core.text import TEXT_HOLDS_NUL, json_unstorable_reason
from sandbox.edge import BASIC_NOT_BASE64
from sandbox.models import RedeemedAuthorizationCode, SandboxClient
from sandbox.services import SandboxClientRegistration
from tests.hostile_input.fuzzing import text

from .conftest import REDIRECT_URI, register_client
from .hostile import HOSTILE, form_text, json_values

pytestmark = pytest.mark.django_db

REGISTER = "/sandbox/oauth/register"
TOKEN = "/sandbox/oauth/token"
INTROSPECT = "/sandbox/oauth/token/introspect"
REVOKE = "/sandbox/oauth/revoke"
CLIENT_ENDPOINTS = (TOKEN, INTROSPECT, REVOKE)
# RFC 6749 §5.2, RFC 7009 §2.2.1, RFC 7591 §3.2.2: the codes a refusal may carry.
OAUTH_ERRORS = {
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "unsupported_token_type",
    "invalid_redirect_uri",
    "invalid_client_metadata",
}
TOKEN_PARAMETERS = (
    "grant_type",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
    "client_id",
    "client_secret",
    "scope",
)
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials", "password")
NUL = "\x00"


def rows() -> tuple[int, ...]:
    """How many clients, grants and tokens there are: what these endpoints could write."""
    models = (Application, SandboxClient, Grant, AccessToken, RefreshToken, RedeemedAuthorizationCode)
    return tuple(model.objects.count() for model in models)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode("utf-8", "surrogatepass")).decode()


@pytest.fixture
def known_client(db: Any) -> SandboxClientRegistration:
    return register_client()


@pytest.fixture
def anonymous(settings: Any) -> Client:
    # Every example is one more request from the same address: no hourly limit here.
    settings.PORTAL_SANDBOX_REGISTRATIONS_PER_HOUR = 0
    return Client(raise_request_exception=False)


def assert_refusal_names_a_rule(response: Any) -> None:
    body = response.json()
    assert body["error"] in OAUTH_ERRORS
    assert body["error_description"]


# What goes in --------------------------------------------------------------------------

metadata = st.fixed_dictionaries(
    {},
    optional={
        "client_name": text(),
        "client_uri": text(),
        "redirect_uris": st.lists(st.one_of(st.just(REDIRECT_URI), text()), max_size=3),
        "contacts": st.lists(text(), max_size=3),
        "scope": st.one_of(st.just("users:read"), text()),
        "token_endpoint_auth_method": st.one_of(st.just("client_secret_basic"), text()),
        "grant_types": st.lists(text(), max_size=2),
    },
).flatmap(lambda fixed: st.dictionaries(text(max_size=12), json_values, max_size=3).map(fixed.__or__))
token_forms = st.dictionaries(
    st.sampled_from(TOKEN_PARAMETERS),
    form_text,
    max_size=len(TOKEN_PARAMETERS),
).flatmap(lambda form: st.sampled_from(GRANT_TYPES).map(lambda grant: {"grant_type": grant, **form}))
# Any user:password, base64 that is not, non-Latin-1 and control characters, NUL.
basic_headers = st.one_of(
    st.builds(basic, text(), text()),
    st.builds(lambda value: "Basic " + value, text()),
    st.builds(lambda value: "Basic " + base64.b64encode(value).decode(), st.binary(max_size=40)),
)


# Anonymous registration ----------------------------------------------------------------


@HOSTILE
@given(document=metadata)
def test_a_registration_is_kept_whole_or_not_at_all(anonymous, document):
    before = rows()

    response = anonymous.post(REGISTER, json.dumps(document), content_type="application/json")

    assert response.status_code in (201, 400)
    kept = 2 if response.status_code == 201 else 0  # an application and its sandbox client
    assert sum(rows()) == sum(before) + kept


@HOSTILE
@given(document=metadata)
def test_a_refused_registration_says_which_rule_it_broke(anonymous, document):
    response = anonymous.post(REGISTER, json.dumps(document), content_type="application/json")

    if response.status_code == 400:
        assert_refusal_names_a_rule(response)


@HOSTILE
@given(document=metadata.filter(json_unstorable_reason))
def test_registration_refuses_text_no_database_can_store_with_the_text_rule(anonymous, document):
    response = anonymous.post(REGISTER, json.dumps(document), content_type="application/json")

    assert (response.status_code, response.json()["error_description"]) == (
        400,
        json_unstorable_reason(document),
    )


# The token endpoint --------------------------------------------------------------------


@HOSTILE
@given(form=token_forms, use_known_client=st.booleans())
def test_a_hostile_token_request_is_refused_and_writes_nothing(
    anonymous, known_client, form, use_known_client
):
    headers = {"HTTP_AUTHORIZATION": basic(known_client.client_id, known_client.client_secret)}
    before = rows()

    response = anonymous.post(TOKEN, form, **(headers if use_known_client else {}))

    assert 400 <= response.status_code < 500
    assert rows() == before
    assert_refusal_names_a_rule(response)


@HOSTILE
@given(form=token_forms, name=st.sampled_from(TOKEN_PARAMETERS), before_nul=form_text)
def test_nul_in_a_token_parameter_is_refused_with_the_text_rule(
    anonymous, known_client, form, name, before_nul
):
    form[name] = before_nul + NUL

    response = anonymous.post(
        TOKEN, form, HTTP_AUTHORIZATION=basic(known_client.client_id, known_client.client_secret)
    )

    assert (response.status_code, response.json()["error_description"]) == (400, TEXT_HOLDS_NUL)


# Introspection and revocation ------------------------------------------------------------


@HOSTILE
@given(endpoint=st.sampled_from((INTROSPECT, REVOKE)), token=form_text, hint=st.one_of(st.none(), form_text))
def test_hostile_introspection_and_revocation_parameters_change_nothing(
    anonymous, known_client, endpoint, token, hint
):
    form = {"token": token} | ({"token_type_hint": hint} if hint is not None else {})
    before = rows()

    response = anonymous.post(
        endpoint, form, HTTP_AUTHORIZATION=basic(known_client.client_id, known_client.client_secret)
    )

    assert response.status_code < 500
    assert rows() == before
    if response.status_code >= 400:
        assert_refusal_names_a_rule(response)


# HTTP Basic credentials -----------------------------------------------------------------


# A form that reaches client authentication on each endpoint (a token to act on).
CLIENT_FORM = {"grant_type": "refresh_token", "refresh_token": "r", "token": "t"}


@HOSTILE
@given(endpoint=st.sampled_from(CLIENT_ENDPOINTS), header=basic_headers)
def test_any_basic_credentials_are_a_client_authentication_failure(anonymous, endpoint, header):
    before = rows()

    response = anonymous.post(endpoint, CLIENT_FORM, HTTP_AUTHORIZATION=header)

    assert (response.status_code, response.json()["error"]) == (401, "invalid_client")
    assert response["WWW-Authenticate"] == 'Basic realm="sandbox"'
    assert rows() == before


@HOSTILE
@given(endpoint=st.sampled_from(CLIENT_ENDPOINTS), user=form_text, password=form_text)
def test_nul_in_basic_credentials_is_refused_with_the_text_rule(anonymous, endpoint, user, password):
    response = anonymous.post(endpoint, CLIENT_FORM, HTTP_AUTHORIZATION=basic(user + NUL, password))

    assert (response.status_code, response.json()["error_description"]) == (401, TEXT_HOLDS_NUL)


@HOSTILE
@given(endpoint=st.sampled_from(CLIENT_ENDPOINTS), header=text().filter(lambda value: not value.isascii()))
def test_basic_credentials_that_are_not_ascii_are_refused_naming_the_rule(anonymous, endpoint, header):
    response = anonymous.post(endpoint, CLIENT_FORM, HTTP_AUTHORIZATION="Basic " + header)

    assert (response.status_code, response.json()["error_description"]) == (401, BASIC_NOT_BASE64)
