"""The manual path, when the portal's callback is not a registered redirect URI."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from oauthclient import messages
from oauthclient.models import Connection

from .dashboard import POSTMAN_CALLBACK, assert_shows, callback_url, make_credential


def _authorize_url(response) -> str:
    text = response.content.decode()
    start = text.index('<pre id="authorize-url">') + len('<pre id="authorize-url">')
    return text[start : text.index("</pre>", start)].replace("&amp;", "&")


def test_connect_says_when_the_callback_is_not_registered(dev_client, pleo_via_fake):
    credential = make_credential(redirect_uris=[POSTMAN_CALLBACK])
    response = dev_client.post("/dashboard/connect/", {"credential": credential.pk}, follow=True)
    assert response.redirect_chain[-1][0] == f"/dashboard/credentials/{credential.pk}/manual/"
    assert_shows(response, messages.CALLBACK_NOT_REGISTERED.format(callback_url=callback_url()))


def test_manual_authorize_url_uses_the_registered_redirect_uri(dev_client, pleo_via_fake):
    credential = make_credential(redirect_uris=[POSTMAN_CALLBACK])
    response = dev_client.post(
        f"/dashboard/credentials/{credential.pk}/manual/", {"redirect_uri": POSTMAN_CALLBACK}
    )
    query = parse_qs(urlsplit(_authorize_url(response)).query)
    assert query["redirect_uri"] == [POSTMAN_CALLBACK]
    assert query["code_challenge_method"] == ["S256"]


def test_an_unregistered_redirect_uri_is_refused(dev_client, pleo_via_fake):
    credential = make_credential(redirect_uris=[POSTMAN_CALLBACK])
    response = dev_client.post(
        f"/dashboard/credentials/{credential.pk}/manual/", {"redirect_uri": "https://evil.example/cb"}
    )
    assert b'id="authorize-url"' not in response.content


def test_pasting_the_landing_url_completes_the_exchange(dev_client, pleo_via_fake):
    credential = make_credential(redirect_uris=[POSTMAN_CALLBACK])
    response = dev_client.post(
        f"/dashboard/credentials/{credential.pk}/manual/", {"redirect_uri": POSTMAN_CALLBACK}
    )
    state = parse_qs(urlsplit(_authorize_url(response)).query)["state"][0]
    landed = POSTMAN_CALLBACK + "?" + urlencode({"code": "pasted-code", "state": state})
    response = dev_client.post("/dashboard/manual/complete/", {"pasted_url": landed}, follow=True)
    assert_shows(response, messages.CONNECTED)
    (token_request,) = pleo_via_fake.requests_to("/oauth/token")
    assert token_request.form["redirect_uri"] == POSTMAN_CALLBACK
    assert token_request.form["code"] == "pasted-code"
    assert Connection.objects.get().is_connected


def test_pasting_something_else_is_explained(dev_client, pleo_via_fake):
    response = dev_client.post("/dashboard/manual/complete/", {"pasted_url": "hello"}, follow=True)
    assert_shows(response, messages.PASTED_URL_INVALID)
    assert not Connection.objects.exists()


@pytest.mark.parametrize(
    "pasted", ["http://[abc/?code=a&state=b", "not a url at all", "https://x.example/?code=a"]
)
def test_a_malformed_pasted_url_is_a_400_and_saves_nothing(dev_client, credential, pasted):
    response = dev_client.post("/dashboard/manual/complete/", {"pasted_url": pasted})

    assert response.status_code == 400
    assert_shows(response, messages.PASTED_URL_INVALID)
    assert not Connection.objects.exists()
