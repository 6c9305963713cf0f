"""Fifty concurrent test calls on one expired token against the sandbox (PostgreSQL row locks).

The setup and the thread runner are the 20-worker test's (tests/oauthclient/test_concurrency.py),
run with more workers. Afterwards the portal must hold the one live refresh token.
"""

from __future__ import annotations

import hashlib
import threading

import pytest
from django.db import connection as db_connection
from oauth2_provider.models import get_refresh_token_model

from oauthclient.models import Connection
from oauthclient.services.test_call import test_call_run
from oauthclient.services.tokens import connection_refresh
from tests.oauthclient import test_concurrency
from tests.oauthclient.test_concurrency import expired_sandbox_connection  # noqa: F401  (fixture)

WORKERS = 50
# The sandbox stands in for Pleo: like gunicorn's threaded workers it serves a bounded
# number of requests at a time. Each request holds its own database connection, and the
# 50 workers hold one each while they wait for the row lock.
SANDBOX_THREADS = 8


@pytest.fixture
def bounded_live_server(live_server, monkeypatch):
    httpd = live_server.thread.httpd
    slots = threading.BoundedSemaphore(SANDBOX_THREADS)
    handle = httpd.process_request_thread

    def bounded(request, client_address):
        with slots:
            handle(request, client_address)

    # ThreadingMixIn looks the target up on the instance for every request.
    monkeypatch.setattr(httpd, "process_request_thread", bounded)
    return live_server


@pytest.fixture
def connection_budget(transactional_db):
    """Fail clearly, not with "too many clients", when PostgreSQL cannot take the load."""
    with db_connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        (maximum,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM pg_stat_activity")
        (in_use,) = cursor.fetchone()
    needed = WORKERS + SANDBOX_THREADS + 2  # + this thread + the sandbox's own
    assert int(maximum) - in_use >= needed, f"PostgreSQL has {maximum} - {in_use} free, needs {needed}"


@pytest.fixture
def fifty_concurrent_calls(connection_budget, bounded_live_server, expired_sandbox_connection, monkeypatch):  # noqa: F811
    monkeypatch.setattr(test_concurrency, "WORKERS", WORKERS)
    results, failures = test_concurrency._run_concurrently(expired_sandbox_connection)
    return expired_sandbox_connection, results, failures


def _refresh_tokens(connection: Connection):
    return get_refresh_token_model().objects.filter(application__client_id=connection.credential.client_id)


@pytest.mark.postgres
def test_fifty_concurrent_calls_all_succeed(fifty_concurrent_calls):
    _, results, failures = fifty_concurrent_calls
    assert failures == []
    assert [(call.status_code, call.error_code) for call in results] == [(200, "")] * WORKERS


@pytest.mark.postgres
def test_fifty_concurrent_calls_refresh_exactly_once_at_the_server(fifty_concurrent_calls):
    connection, _, _ = fifty_concurrent_calls
    tokens = _refresh_tokens(connection)
    # The connect flow's refresh token plus exactly one issued by a refresh.
    assert (tokens.count(), tokens.filter(revoked__isnull=True).count()) == (2, 1)
    assert Connection.objects.get(pk=connection.pk).refresh_count == 1


@pytest.mark.postgres
def test_after_fifty_concurrent_calls_the_stored_tokens_still_work(fifty_concurrent_calls):
    connection, _, _ = fifty_concurrent_calls
    stored = Connection.objects.select_related("credential", "user").get(pk=connection.pk)
    # No lost token: the portal holds the one refresh token the server still accepts
    # (the sandbox stores a checksum of each token, not the token).
    live = _refresh_tokens(connection).get(revoked__isnull=True)
    assert hashlib.sha256(stored.refresh_token.encode()).hexdigest() == live.token_checksum

    call = test_call_run(connection=stored, user=stored.user, path="/v1/introspect")
    refreshed = connection_refresh(connection=stored, force=True)

    assert (call.status_code, call.refreshed) == (200, False)
    assert refreshed.refresh_count == 2
