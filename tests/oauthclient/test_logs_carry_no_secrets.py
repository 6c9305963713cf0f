"""No log record carries a secret, token, authorization code or code verifier, even at DEBUG.

The whole journey runs against the sandbox on the live server (both ends of every
OAuth exchange are in this process) with the project's logging configuration at
DEBUG for every logger, written to one buffer; then every value is searched for.
"""

from __future__ import annotations

import copy
import io
import logging
import logging.config
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.sessions.backends.db import SessionStore

from oauthclient.models import Connection
from oauthclient.services.authorization import SESSION_KEY

from .live import connection_id, issue_sandbox_credential, log_in, make_live_developer


@pytest.fixture
def debug_log(settings: Any) -> Iterator[io.StringIO]:
    """settings.LOGGING as DJANGO_LOG_LEVEL=DEBUG makes it, its handlers writing into one buffer."""
    config = copy.deepcopy(settings.LOGGING)
    config["root"]["level"] = "DEBUG"
    logging.config.dictConfig(config)
    buffer = io.StringIO()
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(buffer)
    yield buffer
    logging.config.dictConfig(settings.LOGGING)


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_the_whole_journey_at_debug_logs_no_secret(live_server, settings, debug_log):
    settings.PORTAL_BASE_URL = live_server.url
    settings.PORTAL_SANDBOX_ENABLED = True
    developer = make_live_developer()
    credential = issue_sandbox_credential(issued_by=developer)
    browser = log_in(live_server.url, developer.username)
    seen: dict[str, str] = {"client secret": credential.client_secret}

    # Connect: authorize with PKCE, consent, callback (token exchange).
    consent_page = browser.post("/dashboard/connect/", {"credential": credential.pk})
    state = _query(consent_page.url)["state"]
    pending = SessionStore(session_key=browser.session.cookies["sessionid"]).load()[SESSION_KEY]
    seen["code verifier"] = pending[state]["code_verifier"]
    answer = browser.consent(consent_page)
    seen["authorization code"] = _query(answer.headers["Location"])["code"]
    page = browser.get(answer.headers["Location"])
    pk = connection_id(page.url)
    connection = Connection.objects.get(pk=pk)
    seen["access token"], seen["refresh token"] = connection.access_token, connection.refresh_token

    # Test call, refresh, introspection, disconnect (revocation).
    browser.post(f"/dashboard/connections/{pk}/test-call/", {"target": "introspect"})
    browser.post(f"/dashboard/connections/{pk}/refresh/")
    connection.refresh_from_db()
    seen["refreshed access token"] = connection.access_token
    seen["refreshed refresh token"] = connection.refresh_token
    browser.post(f"/dashboard/connections/{pk}/introspect/")
    browser.post(f"/dashboard/connections/{pk}/disconnect/")
    browser.session.close()

    logged = debug_log.getvalue()
    # The libraries that handle these values did log at DEBUG: the search is not vacuous.
    assert "oauthlib" in logged
    assert all(len(value) >= 20 for value in seen.values()), seen.keys()
    assert [name for name, value in seen.items() if value in logged] == []
