"""Every catalog operation answers on the sandbox in the shape the catalog records, and needs its scope."""

from __future__ import annotations

import uuid

import pytest

from core.pleo_api.shapes import shape_errors
from sandbox.api.actions import LEGACY_INTROSPECTION_KEYS
from sandbox.api.demo_data import demo_company, sandbox_company_create
from tests.factories import make_user

from .catalog_calls import ALL_SCOPES, CATALOG, call
from .conftest import TIMEOUT
from .tokens import bearer_session, make_api_token

READS = [operation for operation in CATALOG.operations if not operation.writes]
WRITES = [operation for operation in CATALOG.operations if operation.writes]
SCOPED = [operation for operation in CATALOG.operations if operation.scope]


def _key(operation):
    return operation.key


@pytest.fixture
def developer(sandbox):
    return make_user()


@pytest.fixture
def full_access(developer):
    """A session with a token of every scope the catalog documents. The token is written where
    the sandbox keeps it: these tests are about the API, the authorization journey has its own."""
    session = bearer_session(make_api_token(user=developer))
    yield session
    session.close()


@pytest.fixture
def scratch_company(developer):
    """A company of the test's own (with demo records) that the token acts for."""
    company, _ = sandbox_company_create(company_id=uuid.uuid4(), name="Scratch ApS")
    company.members.add(developer)
    return company


def assert_documented_answer(operation, response):
    assert response.status_code == operation.status, response.text[:500]
    shape = operation.response_shape()
    if shape is None:
        assert response.content == b""
        return
    body = response.json()
    if operation.key == "introspect.get":
        body = {key: value for key, value in body.items() if key not in LEGACY_INTROSPECTION_KEYS}
    assert shape_errors(body, shape, CATALOG.shapes) == []


@pytest.mark.parametrize("operation", READS, ids=_key)
def test_reads_on_the_demo_company_answer_the_documented_shape(operation, sandbox, full_access):
    response = call(full_access, sandbox.api_url, demo_company(), operation)

    assert_documented_answer(operation, response)


@pytest.mark.parametrize("operation", [op for op in READS if op.body in ("page", "data-list")], ids=_key)
def test_every_list_of_the_demo_company_has_items(operation, sandbox, full_access):
    response = call(full_access, sandbox.api_url, demo_company(), operation)

    assert response.json()["data"]


@pytest.mark.parametrize("operation", WRITES, ids=_key)
def test_writes_on_a_scratch_company_answer_the_documented_shape(
    operation, sandbox, full_access, scratch_company
):
    response = call(full_access, sandbox.api_url, scratch_company, operation)

    assert_documented_answer(operation, response)


@pytest.mark.parametrize("operation", SCOPED, ids=_key)
def test_each_operation_refuses_a_token_without_its_scope(operation, sandbox):
    others = tuple(scope for scope in ALL_SCOPES if scope != operation.scope)
    placeholders = {name: str(uuid.uuid4()) for name in operation.template_parameters}

    with bearer_session(make_api_token(scopes=others)) as session:
        response = session.request(
            operation.method, sandbox.api_url + operation.url_path(**placeholders), json={}, timeout=TIMEOUT
        )

    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"
    assert f'scope="{operation.scope}"' in response.headers["WWW-Authenticate"]
