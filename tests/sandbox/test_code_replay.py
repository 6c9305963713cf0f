"""An authorization code exchanged twice: refused, and what the first exchange issued is revoked."""

from __future__ import annotations

import requests
from oauth2_provider.models import AccessToken, RefreshToken
from requests.auth import HTTPBasicAuth

from sandbox.models import RedeemedAuthorizationCode

from .conftest import REDIRECT_URI, TIMEOUT, connect, consent, oauth_session, query_param


def _exchange(sandbox, client, code: str, verifier: str) -> requests.Response:
    return requests.post(
        sandbox.token_url,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
        auth=HTTPBasicAuth(client.client_id, client.client_secret),
        timeout=TIMEOUT,
    )


def _code(sandbox, user_session, client) -> tuple[str, str]:
    session = oauth_session(client)
    url, _state = session.authorization_url(sandbox.authorize_url)
    location = consent(user_session, url)
    return str(query_param(location, "code")), str(session._code_verifier)


def test_a_replayed_code_is_invalid_grant(sandbox, user_session, client_registration):
    code, verifier = _code(sandbox, user_session, client_registration)
    _exchange(sandbox, client_registration, code, verifier)

    replay = _exchange(sandbox, client_registration, code, verifier)

    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"


def test_a_replayed_code_revokes_the_tokens_issued_from_it(sandbox, user_session, client_registration):
    code, verifier = _code(sandbox, user_session, client_registration)
    token = _exchange(sandbox, client_registration, code, verifier).json()

    _exchange(sandbox, client_registration, code, verifier)

    api = requests.get(
        sandbox.api_url + "/v1/introspect",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=TIMEOUT,
    )
    assert api.status_code == 401
    assert not AccessToken.objects.exists()
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()


def test_a_replayed_code_revokes_tokens_refreshed_since(sandbox, user_session, client_registration):
    basic = HTTPBasicAuth(client_registration.client_id, client_registration.client_secret)
    code, verifier = _code(sandbox, user_session, client_registration)
    first = _exchange(sandbox, client_registration, code, verifier).json()
    refreshed = requests.post(
        sandbox.token_url,
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        auth=basic,
        timeout=TIMEOUT,
    ).json()

    _exchange(sandbox, client_registration, code, verifier)

    again = requests.post(
        sandbox.token_url,
        data={"grant_type": "refresh_token", "refresh_token": refreshed["refresh_token"]},
        auth=basic,
        timeout=TIMEOUT,
    )
    assert again.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()


def test_a_replayed_code_leaves_other_authorizations_alone(sandbox, user_session, client_registration):
    other = connect(sandbox, user_session, client_registration)
    code, verifier = _code(sandbox, user_session, client_registration)
    _exchange(sandbox, client_registration, code, verifier)

    _exchange(sandbox, client_registration, code, verifier)

    assert other.get(sandbox.api_url + "/v1/introspect", timeout=TIMEOUT).status_code == 200


def test_the_code_itself_is_not_stored(sandbox, user_session, client_registration):
    code, verifier = _code(sandbox, user_session, client_registration)

    _exchange(sandbox, client_registration, code, verifier)

    redeemed = RedeemedAuthorizationCode.objects.get()
    assert code not in redeemed.code_checksum
