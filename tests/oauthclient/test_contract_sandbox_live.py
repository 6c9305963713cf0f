"""Every catalog operation sent through the console to the live sandbox: its answer matches
Pleo's documents (the sandbox answers as Pleo documents, and the verdict says so)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from oauth2_provider.models import get_application_model

from core.pleo_api import Operation
from oauthclient.models import Connection, ContractState
from oauthclient.services.test_call import ApiRequest, test_call_send
from sandbox.api.demo_data import demo_company
from sandbox.credentials import credential_issue_sandbox
from tests.factories import make_connection, make_registration
from tests.sandbox.catalog_calls import ALL_SCOPES, CATALOG, body_for, path_values, query_values
from tests.sandbox.tokens import make_api_token


@pytest.fixture
def connection(live: Any, live_developer: Any) -> Connection:
    """A sandbox connection granted every scope of the catalog. Its token is written where the
    sandbox keeps it: these tests are about the answers, connecting has tests of its own."""
    registration = make_registration(scope=" ".join(ALL_SCOPES))
    credential, _secret = credential_issue_sandbox(registration=registration, issued_by=live_developer)
    application = get_application_model().objects.get(client_id=credential.client_id)
    token = make_api_token(user=live_developer, application=application)
    return make_connection(
        user=live_developer, credential=credential, access_token=token, scope=" ".join(ALL_SCOPES)
    )


def _request(operation: Operation) -> ApiRequest:
    company = demo_company()
    path = path_values(company, operation)
    body = body_for(company, operation, path)
    return ApiRequest(
        method=operation.method,
        path=operation.url_path(**path),
        query=tuple(query_values(company, operation).items()),
        body=json.dumps(body) if body is not None else "",
    )


def _send(operation: Operation, connection: Connection, user: Any) -> Any:
    return test_call_send(
        connection=connection, user=user, request=_request(operation), production_confirmed=False
    )


@pytest.mark.parametrize("operation", CATALOG.operations, ids=lambda operation: operation.key)
def test_the_sandbox_answer_of_every_operation_matches_pleos_documents(
    operation: Operation, connection: Connection, live_developer: Any
) -> None:
    call = _send(operation, connection, live_developer)

    assert (call.contract_operation, call.request_deviations) == (operation.key, [])
    assert (call.contract_state, call.contract_deviations) == (ContractState.MATCHES, []), call.excerpt
