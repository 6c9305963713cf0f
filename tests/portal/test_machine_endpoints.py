"""The sandbox's machine endpoints skip the page middleware; its consent page keeps it."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from simple_history.models import HistoricalRecords

from portal import roles
from sandbox import views
from tests.factories import make_user
from tests.sandbox.conftest import REDIRECT_URI, register_client
from tests.sandbox.tokens import make_api_token

pytestmark = pytest.mark.django_db

# What the page middleware leaves on a request: the session, the user, the messages.
PAGE_ATTRIBUTES = ("session", "user", "_messages")
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(b"v" * 50).digest()).rstrip(b"=").decode()


@pytest.fixture(params=[roles.SANDBOX, roles.ALL])
def role(request, settings):
    settings.PORTAL_SANDBOX_ENABLED = True
    settings.PORTAL_SERVER_ROLE = request.param
    return request.param


@pytest.fixture
def logged_in():
    """A browser with a portal user's session cookie: it must not matter to a machine endpoint."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_user(username="developer", is_staff=True))
    return browser


def _machine_requests(browser):
    registration = register_client()
    basic = base64.b64encode(f"{registration.client_id}:{registration.client_secret}".encode()).decode()
    token = make_api_token()
    return [
        browser.get("/sandbox/api/v2/employees", {"limit": 1}, HTTP_AUTHORIZATION=f"Bearer {token}"),
        browser.get("/sandbox/api/v2/employees"),
        browser.post(
            "/sandbox/oauth/token",
            {"grant_type": "authorization_code", "code": "unknown", "redirect_uri": REDIRECT_URI},
            HTTP_AUTHORIZATION=f"Basic {basic}",
        ),
        browser.post(
            "/sandbox/oauth/token/introspect", {"token": token}, HTTP_AUTHORIZATION=f"Basic {basic}"
        ),
        browser.post("/sandbox/oauth/revoke", {"token": "unknown"}, HTTP_AUTHORIZATION=f"Basic {basic}"),
        browser.post("/sandbox/oauth/register", "{}", content_type="application/json"),
        browser.get("/.well-known/oauth-authorization-server/sandbox"),
        browser.get("/sandbox/.well-known/oauth-authorization-server"),
        browser.get("/sandbox/openapi.json"),
        browser.put("/sandbox/uploads/unknown-job?signature=unknown", b"a,b\n", content_type="text/csv"),
    ]


def test_machine_endpoints_get_no_session_user_or_messages(role, logged_in):
    for response in _machine_requests(logged_in):
        path = response.wsgi_request.path
        assert response.status_code < 500, path
        assert [name for name in PAGE_ATTRIBUTES if hasattr(response.wsgi_request, name)] == [], path


def test_machine_endpoints_read_no_session_and_set_no_cookie(role, logged_in):
    with CaptureQueriesContext(connection) as queries:
        responses = _machine_requests(logged_in)

    assert [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"]] == []
    assert [r.wsgi_request.path for r in responses if "sessionid" in r.cookies] == []


@pytest.mark.parametrize(
    "name", ["token", "introspect", "revoke", "register", "metadata", "metadata-rfc8414", "openapi"]
)
def test_every_sandbox_endpoint_for_clients_is_a_machine_endpoint(name):
    assert roles.is_machine_endpoint(reverse(f"sandbox:{name}"))


def test_every_api_path_is_a_machine_endpoint():
    assert roles.is_machine_endpoint(reverse("sandbox:api", kwargs={"api_path": "v2/employees"}))


def test_the_consent_page_is_not_a_machine_endpoint():
    assert not roles.is_machine_endpoint(reverse("sandbox:authorize"))


def _authorize_url() -> str:
    registration = register_client()
    query = {
        "response_type": "code",
        "client_id": registration.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "users:read",
        "state": "s1",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
    }
    return reverse("sandbox:authorize") + "?" + urlencode(query)


def test_the_consent_page_sends_an_anonymous_user_to_the_login_page(role):
    response = Client().get(_authorize_url())

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_consent_page_has_the_session_the_user_and_a_csrf_token(role, logged_in):
    response = logged_in.get(_authorize_url())

    assert response.status_code == 200
    assert response.wsgi_request.user.username == "developer"
    assert response.wsgi_request.session.session_key
    assert "csrfmiddlewaretoken" in response.content.decode()


def test_the_consent_answer_without_a_csrf_token_is_refused(role, logged_in):
    url = _authorize_url()
    logged_in.get(url)

    response = logged_in.post(url, {"allow": "Authorize"})

    assert response.status_code == 403


def _history_request_seen(monkeypatch, owner, name):
    """Record, while `owner.name` runs, which request django-simple-history would attribute changes to."""
    seen = []
    original = getattr(owner, name)

    def recording(*args, **kwargs):
        seen.append(getattr(HistoricalRecords.context, "request", None))
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, recording)
    return seen


def test_a_machine_endpoint_gives_history_no_request(role, logged_in, monkeypatch):
    seen = _history_request_seen(monkeypatch, views, "server_metadata_body")

    logged_in.get("/.well-known/oauth-authorization-server/sandbox")

    assert seen == [None]


def test_the_consent_page_gives_history_its_request(role, logged_in, monkeypatch):
    seen = _history_request_seen(monkeypatch, views.ConsentView, "get")

    response = logged_in.get(_authorize_url())

    assert seen == [response.wsgi_request]
