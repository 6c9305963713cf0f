"""Each misuse fails with the OAuth error Pleo's server would give."""

from __future__ import annotations

import pytest
import requests
from oauth2_provider.models import AccessToken, RefreshToken
from oauthlib.oauth2.rfc6749.errors import InvalidClientError, InvalidGrantError
from requests.auth import HTTPBasicAuth

from .conftest import REDIRECT_URI, TIMEOUT, connect, consent, oauth_session, query_param

# oauthlib's description for a transform it does not know (here: anything but S256).
PLAIN_REFUSED = "Transform algorithm not supported."


def _authorize_redirect(user_session: requests.Session, url: str) -> requests.Response:
    return user_session.get(url, allow_redirects=False, timeout=TIMEOUT)


def test_missing_pkce_challenge_is_invalid_request(sandbox, user_session, client_registration):
    url, _state = oauth_session(client_registration, pkce=None).authorization_url(sandbox.authorize_url)

    response = _authorize_redirect(user_session, url)

    assert response.status_code == 302
    assert response.headers["Location"].startswith(REDIRECT_URI)
    assert query_param(response.headers["Location"], "error") == "invalid_request"
    assert query_param(response.headers["Location"], "error_description") == "Code challenge required."


def test_plain_pkce_challenge_is_invalid_request(sandbox, user_session, client_registration):
    # requests-oauthlib only builds S256 challenges: send a plain one by hand.
    url, _state = oauth_session(client_registration, pkce=None).authorization_url(
        sandbox.authorize_url, code_challenge="x" * 43, code_challenge_method="plain"
    )

    response = _authorize_redirect(user_session, url)

    assert query_param(response.headers["Location"], "error") == "invalid_request"
    assert query_param(response.headers["Location"], "error_description") == PLAIN_REFUSED


def test_challenge_without_method_means_plain_and_is_refused(sandbox, user_session, client_registration):
    url, _state = oauth_session(client_registration, pkce=None).authorization_url(
        sandbox.authorize_url, code_challenge="x" * 43
    )

    response = _authorize_redirect(user_session, url)

    assert query_param(response.headers["Location"], "error") == "invalid_request"


def test_unregistered_redirect_uri_is_refused_without_redirect(sandbox, user_session, client_registration):
    session = oauth_session(client_registration)
    session.redirect_uri = "https://attacker.example/callback"
    url, _state = session.authorization_url(sandbox.authorize_url)

    response = _authorize_redirect(user_session, url)

    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "invalid_request" in response.text


def test_redirect_uri_must_match_exactly(sandbox, user_session, client_registration):
    session = oauth_session(client_registration)
    session.redirect_uri = REDIRECT_URI + "/"
    url, _state = session.authorization_url(sandbox.authorize_url)

    response = _authorize_redirect(user_session, url)

    assert response.status_code == 400
    assert "Location" not in response.headers


def test_wrong_client_secret_is_invalid_client(sandbox, user_session, client_registration):
    session = oauth_session(client_registration)
    url, _state = session.authorization_url(sandbox.authorize_url)
    location = consent(user_session, url)

    with pytest.raises(InvalidClientError):
        session.fetch_token(
            sandbox.token_url,
            authorization_response=location,
            client_secret="not-the-secret",
            timeout=TIMEOUT,
        )


def test_wrong_code_verifier_is_invalid_grant(sandbox, user_session, client_registration):
    session = oauth_session(client_registration)
    url, _state = session.authorization_url(sandbox.authorize_url)
    location = consent(user_session, url)
    session._code_verifier = "a-different-verifier-" + "x" * 40

    with pytest.raises(InvalidGrantError):
        session.fetch_token(
            sandbox.token_url,
            authorization_response=location,
            client_secret=client_registration.client_secret,
            timeout=TIMEOUT,
        )


def test_missing_scope_is_insufficient_scope(sandbox, user_session, client_registration):
    session = connect(sandbox, user_session, client_registration, scope=["users:write"])

    response = session.get(sandbox.api_url + "/v2/employees", timeout=TIMEOUT)

    assert response.status_code == 403
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="users:read"' in challenge


def test_api_without_token_is_401_with_bare_challenge(sandbox):
    response = requests.get(sandbox.api_url + "/v1/introspect", timeout=TIMEOUT)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="sandbox"'


def test_api_with_unknown_token_is_invalid_token(sandbox):
    response = requests.get(
        sandbox.api_url + "/v1/introspect", headers={"Authorization": "Bearer nonsense"}, timeout=TIMEOUT
    )

    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_reused_refresh_token_is_invalid_grant(sandbox, user_session, client_registration):
    basic = HTTPBasicAuth(client_registration.client_id, client_registration.client_secret)
    session = connect(sandbox, user_session, client_registration)
    spent = session.token["refresh_token"]
    session.refresh_token(sandbox.token_url, auth=basic, timeout=TIMEOUT)

    replay = requests.post(
        sandbox.token_url,
        data={"grant_type": "refresh_token", "refresh_token": spent},
        auth=basic,
        timeout=TIMEOUT,
    )

    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"


def test_reused_refresh_token_revokes_the_authorizations_tokens(sandbox, user_session, client_registration):
    basic = HTTPBasicAuth(client_registration.client_id, client_registration.client_secret)
    session = connect(sandbox, user_session, client_registration)
    spent = session.token["refresh_token"]
    session.refresh_token(sandbox.token_url, auth=basic, timeout=TIMEOUT)
    current = dict(session.token)
    requests.post(
        sandbox.token_url,
        data={"grant_type": "refresh_token", "refresh_token": spent},
        auth=basic,
        timeout=TIMEOUT,
    )

    api = session.get(sandbox.api_url + "/v1/introspect", timeout=TIMEOUT)
    refresh = requests.post(
        sandbox.token_url,
        data={"grant_type": "refresh_token", "refresh_token": current["refresh_token"]},
        auth=basic,
        timeout=TIMEOUT,
    )

    assert api.status_code == 401
    assert refresh.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()


def test_reuse_leaves_other_authorizations_alone(sandbox, user_session, client_registration):
    basic = HTTPBasicAuth(client_registration.client_id, client_registration.client_secret)
    other = connect(sandbox, user_session, client_registration)
    session = connect(sandbox, user_session, client_registration)
    spent = session.token["refresh_token"]
    session.refresh_token(sandbox.token_url, auth=basic, timeout=TIMEOUT)
    requests.post(
        sandbox.token_url,
        data={"grant_type": "refresh_token", "refresh_token": spent},
        auth=basic,
        timeout=TIMEOUT,
    )

    response = other.get(sandbox.api_url + "/v1/introspect", timeout=TIMEOUT)

    assert response.status_code == 200


def test_introspection_needs_client_authentication(sandbox):
    response = requests.post(sandbox.introspect_url, data={"token": "whatever"}, timeout=TIMEOUT)

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_introspection_of_another_clients_token_is_inactive(sandbox, user_session, client_registration):
    from .conftest import register_client

    session = connect(sandbox, user_session, client_registration)
    stranger = register_client()

    body = requests.post(
        sandbox.introspect_url,
        data={"token": session.token["access_token"]},
        auth=(stranger.client_id, stranger.client_secret),
        timeout=TIMEOUT,
    ).json()

    assert body == {"active": False}


def test_scope_outside_the_registration_is_invalid_scope(sandbox, user_session, client_registration):
    url, _state = oauth_session(client_registration, scope=["accounts:read"]).authorization_url(
        sandbox.authorize_url
    )

    response = _authorize_redirect(user_session, url)

    assert query_param(response.headers["Location"], "error") == "invalid_scope"
