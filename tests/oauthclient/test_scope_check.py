"""The scope check: which operation proves each scope, and how it runs against a Pleo server
(the scripted fake on 127.0.0.1), where write scopes are never exercised."""

from __future__ import annotations

from typing import Any

import pytest

from core.pleo_api import catalog
from oauthclient import messages
from oauthclient.errors import OAuthClientError
from oauthclient.models import ConnectionStatus, ScopeCheck, TestCall
from oauthclient.services.scope_check import ScopeOutcome, connection_check_scopes, scope_probe

from .fake_server import Reply

CATALOG = catalog()

# For each documented scope: the operation that proves it, the delete that undoes it, and
# whether the create is sent an empty body to be refused (no delete exists for its records).
PROBES = {
    "users:read": ("employees.list", None, False),
    "users:write": (None, None, False),
    "accounts:read": ("accounts.v4.search", None, False),
    "accounts:write": ("accounts.v4.create", "accounts.v4.delete", False),
    "export-jobs:read": ("export-jobs.list", None, False),
    "export-jobs:write": ("export-jobs.create", None, True),
    "export-items:read": ("export-items.list", None, False),
    "vendors:read": ("vendors.search", None, False),
    "vendors:write": ("vendors.create", None, True),
}


def test_every_documented_scope_has_a_decided_probe() -> None:
    assert set(PROBES) == set(CATALOG.scope_names)


@pytest.mark.parametrize("scope", CATALOG.scope_names)
def test_each_scope_is_proved_by_its_least_invasive_operation(scope: str) -> None:
    probe = scope_probe(scope)
    chosen = (
        probe.operation.key if probe.operation else None,
        probe.undo.key if probe.undo else None,
        probe.refused_body,
    )
    assert chosen == PROBES[scope]


@pytest.mark.parametrize("scope", [scope for scope in CATALOG.scope_names if PROBES[scope][0]])
def test_a_probe_uses_an_operation_of_its_scope_without_path_parameters(scope: str) -> None:
    operation = scope_probe(scope).operation
    assert operation is not None
    assert (operation.scope, operation.path_parameters) == (scope, ())


def test_a_read_scope_prefers_a_get_list_to_a_search() -> None:
    reads = {op.kind for op in CATALOG.operations if op.scope == "export-jobs:read"}
    assert "list" in reads
    assert scope_probe("export-jobs:read").operation.method == "GET"  # type: ignore[union-attr]


def test_an_undocumented_scope_has_no_probe() -> None:
    assert scope_probe("expenses:read").operation is None


def _rows(check: ScopeCheck) -> dict[str, dict[str, Any]]:
    return {row["scope"]: row for row in check.results}


@pytest.fixture
def granted(connected: Any) -> Any:
    connected.scope = "users:read accounts:write users:write"
    connected.save()
    return connected


def test_a_read_scope_on_pleo_asks_for_the_smallest_page(
    granted: Any, developer: Any, pleo_via_fake: Any
) -> None:
    row = _rows(connection_check_scopes(connection=granted, user=developer))["users:read"]
    assert (row["outcome"], row["status"]) == (ScopeOutcome.PASS, "200")
    (seen,) = pleo_via_fake.requests_to("/api/v2/employees")
    assert seen.query == {"limit": "1"}


def test_a_write_scope_on_pleo_is_granted_not_exercised(
    granted: Any, developer: Any, pleo_via_fake: Any
) -> None:
    row = _rows(connection_check_scopes(connection=granted, user=developer))["accounts:write"]
    assert (row["outcome"], row["reason"], row["calls"]) == (
        ScopeOutcome.NOT_EXERCISED,
        messages.SCOPE_NOT_EXERCISED,
        [],
    )
    assert not [seen for seen in pleo_via_fake.seen if "accounts" in seen.path]


def test_a_scope_no_operation_documents_is_listed_as_such(granted: Any, developer: Any) -> None:
    row = _rows(connection_check_scopes(connection=granted, user=developer))["users:write"]
    assert (row["outcome"], row["reason"]) == (ScopeOutcome.NO_OPERATION, messages.SCOPE_NO_OPERATION)


def test_a_refused_read_fails_with_the_server_s_reason(
    granted: Any, developer: Any, pleo_via_fake: Any
) -> None:
    refusal = {"error": "insufficient_scope", "error_description": "users:read is missing."}
    pleo_via_fake.script("/api/v2/employees", Reply(403, refusal))
    row = _rows(connection_check_scopes(connection=granted, user=developer))["users:read"]
    assert (row["outcome"], row["reason"]) == (
        ScopeOutcome.FAIL,
        messages.SCOPE_CALL_FAILED.format(status=403, reason="users:read is missing."),
    )


def test_a_search_learns_the_company_from_the_introspection_subject(
    connected: Any, developer: Any, pleo_via_fake: Any
) -> None:
    connected.scope = "accounts:read"
    connected.save()
    subject = {
        "data": {"clientId": "c", "authMethod": "OAUTH2", "scope": "", "subjectURN": "urn:pleo:company:c-9"}
    }
    pleo_via_fake.script("/api/v1/introspect", Reply(200, subject))
    pleo_via_fake.script("/api/v1-beta/accounts:search", Reply(200, {"data": [], "pagination": {}}))

    check = connection_check_scopes(connection=connected, user=developer)
    (seen,) = pleo_via_fake.requests_to("/api/v1-beta/accounts:search")
    assert (check.company_id, seen.query, b'"companyId": "c-9"' in seen.body) == ("c-9", {"limit": "1"}, True)
    assert _rows(check)["accounts:read"]["outcome"] == ScopeOutcome.PASS


def test_a_search_fails_when_the_company_is_unknown(
    connected: Any, developer: Any, pleo_via_fake: Any
) -> None:
    connected.scope = "accounts:read"
    connected.save()
    row = _rows(connection_check_scopes(connection=connected, user=developer))["accounts:read"]
    assert row["outcome"] == ScopeOutcome.FAIL
    assert row["reason"].startswith(messages.SCOPE_COMPANY_UNKNOWN.split("(")[0])
    assert not pleo_via_fake.requests_to("/api/v1-beta/accounts:search")


def test_the_check_s_calls_are_marked_as_the_scope_check_s(granted: Any, developer: Any) -> None:
    connection_check_scopes(connection=granted, user=developer)
    assert list(TestCall.objects.values_list("scope_check", flat=True)) == [True]


def test_a_disconnected_connection_is_not_checked(granted: Any, developer: Any) -> None:
    granted.status = ConnectionStatus.DISCONNECTED
    granted.save()
    with pytest.raises(OAuthClientError):
        connection_check_scopes(connection=granted, user=developer)
    assert not ScopeCheck.objects.exists()


def test_the_page_shows_the_check(dev_client: Any, granted: Any) -> None:
    response = dev_client.post(f"/dashboard/connections/{granted.pk}/scope-check/", follow=True)
    text = response.content.decode()
    assert 'data-scope="accounts:write" data-outcome="not_exercised"' in text
    assert messages.SCOPE_CHECK_DONE.format(passed=1, exercised=1) in text
