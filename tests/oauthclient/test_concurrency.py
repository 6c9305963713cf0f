"""Twenty concurrent test calls on an expired token: one refresh, no failure (PostgreSQL row locks)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import get_refresh_token_model

from oauthclient.models import Connection
from oauthclient.services.test_call import test_call_run
from tests.at_once import at_once

from .live import connection_id, issue_sandbox_credential, log_in, make_live_developer

WORKERS = 20


@pytest.fixture
def expired_sandbox_connection(live_server, settings):
    settings.PORTAL_BASE_URL = live_server.url
    settings.PORTAL_SANDBOX_ENABLED = True
    developer = make_live_developer()
    credential = issue_sandbox_credential(issued_by=developer)
    browser = log_in(live_server.url, developer.username)
    page = browser.connect(credential)
    browser.session.close()
    pk = connection_id(page.url)
    # Expired as far as the portal knows: the next call must refresh first.
    Connection.objects.filter(pk=pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    return Connection.objects.get(pk=pk)


def _run_concurrently(connection: Connection) -> tuple[list, list]:
    def own_copy() -> Connection:
        return Connection.objects.select_related("credential", "user").get(pk=connection.pk)

    def call(mine: Connection) -> object:
        return test_call_run(connection=mine, user=mine.user, path="/v1/introspect")

    return at_once(WORKERS, call, prepare=own_copy)


@pytest.mark.postgres
def test_twenty_concurrent_calls_on_an_expired_token_refresh_exactly_once(expired_sandbox_connection):
    connection = expired_sandbox_connection
    refresh_tokens = get_refresh_token_model().objects.filter(
        application__client_id=connection.credential.client_id
    )
    assert refresh_tokens.count() == 1

    results, failures = _run_concurrently(connection)

    assert failures == []
    assert [call.status_code for call in results] == [200] * WORKERS
    assert [call.error_code for call in results] == [""] * WORKERS
    # One refresh at the server: one new refresh token, the first one rotated out.
    assert refresh_tokens.count() == 2
    assert refresh_tokens.filter(revoked__isnull=True).count() == 1
    assert Connection.objects.get(pk=connection.pk).refresh_count == 1
