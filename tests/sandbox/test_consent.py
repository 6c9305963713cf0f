"""The consent page: asked every time, answered once, for the request that was validated."""

from __future__ import annotations

import pytest
import requests
from oauth2_provider.models import Grant

from sandbox import views
from tests.html_forms import form_fields

from .conftest import REDIRECT_URI, TIMEOUT, connect, consent, oauth_session, query_param


def _consent_page(user_session: requests.Session, url: str) -> tuple[requests.Response, dict[str, str]]:
    page = user_session.get(url, allow_redirects=False, timeout=TIMEOUT)
    return page, form_fields(page.text)


def _answer(user_session: requests.Session, url: str, fields: dict[str, str]) -> requests.Response:
    return user_session.post(url, data=fields, allow_redirects=False, timeout=TIMEOUT)


def test_approval_prompt_auto_still_shows_the_consent_page(sandbox, user_session, client_registration):
    connect(sandbox, user_session, client_registration)  # an earlier approval, its token still live
    url, _state = oauth_session(client_registration).authorization_url(
        sandbox.authorize_url, approval_prompt="auto"
    )

    page = user_session.get(url, allow_redirects=False, timeout=TIMEOUT)

    assert page.status_code == 200
    assert 'id="authorizationForm"' in page.text


@pytest.mark.parametrize(
    "tampered",
    [
        {"redirect_uri": "https://attacker.example/callback"},
        {"client_id": "no-such-client"},
        {"redirect_uri": "https://attacker.example/callback", "client_id": "no-such-client"},
    ],
)
def test_deny_redirects_to_the_validated_redirect_uri(sandbox, user_session, client_registration, tampered):
    url, state = oauth_session(client_registration).authorization_url(sandbox.authorize_url)
    _page, fields = _consent_page(user_session, url)

    answer = _answer(user_session, url, {**fields, **tampered})

    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    assert (query_param(location, "error"), query_param(location, "state")) == ("access_denied", state)


def test_allow_ignores_a_posted_redirect_uri(sandbox, user_session, client_registration):
    url, _state = oauth_session(client_registration).authorization_url(sandbox.authorize_url)
    _page, fields = _consent_page(user_session, url)

    answer = _answer(
        user_session, url, {**fields, "allow": "Authorize", "redirect_uri": "https://attacker.example/"}
    )

    assert answer.headers["Location"].startswith(REDIRECT_URI + "?")
    assert Grant.objects.get().redirect_uri == REDIRECT_URI


@pytest.mark.parametrize("allow", [True, False])
def test_an_answer_without_a_shown_request_is_refused_without_redirect(
    sandbox, user_session, client_registration, allow
):
    url, _state = oauth_session(client_registration).authorization_url(sandbox.authorize_url)
    _page, fields = _consent_page(user_session, url)
    fields["authorization_request"] = "not-one-this-session-was-shown"
    if allow:
        fields["allow"] = "Authorize"

    answer = _answer(user_session, url, fields)

    assert answer.status_code == 400
    assert "Location" not in answer.headers
    assert views.CONSENT_EXPIRED in answer.text
    assert not Grant.objects.exists()


def test_a_consent_page_is_answered_once(sandbox, user_session, client_registration):
    url, _state = oauth_session(client_registration).authorization_url(sandbox.authorize_url)
    _page, fields = _consent_page(user_session, url)
    _answer(user_session, url, {**fields, "allow": "Authorize"})

    again = _answer(user_session, url, {**fields, "allow": "Authorize"})

    assert again.status_code == 400
    assert Grant.objects.count() == 1


def test_deny_without_a_posted_client_id_is_not_an_error(sandbox, user_session, client_registration):
    url, _state = oauth_session(client_registration).authorization_url(sandbox.authorize_url)

    location = consent(user_session, url, allow=False)

    assert query_param(location, "error") == "access_denied"
