"""The sandbox API's demo data: deterministic employees, paginated like Pleo's /v2/employees."""

from __future__ import annotations

import pytest

from sandbox import demo

from .conftest import TIMEOUT, connect


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
