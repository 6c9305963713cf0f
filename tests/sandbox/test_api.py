"""The sandbox API's demo data: deterministic employees, paginated like Pleo's /v2/employees."""

from __future__ import annotations

import pytest

from sandbox import demo
from sandbox.api import errors as api_errors

from .conftest import TIMEOUT, connect, register_client


@pytest.fixture
def api(sandbox, user_session, client_registration):
    session = connect(sandbox, user_session, client_registration, scope=["users:read"])

    def get(query: str = "") -> dict:
        response = session.get(sandbox.api_url + "/v2/employees" + query, timeout=TIMEOUT)
        response.raise_for_status()
        return response.json()

    return get


def test_employees_first_page(api):
    body = api("?limit=10")

    assert [item["code"] for item in body["data"]] == [f"EMP-{n:04d}" for n in range(1, 11)]
    assert body["pagination"]["total"] == demo.EMPLOYEE_COUNT
    assert body["pagination"]["hasNextPage"] is True
    assert body["pagination"]["hasPreviousPage"] is False


def test_an_empty_page_past_the_last_still_tells_the_total(api):
    body = api(f"?limit=10&offset={demo.EMPLOYEE_COUNT + 5}")

    assert body["data"] == []
    assert body["pagination"]["total"] == demo.EMPLOYEE_COUNT


def test_an_empty_page_before_the_first_still_tells_the_total(api):
    first = api("?limit=1")

    body = api(f"?limit=10&before={first['pagination']['startCursor']}")

    assert body["data"] == []
    assert body["pagination"]["total"] == demo.EMPLOYEE_COUNT


def test_employees_offset_reaches_the_last_page(api):
    body = api(f"?limit=10&offset={demo.EMPLOYEE_COUNT - 2}")

    assert len(body["data"]) == 2
    assert body["pagination"]["hasNextPage"] is False


def test_employees_after_cursor_continues_the_list(api):
    first = api("?limit=5")

    second = api("?limit=5&after=" + first["pagination"]["endCursor"])

    assert second["data"][0]["code"] == "EMP-0006"


def test_employees_belong_to_the_demo_company(api):
    body = api("?limit=1")

    assert body["data"][0]["companyId"] == str(demo.COMPANY_ID)


def test_employees_reject_a_bad_limit(sandbox, user_session, client_registration):
    session = connect(sandbox, user_session, client_registration, scope=["users:read"])

    response = session.get(sandbox.api_url + "/v2/employees?limit=0", timeout=TIMEOUT)

    assert response.status_code == 400


# A search body in the shape the catalog documents (companyId and two flags are required).
ACCOUNT_SEARCH = {
    "companyId": str(demo.COMPANY_ID),
    "archived": False,
    "excludeIfAssignedToCategory": False,
    "excludeIfAssignedToContraAccount": False,
}


@pytest.fixture
def accounts_session(sandbox, user_session):
    client = register_client(scope="users:read accounts:read")
    return connect(sandbox, user_session, client, scope=["accounts:read"])


def test_account_search_takes_a_json_body(sandbox, accounts_session):
    response = accounts_session.post(
        sandbox.api_url + "/v1/chart-of-accounts:search", json=ACCOUNT_SEARCH, timeout=TIMEOUT
    )

    assert response.status_code == 200
    assert response.json()["pagination"]["total"] == len(response.json()["data"])


@pytest.mark.parametrize("body", [b"[1, 2]", b"{not json", b"[" * 100_000])
def test_account_search_refuses_a_body_that_is_not_a_json_object(sandbox, accounts_session, body):
    response = accounts_session.post(
        sandbox.api_url + "/v1/chart-of-accounts:search",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=TIMEOUT,
    )

    assert (response.status_code, response.json()["type"]) == (400, api_errors.INVALID_REQUEST)


def test_account_search_needs_accounts_read(sandbox, user_session, client_registration):
    session = connect(sandbox, user_session, client_registration, scope=["users:read"])
    response = session.post(sandbox.api_url + "/v1/chart-of-accounts:search", json={}, timeout=TIMEOUT)

    assert response.status_code == 403
    assert 'scope="accounts:read"' in response.headers["WWW-Authenticate"]
