"""Pleo's contract: answers and request bodies judged against the vendored documents."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from core.pleo_api import catalog
from core.pleo_api.contract import (
    DEVIATES,
    MATCHES,
    NOT_IN_DOCUMENTS,
    UNDOCUMENTED,
    Verdict,
    documented_parameters,
    operation_for,
    request_body_deviations,
    response_verdict,
    where,
)

CATALOG = catalog()
JSON = "application/json;charset=UTF-8"
EMPLOYEE = {
    "id": "7a4d2a4e-3c5f-4b8e-9d71-2f0f8d5a6b10",
    "companyId": "0b7c7d4e-6a55-4b9e-8f57-0f4c2b0a9d31",
    "email": "ada@demo-company.example",
    "firstName": "Ada",
    "lastName": "Lovelace",
}
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


def _employee_verdict(body: Any, *, status: int = 200, content_type: str = JSON) -> Verdict:
    return response_verdict(
        method="GET",
        path="/v2/employees/" + EMPLOYEE["id"],
        status=status,
        content_type=content_type,
        body=json.dumps(body).encode(),
    )


def test_a_path_is_the_operation_whose_template_it_fills():
    assert operation_for("GET", "/v2/employees/42").key == "employees.get"


def test_a_literal_segment_wins_over_a_placeholder():
    assert operation_for("POST", "/v1/vendors:search").key == "vendors.search"


def test_a_query_in_the_path_is_no_part_of_the_operation():
    assert operation_for("GET", "/v2/employees?limit=1").key == "employees.list"


def test_a_path_of_no_operation_is_none():
    assert operation_for("GET", "/v9/nothing") is None


def test_a_documented_answer_matches():
    verdict = _employee_verdict({"data": EMPLOYEE})

    assert (verdict.state, verdict.operation, verdict.deviations) == (MATCHES, "employees.get", ())


def test_a_missing_required_field_is_named_with_its_place():
    employee = {key: value for key, value in EMPLOYEE.items() if key != "email"}

    assert _employee_verdict({"data": employee}).deviations == ("data: 'email' is a required property",)


def test_a_value_of_the_wrong_type_is_named_with_its_path():
    verdict = _employee_verdict({"data": {**EMPLOYEE, "firstName": 7}})

    assert verdict.deviations == ("data.firstName: 7 is not of type 'string'",)


def test_a_documented_format_is_checked():
    verdict = _employee_verdict({"data": {**EMPLOYEE, "id": "not-a-uuid"}})

    assert verdict.deviations == ("data.id: 'not-a-uuid' is not a 'uuid'",)


def test_an_undocumented_status_is_a_deviation():
    verdict = _employee_verdict({"data": EMPLOYEE}, status=418)

    assert verdict.state == DEVIATES
    assert verdict.deviations[0].startswith("status: Pleo documents no 418 answer")


def test_an_undocumented_content_type_is_a_deviation():
    verdict = _employee_verdict({"data": EMPLOYEE}, content_type="text/html")

    assert verdict.deviations == ("content type: text/html where Pleo documents application/json",)


def test_a_body_that_is_no_json_is_a_deviation():
    verdict = response_verdict(
        method="GET", path="/v2/employees/1", status=200, content_type=JSON, body=b"<html>"
    )

    assert verdict.deviations[0].startswith("body: not JSON")


def test_an_operation_not_in_the_documents_says_so():
    verdict = response_verdict(method="GET", path="/v9/nothing", status=200, content_type=JSON, body=b"{}")

    assert (verdict.state, verdict.note) == (
        UNDOCUMENTED,
        NOT_IN_DOCUMENTS.format(method="GET", path="/v9/nothing"),
    )


def test_a_json_path_reads_as_a_developer_writes_it():
    assert where(["data", 0, "amount", "currency"]) == "data[0].amount.currency"
    assert where([]) == "body"


def test_a_request_body_lacking_a_required_field_is_named():
    operation = CATALOG.operation("export-jobs.search-items")

    assert request_body_deviations(operation, "{}") == ["body: 'accountingEntryIds' is a required property"]


def test_a_body_where_none_is_documented_is_named():
    assert request_body_deviations(CATALOG.operation("employees.list"), "{}") == [
        "body: Pleo's documents describe no body for this operation."
    ]


def test_path_parameters_come_from_the_documents_with_their_format():
    (parameter,) = documented_parameters(CATALOG.operation("employees.get"))

    assert (parameter.name, parameter.location, parameter.required, parameter.format) == (
        "employeeId",
        "path",
        True,
        "uuid",
    )


def test_query_parameters_come_from_the_documents_with_their_choices():
    parameters = {each.name: each for each in documented_parameters(CATALOG.operation("employees.list"))}

    assert parameters["sorting_order"].enum[:2] == ("ASC", "ASC_NULLS_FIRST")
    assert parameters["limit"].type == "integer"
    assert "company ID" in parameters["companyId"].description


@settings(max_examples=200, deadline=None)
@given(
    operation=st.sampled_from(CATALOG.operations),
    status=st.integers(min_value=100, max_value=599),
    content_type=st.sampled_from([JSON, "application/json", "text/plain", "", "application/problem+json"]),
    body=json_values,
)
def test_any_json_answer_gets_a_verdict(operation, status, content_type, body):
    path = operation.url_path(**dict.fromkeys(operation.template_parameters, "x"))

    verdict = response_verdict(
        method=operation.method,
        path=path,
        status=status,
        content_type=content_type,
        body=json.dumps(body).encode(),
    )

    assert verdict.state in (MATCHES, DEVIATES)
    assert all(": " in deviation for deviation in verdict.deviations)


@settings(max_examples=100, deadline=None)
@given(operation=st.sampled_from(CATALOG.operations), body=st.binary(max_size=200))
def test_any_bytes_get_a_verdict(operation, body):
    path = operation.url_path(**dict.fromkeys(operation.template_parameters, "x"))

    verdict = response_verdict(method=operation.method, path=path, status=200, content_type=JSON, body=body)

    assert verdict.state in (MATCHES, DEVIATES)


@settings(max_examples=100, deadline=None)
@given(operation=st.sampled_from(CATALOG.operations), body=json_values)
def test_any_json_request_body_gets_a_list_of_deviations(operation, body):
    deviations = request_body_deviations(operation, json.dumps(body))

    assert all(isinstance(each, str) for each in deviations)


def test_a_deeply_nested_answer_gets_a_verdict():
    body = b"[" * 100_000 + b"]" * 100_000

    verdict = response_verdict(method="GET", path="/v2/employees", status=200, content_type=JSON, body=body)

    assert verdict.state == DEVIATES
