"""The scope check against the live sandbox, with a real token obtained through the flow."""

from __future__ import annotations

from typing import Any

import pytest

from core.pleo_api import catalog
from core.pleo_api.shapes import sample
from oauthclient import messages
from oauthclient.models import Connection, Exchange, ExchangeKind, ScopeCheck, TestCall
from oauthclient.services.scope_check import ScopeOutcome, connection_check_scopes, scope_probe
from sandbox import demo
from sandbox.credentials import credential_issue_sandbox
from sandbox.models import SandboxRecord
from tests.factories import make_registration

from .live import connection_id, log_in

SCOPES = "users:read accounts:read accounts:write export-jobs:write"


@pytest.fixture
def connection(live: Any, live_developer: Any) -> Connection:
    """Connected to the sandbox through the dashboard, granted SCOPES."""
    registration = make_registration(scope=SCOPES)
    credential, _secret = credential_issue_sandbox(registration=registration, issued_by=live_developer)
    browser = log_in(live.url, live_developer.username)
    page = browser.connect(credential)
    browser.session.close()
    return Connection.objects.get(pk=connection_id(page.url))


def _rows(check: ScopeCheck) -> dict[str, dict[str, Any]]:
    return {row["scope"]: row for row in check.results}


def _scratch_name(scope: str) -> str:
    """The name the check gives the scratch record it creates for a write scope."""
    probe = scope_probe(scope)
    assert probe.operation is not None
    assert probe.operation.body_shape is not None
    body = sample(probe.operation.body_shape, catalog().shapes, seed="scope check", optional=False)
    return str(body["name"])


def test_a_read_scope_passes_with_the_smallest_page(connection: Connection, live_developer: Any) -> None:
    row = _rows(connection_check_scopes(connection=connection, user=live_developer))["users:read"]
    assert (row["outcome"], row["status"]) == (ScopeOutcome.PASS, "200")
    call = TestCall.objects.get(pk=row["last_call"])
    assert call.url.endswith("/sandbox/api/v2/employees?limit=1")
    assert call.scope_check


def test_a_search_scope_names_the_token_s_company(connection: Connection, live_developer: Any) -> None:
    check = connection_check_scopes(connection=connection, user=live_developer)
    assert check.company_id == str(demo.COMPANY_ID)
    row = _rows(check)["accounts:read"]
    assert row["outcome"] == ScopeOutcome.PASS, row
    assert str(demo.COMPANY_ID) in TestCall.objects.get(pk=row["last_call"]).body


def test_a_write_scope_creates_and_deletes_a_scratch_record(
    connection: Connection, live_developer: Any
) -> None:
    row = _rows(connection_check_scopes(connection=connection, user=live_developer))["accounts:write"]
    assert row["outcome"] == ScopeOutcome.PASS, row
    create, delete = TestCall.objects.filter(pk__in=row["calls"]).order_by("pk")
    assert (create.method, create.ok, delete.method, delete.ok) == ("POST", True, "DELETE", True)
    left = SandboxRecord.objects.filter(resource="account", document__name=_scratch_name("accounts:write"))
    assert not left.exists()


def test_a_write_scope_without_a_delete_is_proved_by_a_refused_body(
    connection: Connection, live_developer: Any
) -> None:
    connection_check_scopes(connection=connection, user=live_developer)  # the company's demo data is made
    jobs_before = SandboxRecord.objects.filter(resource="export-job").count()
    row = _rows(connection_check_scopes(connection=connection, user=live_developer))["export-jobs:write"]
    assert (row["outcome"], row["status"], row["reason"]) == (
        ScopeOutcome.PASS,
        "400",
        messages.SCOPE_REFUSAL_PASSED,
    )
    assert SandboxRecord.objects.filter(resource="export-job").count() == jobs_before


def test_a_scope_the_token_lacks_fails_with_the_server_s_reason(
    connection: Connection, live_developer: Any
) -> None:
    # The server took vendors:read away (or never granted it) while the portal believes it granted.
    connection.scope += " vendors:read"
    connection.save()
    row = _rows(connection_check_scopes(connection=connection, user=live_developer))["vendors:read"]
    assert row["outcome"] == ScopeOutcome.FAIL
    assert row["reason"] == messages.SCOPE_CALL_FAILED.format(
        status=403, reason="The access token lacks the vendors:read scope."
    )


def test_every_call_of_the_check_is_recorded_with_its_exchange(
    connection: Connection, live_developer: Any
) -> None:
    check = connection_check_scopes(connection=connection, user=live_developer)
    calls = {pk for row in check.results for pk in row["calls"]}
    assert calls
    recorded = set(Exchange.objects.filter(kind=ExchangeKind.TEST_CALL).values_list("test_call", flat=True))
    assert calls <= recorded


def test_the_page_shows_the_last_check_until_the_next(
    live: Any, connection: Connection, live_developer: Any
) -> None:
    browser = log_in(live.url, live_developer.username)
    answer = browser.post(f"/dashboard/connections/{connection.pk}/scope-check/")
    assert 'id="scope-check-results"' in answer.text
    assert messages.SCOPE_CHECK_DONE.format(passed=4, exercised=4) in answer.text
    browser.post(f"/dashboard/connections/{connection.pk}/scope-check/")
    browser.session.close()
    assert ScopeCheck.objects.filter(connection=connection).count() == 1
