"""The database fails during a test call: the developer gets a 503 page with a plain message,
and nothing is left half-written.

The failure is injected with an execute wrapper that raises what the database driver
raises when the server goes away, before the statement reaches the database. The tests
use transactional_db: the portal runs in autocommit, as in production, instead of
inside one test transaction that the first error would poison.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import InterfaceError, OperationalError
from django.db import connection as db_connection

from oauthclient import messages
from oauthclient.models import Connection, TestCall
from tests.oauthclient.dashboard import assert_shows

pytestmark = pytest.mark.usefixtures("transactional_db")

INSERT_TEST_CALL = 'INSERT INTO "oauthclient_testcall"'
ROW_LOCK = "FOR UPDATE"


@contextmanager
def database_fails(statement: str, error: type[Exception] = OperationalError) -> Iterator[list[str]]:
    """Every statement containing `statement` fails as if the server had gone away; yields the
    statements refused, so a test can tell that the failure point was reached."""
    refused: list[str] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if statement in sql:
            refused.append(sql)
            raise error("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with db_connection.execute_wrapper(wrapper):
        yield refused


def _test_call(dev_client: Any, connection: Connection) -> Any:
    return dev_client.post(f"/dashboard/connections/{connection.pk}/test-call/", {"target": "introspect"})


def _tokens(pk: int) -> tuple[str, str, Any, int]:
    stored = Connection.objects.get(pk=pk)
    return stored.access_token, stored.refresh_token, stored.expires_at, stored.refresh_count


def _assert_unavailable_page(response: Any) -> None:
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert_shows(response, messages.DATABASE_UNAVAILABLE)


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_saving_the_test_call_fails_gives_a_503_and_keeps_nothing(
    dev_client, connected, pleo_via_fake, error
):
    before = _tokens(connected.pk)

    with database_fails(INSERT_TEST_CALL, error) as refused:
        response = _test_call(dev_client, connected)

    assert refused
    _assert_unavailable_page(response)
    assert not TestCall.objects.exists()
    assert _tokens(connected.pk) == before


def test_saving_the_test_call_fails_after_a_refresh_keeps_the_new_tokens(dev_client, expired, pleo_via_fake):
    # The refresh committed on its own before the call: the server has rotated the refresh
    # token, so the stored pair must be the new one (the old one is spent for good).
    with database_fails(INSERT_TEST_CALL) as refused:
        response = _test_call(dev_client, expired)

    assert refused
    _assert_unavailable_page(response)
    assert not TestCall.objects.exists()
    access_token, refresh_token, _, refresh_count = _tokens(expired.pk)
    assert len(pleo_via_fake.requests_to("/oauth/token")) == 1
    assert (access_token, refresh_token, refresh_count) == (
        f"fake-access-1-{'a' * 24}",
        f"fake-refresh-1-{'r' * 24}",
        1,
    )


def test_the_next_test_call_works_once_the_database_is_back(dev_client, connected, pleo_via_fake):
    with database_fails(INSERT_TEST_CALL):
        _test_call(dev_client, connected)

    response = _test_call(dev_client, connected)

    assert response.status_code == 302
    assert TestCall.objects.get().status_code == 200


@pytest.mark.postgres
def test_the_row_lock_fails_gives_a_503_and_spends_no_refresh_token(dev_client, expired, pleo_via_fake):
    # Only PostgreSQL has the row lock (SQLite serialises with a process lock instead).
    before = _tokens(expired.pk)

    with database_fails(ROW_LOCK) as refused:
        response = _test_call(dev_client, expired)

    assert refused
    _assert_unavailable_page(response)
    assert pleo_via_fake.requests_to("/oauth/token") == []
    assert not TestCall.objects.exists()
    assert _tokens(expired.pk) == before
