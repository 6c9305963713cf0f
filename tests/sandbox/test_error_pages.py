"""The sandbox's views on Django's DEBUG error page: a failure deep in each, where its
secrets sit in local variables, shows none of them.

Each test makes one call inside the view fail (`tests.error_pages`) after the secrets
are in play, and looks for every one of them on the page, as typed and URL-encoded.
Generated secrets (new tokens, the authorization code, a new client secret) are
given known values for the test.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from typing import Any
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import AccessToken, Grant, RefreshToken

from registrations.metadata import registration_to_client_metadata
from sandbox.services import SandboxClientRegistration
from tests.error_pages import assert_shows_none, error_page
from tests.factories import make_registration, make_user
from tests.html_forms import form_fields

from .conftest import REDIRECT_URI, register_client

pytestmark = pytest.mark.django_db

TOKEN = "/sandbox/oauth/token"
INTROSPECT = "/sandbox/oauth/token/introspect"
REVOKE = "/sandbox/oauth/revoke"
AUTHORIZE = "/sandbox/oauth/authorize"
REGISTER = "/sandbox/oauth/register"

CODE = "authorization-code-for-the-error-page-0123"
CODE_VERIFIER = "code-verifier-for-the-error-page-0123456789abcdefghijk"
# S256 of the verifier, unpadded base64url (RFC 7636 §4.2).
CODE_CHALLENGE = (
    base64.urlsafe_b64encode(hashlib.sha256(CODE_VERIFIER.encode()).digest()).decode().rstrip("=")
)
ACCESS_TOKEN = "access-token-for-the-error-page-0123456789"
REFRESH_TOKEN = "refresh-token-for-the-error-page-012345678"
NEW_ACCESS_TOKEN = "new-access-token-for-the-error-page-0123456"
NEW_REFRESH_TOKEN = "new-refresh-token-for-the-error-page-012345"
NEW_CLIENT_SECRET = "new-client-secret-for-the-error-page-0123456789abcdef"
GENERATOR = "oauthlib.common.generate_token"


@pytest.fixture
def known_client(db: Any) -> SandboxClientRegistration:
    return register_client()


@pytest.fixture
def user() -> Any:
    return make_user(is_staff=True)


def basic(client: SandboxClientRegistration) -> str:
    return base64.b64encode(f"{client.client_id}:{client.client_secret}".encode()).decode()


def client_secrets(client: SandboxClientRegistration) -> list[str]:
    """The client's secret, as typed and inside the Basic header's base64."""
    return [client.client_secret, basic(client)]


def make_grant(client: SandboxClientRegistration, user: Any) -> None:
    Grant.objects.create(
        application_id=_application_pk(client),
        user=user,
        code=CODE,
        expires=timezone.now() + timedelta(minutes=1),
        redirect_uri=REDIRECT_URI,
        scope="users:read",
        code_challenge=CODE_CHALLENGE,
        code_challenge_method="S256",
    )


def make_tokens(client: SandboxClientRegistration, user: Any) -> None:
    access = AccessToken.objects.create(
        application_id=_application_pk(client),
        user=user,
        token=ACCESS_TOKEN,
        expires=timezone.now() + timedelta(minutes=10),
        scope="users:read",
    )
    RefreshToken.objects.create(
        application_id=_application_pk(client), user=user, token=REFRESH_TOKEN, access_token=access
    )


def _application_pk(client: SandboxClientRegistration) -> int:
    from oauth2_provider.models import get_application_model

    return get_application_model().objects.get(client_id=client.client_id).pk


def test_the_token_endpoints_code_exchange_shows_no_secret(client, settings, known_client, user):
    make_grant(known_client, user)
    form = {
        "grant_type": "authorization_code",
        "code": CODE,
        "code_verifier": CODE_VERIFIER,
        "redirect_uri": REDIRECT_URI,
    }

    with mock.patch(GENERATOR, side_effect=[NEW_ACCESS_TOKEN, NEW_REFRESH_TOKEN]):
        page = error_page(
            client,
            method="post",
            url=TOKEN,
            fail="sandbox.oauth.SandboxValidator.save_bearer_token",
            settings=settings,
            data=form,
            HTTP_AUTHORIZATION=f"Basic {basic(known_client)}",
        )

    assert_shows_none(
        page, [CODE, CODE_VERIFIER, NEW_ACCESS_TOKEN, NEW_REFRESH_TOKEN, *client_secrets(known_client)]
    )


def test_the_token_endpoints_refresh_shows_no_secret(client, settings, known_client, user):
    make_tokens(known_client, user)
    form = {"grant_type": "refresh_token", "refresh_token": REFRESH_TOKEN}

    with mock.patch(GENERATOR, side_effect=[NEW_ACCESS_TOKEN, NEW_REFRESH_TOKEN]):
        page = error_page(
            client,
            method="post",
            url=TOKEN,
            fail="sandbox.oauth.SandboxValidator.save_bearer_token",
            settings=settings,
            data=form,
            HTTP_AUTHORIZATION=f"Basic {basic(known_client)}",
        )

    assert_shows_none(
        page,
        [REFRESH_TOKEN, ACCESS_TOKEN, NEW_ACCESS_TOKEN, NEW_REFRESH_TOKEN, *client_secrets(known_client)],
    )


def test_introspection_shows_no_secret(client, settings, known_client, user):
    make_tokens(known_client, user)

    page = error_page(
        client,
        method="post",
        url=INTROSPECT,
        fail="sandbox.selectors.sandbox_endpoints",
        settings=settings,
        data={"token": ACCESS_TOKEN},
        HTTP_AUTHORIZATION=f"Basic {basic(known_client)}",
    )

    assert_shows_none(page, [ACCESS_TOKEN, REFRESH_TOKEN, *client_secrets(known_client)])


def test_revocation_shows_no_secret(client, settings, known_client, user):
    make_tokens(known_client, user)

    page = error_page(
        client,
        method="post",
        url=REVOKE,
        fail="oauth2_provider.models.RefreshToken.revoke",
        settings=settings,
        data={"token": REFRESH_TOKEN, "token_type_hint": "refresh_token"},
        HTTP_AUTHORIZATION=f"Basic {basic(known_client)}",
    )

    assert_shows_none(page, [REFRESH_TOKEN, ACCESS_TOKEN, *client_secrets(known_client)])


def test_the_consent_answer_shows_no_authorization_code(client, settings, known_client, user):
    client.force_login(user)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": known_client.client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": "users:read",
            "state": "state-1",
            "code_challenge": CODE_CHALLENGE,
            "code_challenge_method": "S256",
        }
    )
    url = f"{AUTHORIZE}?{query}"
    answer = {**form_fields(client.get(url).content.decode()), "allow": "Authorize"}

    with mock.patch(GENERATOR, return_value=CODE):
        page = error_page(
            client, method="post", url=url, fail="sandbox.views._with_iss", settings=settings, data=answer
        )

    assert_shows_none(page, [CODE])


def test_the_registration_answer_shows_no_client_secret(settings):
    document = registration_to_client_metadata(make_registration())

    with mock.patch("sandbox.services.secrets.token_hex", return_value=NEW_CLIENT_SECRET):
        page = error_page(
            Client(),
            method="post",
            url=REGISTER,
            fail="sandbox.views._no_store",
            settings=settings,
            data=json.dumps(document),
            content_type="application/json",
        )

    assert_shows_none(page, [NEW_CLIENT_SECRET])


def test_issuing_sandbox_credentials_in_the_admin_shows_no_client_secret(client, settings):
    registration = make_registration()
    client.force_login(make_user(is_staff=True, is_superuser=True))

    with mock.patch("sandbox.services.secrets.token_hex", return_value=NEW_CLIENT_SECRET):
        page = error_page(
            client,
            method="post",
            url=reverse("admin:registrations_registration_changelist"),
            fail="sandbox.admin.add_never_cache_headers",
            settings=settings,
            data={"action": "issue_sandbox_credentials", "_selected_action": [registration.pk]},
        )

    assert_shows_none(page, [NEW_CLIENT_SECRET])
