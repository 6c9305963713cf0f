"""What the token endpoint and the API cost in queries, and the DOT behaviour kept while saving them.

In process (Django's test client), so that the queries counted are the request's own.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, Grant, RefreshToken
from oauth2_provider.signals import app_authorized

from sandbox import demo
from sandbox.api.demo_data import demo_company, sandbox_company_create
from sandbox.oauth import RESOURCE_NOT_GRANTED, SandboxValidator
from tests.factories import make_user

from .conftest import REDIRECT_URI, register_client

pytestmark = pytest.mark.django_db

TOKEN_PATH = "/sandbox/oauth/token"
LIST_PATH = "/sandbox/api/v2/employees"
VERIFIER = "v" * 50
RESOURCE = "https://api.client.example/"

# The view's transaction (a savepoint inside the test's), the client with its
# registration (one join), the grant, the access and refresh tokens, the spent
# code's record, the grant deleted.
CODE_EXCHANGE_QUERIES = 8
# A refused code opens no transaction: the client with its registration, the grant
# (none), the tokens issued from the code if it was spent before (none).
REFUSED_CODE_QUERIES = 3
# The view's transaction; the client; the refresh token (with its access token),
# its user and application (DOT reads them lazily); DOT's rotation: the refresh
# token and the previous access token locked, then revoked in a savepoint of its
# own (both read again, the access token unlinked and deleted, the refresh token
# marked); the new access and refresh tokens.
REFRESH_QUERIES = 17
# The token (with its application, its user and the company it acts for), the
# page of records with its bounded total.
LIST_QUERIES_MEMBER = 2
# The demo company, when the user has no company of their own, is read with the token too.
LIST_QUERIES_DEMO = 2


@pytest.fixture
def enabled(settings):
    settings.PORTAL_SANDBOX_ENABLED = True


@pytest.fixture
def registration(enabled):
    return register_client()


@pytest.fixture
def user():
    return make_user(username="developer")


def _challenge() -> str:
    digest = hashlib.sha256(VERIFIER.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _grant(registration, user, **extra) -> str:
    code = secrets.token_urlsafe(20)
    Grant.objects.create(
        application=Application.objects.get(client_id=registration.client_id),
        user=user,
        code=code,
        expires=timezone.now() + timedelta(minutes=1),
        redirect_uri=REDIRECT_URI,
        scope="users:read",
        code_challenge=_challenge(),
        code_challenge_method="S256",
        **extra,
    )
    return code


def _basic(registration) -> str:
    credentials = f"{registration.client_id}:{registration.client_secret}".encode()
    return "Basic " + base64.b64encode(credentials).decode()


def _exchange(registration, code: str, **extra):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    data.update(code_verifier=VERIFIER, **extra)
    return Client().post(TOKEN_PATH, data, HTTP_AUTHORIZATION=_basic(registration))


def _token(user, registration) -> str:
    token = secrets.token_urlsafe(30)
    AccessToken.objects.create(
        user=user,
        application=Application.objects.get(client_id=registration.client_id),
        token=token,
        scope="users:read",
        expires=timezone.now() + timedelta(hours=1),
    )
    return token


def _list(token: str):
    return Client().get(LIST_PATH, {"limit": 5}, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_code_exchange_costs_a_fixed_number_of_queries(registration, user, django_assert_num_queries):
    code = _grant(registration, user)

    with django_assert_num_queries(CODE_EXCHANGE_QUERIES):
        response = _exchange(registration, code)

    assert response.status_code == 200, response.content


def test_an_unknown_code_costs_three_queries_and_no_transaction(registration, django_assert_num_queries):
    with django_assert_num_queries(REFUSED_CODE_QUERIES):
        response = _exchange(registration, "unknown-code")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_code_spent_meanwhile_by_another_request_saves_nothing_and_revokes_the_first(
    registration, user, monkeypatch
):
    code = _grant(registration, user)
    grant = Grant.objects.get(code=code)
    assert _exchange(registration, code).status_code == 200
    # The second request read the grant before the first one spent it.
    grant.pk = None
    grant.save()
    save = SandboxValidator._save_bearer_token

    def first_request_commits_meanwhile(self, token, request, *args, **kwargs):
        saved = save(self, token, request, *args, **kwargs)
        Grant.objects.filter(code=code).delete()
        return saved

    monkeypatch.setattr(SandboxValidator, "_save_bearer_token", first_request_commits_meanwhile)

    response = _exchange(registration, code)

    assert response.status_code == 400
    assert json.loads(response.content)["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()
    # The first request's refresh token, revoked; the second's tokens were never kept.
    assert [token.revoked is not None for token in RefreshToken.objects.all()] == [True]


def test_a_refresh_costs_a_fixed_number_of_queries(registration, user, django_assert_num_queries):
    issued = _exchange(registration, _grant(registration, user)).json()

    with django_assert_num_queries(REFRESH_QUERIES):
        response = Client().post(
            TOKEN_PATH,
            {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]},
            HTTP_AUTHORIZATION=_basic(registration),
        )

    assert response.status_code == 200, response.content


def test_a_list_call_costs_a_fixed_number_of_queries(registration, user, django_assert_num_queries):
    company, _ = sandbox_company_create(company_id=uuid.uuid4(), name="Own ApS")
    company.members.add(user)
    token = _token(user, registration)

    with django_assert_num_queries(LIST_QUERIES_MEMBER):
        response = _list(token)

    assert response.status_code == 200, response.content


def test_a_list_call_on_the_demo_company_costs_the_same(registration, user, django_assert_num_queries):
    demo_company()  # seeded once, before the call measured
    token = _token(user, registration)

    with django_assert_num_queries(LIST_QUERIES_DEMO):
        response = _list(token)

    assert response.status_code == 200, response.content


def test_a_list_call_answers_for_the_users_own_company(registration, user):
    company, _ = sandbox_company_create(company_id=uuid.uuid4(), name="Own ApS")
    company.members.add(user)

    response = _list(_token(user, registration))

    assert {row["companyId"] for row in response.json()["data"]} == {str(company.pk)}


def test_a_list_call_without_an_own_company_answers_for_the_demo_company(registration, user):
    response = _list(_token(user, registration))

    assert {row["companyId"] for row in response.json()["data"]} == {str(demo.COMPANY_ID)}


def test_a_token_deleted_between_two_calls_is_refused_on_the_next(registration, user):
    token = _token(user, registration)
    assert _list(token).status_code == 200

    AccessToken.objects.all().delete()

    assert _list(token).status_code == 401


def test_an_expired_token_is_refused_on_its_next_call(registration, user):
    token = _token(user, registration)
    assert _list(token).status_code == 200

    AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))

    assert _list(token).status_code == 401


def test_a_revoked_client_is_refused_on_its_next_call(registration, user):
    token = _token(user, registration)
    assert _list(token).status_code == 200

    Application.objects.filter(client_id=registration.client_id).delete()

    assert _list(token).status_code == 401


def test_the_token_response_is_sent_with_dot_headers(registration, user):
    response = _exchange(registration, _grant(registration, user))

    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert set(response.json()) == {"access_token", "expires_in", "token_type", "scope", "refresh_token"}


def test_app_authorized_is_sent_to_a_receiver(registration, user):
    received = []

    def receiver(sender, request, token, **kwargs):
        received.append(token)

    app_authorized.connect(receiver)
    try:
        response = _exchange(registration, _grant(registration, user))
    finally:
        app_authorized.disconnect(receiver)

    assert [token.token_checksum for token in received] == [
        hashlib.sha256(response.json()["access_token"].encode()).hexdigest()
    ]


def test_a_token_inherits_the_resources_of_its_grant(registration, user):
    response = _exchange(registration, _grant(registration, user, resource=[RESOURCE]))

    token = AccessToken.objects.get(
        token_checksum=hashlib.sha256(response.json()["access_token"].encode()).hexdigest()
    )
    assert token.resource == [RESOURCE]


def test_a_token_request_cannot_widen_the_resources_of_its_grant(registration, user):
    other = "https://other.client.example/"
    response = _exchange(registration, _grant(registration, user, resource=[RESOURCE]), resource=other)

    assert response.status_code == 400
    # DOT answers errors raised while saving tokens without a Content-Type.
    assert json.loads(response.content)["error_description"] == RESOURCE_NOT_GRANTED.format(resource=other)
    assert not AccessToken.objects.exists()


def test_a_requested_resource_must_be_an_absolute_uri(registration, user):
    response = _exchange(registration, _grant(registration, user), resource="not-a-uri")

    assert response.status_code == 400
    assert json.loads(response.content)["error"] == "invalid_target"
