"""Every failure of the connect flow, produced by a real server on 127.0.0.1: the user reads
a plain message with the error code, and nothing is stored."""

from __future__ import annotations

from oauthclient import errors, messages
from oauthclient.models import Connection

from .conftest import Reply, assert_shows, callback, start_connect

STAGING = "Pleo staging"


def _connect_with_token_reply(dev_client, credential, fake_server, reply):
    fake_server.script("/oauth/token", reply)
    params = start_connect(dev_client, credential)
    return callback(dev_client, code="c", state=params["state"])


def test_access_denied_on_the_callback(dev_client, credential, pleo_via_fake):
    params = start_connect(dev_client, credential)
    response = callback(
        dev_client, error="access_denied", error_description="The user said no", state=params["state"]
    )
    assert_shows(response, messages.ACCESS_DENIED.format(code="access_denied"))
    assert pleo_via_fake.requests_to("/oauth/token") == []
    assert not Connection.objects.exists()


def test_other_error_on_the_callback_shows_code_and_description(dev_client, credential):
    params = start_connect(dev_client, credential)
    response = callback(
        dev_client, error="invalid_scope", error_description="Unknown scope", state=params["state"]
    )
    assert_shows(
        response, messages.SERVER_OAUTH_ERROR.format(code="invalid_scope", description="Unknown scope")
    )
    assert not Connection.objects.exists()


def test_invalid_grant(dev_client, credential, pleo_via_fake):
    reply = Reply(400, {"error": "invalid_grant", "error_description": "Code expired"})
    response = _connect_with_token_reply(dev_client, credential, pleo_via_fake, reply)
    assert_shows(response, messages.INVALID_GRANT.format(code="invalid_grant", description="Code expired"))
    assert not Connection.objects.exists()


def test_invalid_client(dev_client, credential, pleo_via_fake):
    reply = Reply(401, {"error": "invalid_client", "error_description": "Bad secret"})
    response = _connect_with_token_reply(dev_client, credential, pleo_via_fake, reply)
    assert_shows(response, messages.INVALID_CLIENT.format(code="invalid_client", description="Bad secret"))
    assert not Connection.objects.exists()


def test_wrong_state(dev_client, credential, pleo_via_fake):
    start_connect(dev_client, credential)
    response = callback(dev_client, code="c", state="not-the-state")
    assert_shows(response, messages.STATE_INVALID)
    assert pleo_via_fake.requests_to("/oauth/token") == []
    assert not Connection.objects.exists()


def test_missing_state(dev_client, credential):
    start_connect(dev_client, credential)
    response = callback(dev_client, code="c")
    assert_shows(response, messages.STATE_INVALID)
    assert not Connection.objects.exists()


def test_missing_code(dev_client, credential):
    params = start_connect(dev_client, credential)
    response = callback(dev_client, state=params["state"])
    assert_shows(response, messages.CODE_MISSING)
    assert not Connection.objects.exists()


def test_timeout(dev_client, credential, pleo_via_fake, settings):
    settings.PORTAL_HTTP_TIMEOUT = 0.3
    response = _connect_with_token_reply(dev_client, credential, pleo_via_fake, Reply(delay=1.5))
    assert_shows(response, messages.TIMEOUT.format(server=STAGING, timeout=0.3, code=errors.CODE_TIMEOUT))
    assert not Connection.objects.exists()


def test_connection_refused(dev_client, credential, settings, closed_port):
    settings.PLEO_STAGING_AUTH_URL = f"http://127.0.0.1:{closed_port}"
    params = start_connect(dev_client, credential)
    response = callback(dev_client, code="c", state=params["state"])
    assert_shows(
        response,
        messages.CONNECTION_REFUSED.format(
            server=STAGING, host=f"127.0.0.1:{closed_port}", code=errors.CODE_CONNECTION_REFUSED
        ),
    )
    assert not Connection.objects.exists()


def test_server_error_500(dev_client, credential, pleo_via_fake):
    reply = Reply(500, b"<html>Internal Server Error</html>", content_type="text/html")
    response = _connect_with_token_reply(dev_client, credential, pleo_via_fake, reply)
    assert_shows(
        response, messages.SERVER_ERROR.format(server=STAGING, status=500, code=errors.CODE_SERVER_ERROR)
    )
    assert not Connection.objects.exists()


def test_server_error_503_with_an_oauth_error_code_shows_that_code(dev_client, credential, pleo_via_fake):
    reply = Reply(503, {"error": "temporarily_unavailable"})
    response = _connect_with_token_reply(dev_client, credential, pleo_via_fake, reply)
    assert_shows(
        response, messages.SERVER_ERROR.format(server=STAGING, status=503, code="temporarily_unavailable")
    )
    assert not Connection.objects.exists()


def test_non_json_body(dev_client, credential, pleo_via_fake):
    reply = Reply(200, b"<html>Welcome to nginx</html>", content_type="text/html")
    response = _connect_with_token_reply(dev_client, credential, pleo_via_fake, reply)
    assert_shows(response, messages.NOT_JSON.format(server=STAGING, status=200, code=errors.CODE_NOT_JSON))
    assert not Connection.objects.exists()


def test_non_json_error_body(dev_client, credential, pleo_via_fake):
    reply = Reply(400, b"Bad Request", content_type="text/plain")
    response = _connect_with_token_reply(dev_client, credential, pleo_via_fake, reply)
    assert_shows(response, messages.NOT_JSON.format(server=STAGING, status=400, code=errors.CODE_NOT_JSON))
    assert not Connection.objects.exists()


def test_tls_error(dev_client, credential, pleo_via_fake, settings):
    # https to a port that speaks plain http: the TLS handshake fails.
    settings.PLEO_STAGING_AUTH_URL = f"https://127.0.0.1:{pleo_via_fake.port}"
    params = start_connect(dev_client, credential)
    response = callback(dev_client, code="c", state=params["state"])
    assert_shows(
        response,
        messages.TLS_ERROR.format(
            server=STAGING, host=f"127.0.0.1:{pleo_via_fake.port}", code=errors.CODE_TLS
        ),
    )
    assert not Connection.objects.exists()


def test_token_answer_without_access_token(dev_client, credential, pleo_via_fake):
    reply = Reply(200, {"token_type": "Bearer", "expires_in": 60})
    response = _connect_with_token_reply(dev_client, credential, pleo_via_fake, reply)
    assert_shows(
        response,
        messages.TOKEN_RESPONSE_INVALID.format(
            server=STAGING, code=errors.CODE_INVALID_TOKEN_RESPONSE, description="no access_token"
        ),
    )
    assert not Connection.objects.exists()


def test_a_failed_reconnect_keeps_the_previous_tokens(dev_client, credential, pleo_via_fake):
    params = start_connect(dev_client, credential)
    callback(dev_client, code="c", state=params["state"])
    before = Connection.objects.get().access_token
    _connect_with_token_reply(dev_client, credential, pleo_via_fake, Reply(400, {"error": "invalid_grant"}))
    assert Connection.objects.get().access_token == before
