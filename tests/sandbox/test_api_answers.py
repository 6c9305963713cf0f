"""What the sandbox API answers where Schemathesis found it wrong: each case a regression test.

Requests go through Django's test client (no HTTP), with a token holding every scope.
"""

from __future__ import annotations

import json

import pytest

from core.text import TEXT_HOLDS_NUL, TEXT_HOLDS_SURROGATE
from sandbox import demo
from sandbox.api import calls, documented, errors, views
from sandbox.api.demo_data import company_records
from sandbox.models import SandboxCompany, SandboxRecord

API = "/sandbox/api"


def demo_id(resource: str) -> str:
    company = SandboxCompany(pk=demo.COMPANY_ID, name=demo.COMPANY_NAME)
    return next(record.record_id for record in company_records(company) if record.resource == resource)


def vendor_body(**changes):
    return {"companyId": str(demo.COMPANY_ID), "name": "Nordic Paper ApS", "defaultCurrency": "DKK"} | changes


# An empty query value filters nothing --------------------------------------------------


def test_an_empty_filter_value_lists_every_record(api_client):
    response = api_client.get(f"{API}/v2/employees?code=")

    assert response.json()["pagination"]["total"] == demo.EMPLOYEE_COUNT


def test_an_empty_company_value_on_an_aggregation_is_no_filter(api_client):
    response = api_client.get(f"{API}/v0/aggregations/tag-groups?organization_id=")

    assert response.status_code == 200


# Methods ------------------------------------------------------------------------------


def test_an_undeclared_method_is_405_naming_the_paths_methods(api_client):
    response = api_client.put(f"{API}/v2/employees/{demo_id('employee')}")

    assert (response.status_code, response["Allow"]) == (405, "GET")


def test_a_literal_path_is_not_taken_for_an_id(api_client):
    response = api_client.put(f"{API}/v1/chart-of-accounts/batch", {}, content_type="application/json")

    assert (response.status_code, response["Allow"]) == (405, "POST")


def test_a_method_no_operation_has_is_405_with_the_paths_methods(api_client):
    response = api_client.patch(f"{API}/v3/export-jobs")

    assert (response.status_code, response["Allow"]) == (405, "GET, POST")


def test_a_405_is_pleos_error_body(api_client):
    response = api_client.generic("TRACE", f"{API}/v1/introspect")

    assert response.json()["type"] == errors.METHOD_NOT_ALLOWED


# Media types ----------------------------------------------------------------------------


def test_a_path_with_a_newline_is_a_json_404(api_client):
    response = api_client.delete(f"{API}/v0/tag-groups/a%0Ab/dimensions/c")

    assert (response.status_code, response["Content-Type"]) == (404, "application/json")


def test_an_answer_without_content_says_json(api_client):
    response = api_client.delete(f"{API}/v0/tax-codes/{demo_id('tax-code')}")

    assert (response.status_code, response["Content-Type"]) == (204, "application/json")


# Every error is Pleo's error body ------------------------------------------------------


def test_a_missing_token_is_pleos_error_body(client, db):
    response = client.get(f"{API}/v1/introspect")

    assert response.json() == {"type": errors.UNAUTHORIZED, "message": views.TOKEN_MISSING}


def test_an_unknown_token_is_pleos_error_body_with_rfc_6750s_code(client, db):
    response = client.get(f"{API}/v1/introspect", HTTP_AUTHORIZATION="Bearer not-a-token")

    assert response.json() == {
        "type": "invalid_token",
        "message": views.TOKEN_INVALID,
        "error": "invalid_token",
        "error_description": views.TOKEN_INVALID,
    }


def test_a_broken_multipart_body_is_a_json_400(api_client):
    response = api_client.generic("POST", f"{API}/v1/vendors", b"--x\r\n", "multipart/form-data")

    assert response.json() == {"type": errors.INVALID_REQUEST, "message": calls.BAD_JSON}


def test_a_body_over_the_upload_limit_is_413(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100

    response = api_client.post(
        f"{API}/v1/vendors", vendor_body(name="x" * 200), content_type="application/json"
    )

    assert (response.status_code, response.json()["type"]) == (413, errors.TOO_LARGE)


def test_running_an_import_job_that_has_no_file_is_a_conflict_not_a_server_error(api_client):
    job = demo_id("vendor-import")

    response = api_client.post(f"{API}/v1/vendors/csv-import/jobs/{job}:run")

    assert (response.status_code, response.json()["type"]) == (409, errors.CONFLICT)


# Text and numbers no record can hold -------------------------------------------------------


def test_nul_in_a_path_id_is_refused_with_the_text_rule(api_client):
    response = api_client.get(f"{API}/v2/employees/a%00b")

    assert (response.status_code, response.json()["message"]) == (400, TEXT_HOLDS_NUL)


def test_nul_in_a_query_value_is_refused_with_the_text_rule(api_client):
    response = api_client.get(f"{API}/v2/employees?email=a%00b")

    assert (response.status_code, response.json()["message"]) == (400, TEXT_HOLDS_NUL)


def test_a_lone_surrogate_in_a_body_is_refused_with_the_text_rule(api_client):
    body = json.dumps(vendor_body(name="\ud800"))

    response = api_client.post(f"{API}/v1/vendors", body, content_type="application/json")

    assert (response.status_code, response.json()["message"]) == (400, TEXT_HOLDS_SURROGATE)


@pytest.mark.parametrize("number", ["9223372036854775808", "1e400", "NaN"])
def test_a_number_pleo_cannot_read_is_refused(api_client, number):
    amount = '{"id": "1", "amount": {"currency": "DKK", "minors": ' + number + "}}"
    body = '{"amountsByTaxCodeId": {"' + demo_id("tax-code") + '": [' + amount + "]}}"

    response = api_client.post(
        f"{API}/v0/tax-codes:calculate-tax-amounts", body, content_type="application/json"
    )

    assert (response.status_code, response.json()["message"]) == (400, calls.NUMBER_OUT_OF_RANGE)


# Values Pleo's answers could not carry --------------------------------------------------------


def test_a_write_whose_answer_would_break_pleos_schema_is_422_naming_the_value(api_client):
    response = api_client.post(
        f"{API}/v1/vendors", vendor_body(defaultCurrency=""), content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["message"] == documented.ANSWER_OUT_OF_SHAPE
    assert response.json()["errors"] == ["defaultCurrency: '' is too short"]


def test_a_refused_write_keeps_nothing(api_client):
    api_client.get(f"{API}/v1/introspect")  # the demo company and its records exist
    before = SandboxRecord.objects.count()

    api_client.post(f"{API}/v1/vendors", vendor_body(defaultCurrency=""), content_type="application/json")

    assert SandboxRecord.objects.count() == before
