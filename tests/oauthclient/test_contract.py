"""The contract verdict in the console: an answer judged against Pleo's documents, kept, shown."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.core.exceptions import ValidationError

from core.pleo_api import catalog
from core.pleo_api.contract import MATCHES_TEXT
from oauthclient import messages, selectors
from oauthclient.models import Connection, ContractState, TestCall
from oauthclient.parameters import recent_ids
from oauthclient.services.contract import test_call_judge
from oauthclient.services.test_call import ApiRequest, api_request_check
from registrations.models import CredentialServer

from .dashboard import assert_shows, make_credential
from .independent_server import IndependentServer

CATALOG = catalog()
EMPLOYEE_ID = "7a4d2a4e-3c5f-4b8e-9d71-2f0f8d5a6b10"
PAGE = {
    "currentRequestPagination": {"parameters": {}},
    "hasNextPage": False,
    "hasPreviousPage": False,
}
# Pleo documents companyId, email, firstName, id and lastName as required on an employee.
EMPLOYEE_LACKING_FIELDS = {"id": EMPLOYEE_ID, "firstName": "Ada", "lastName": "Lovelace"}
EMPLOYEE = {**EMPLOYEE_LACKING_FIELDS, "companyId": EMPLOYEE_ID, "email": "ada@demo-company.example"}


@pytest.fixture
def connection(db: Any, independent: IndependentServer, dev_client: Any) -> Connection:
    credential = make_credential()
    response = dev_client.post("/dashboard/connect/", {"credential": credential.pk})
    answer = requests.get(response["Location"], allow_redirects=False, timeout=5)
    landed = urlsplit(answer.headers["Location"])
    assert_shows(dev_client.get(landed.path + "?" + landed.query, follow=True), messages.CONNECTED)
    return Connection.objects.get()


@pytest.fixture
def answers(independent: IndependentServer) -> dict[str, tuple[int, Any]]:
    return independent.api_answers


def _send(dev_client: Any, connection: Any, **fields: Any) -> Any:
    data = {"method": "GET", "path": "/v2/employees", **fields}
    return dev_client.post(f"/dashboard/connections/{connection.pk}/test-call/", data, follow=True)


def test_an_answer_lacking_documented_fields_names_each_missing_field(dev_client, connection, answers):
    answers["/api/v2/employees"] = (200, {"data": [EMPLOYEE_LACKING_FIELDS], "pagination": PAGE})

    _send(dev_client, connection)

    call = TestCall.objects.get()
    assert call.contract_state == ContractState.DEVIATES
    assert call.contract_operation == "employees.list"
    assert call.contract_deviations == [
        "data[0]: 'companyId' is a required property",
        "data[0]: 'email' is a required property",
    ]


def test_the_result_shows_the_deviations_before_the_answer(dev_client, connection, answers):
    answers["/api/v2/employees"] = (200, {"data": [EMPLOYEE_LACKING_FIELDS], "pagination": PAGE})

    page = _send(dev_client, connection).content.decode()

    result = page[page.index('id="result"') :]
    assert result.index("data[0]: &#x27;companyId&#x27; is a required property") < result.index("<pre>")
    assert "2 deviations from Pleo's documents" in result


def test_an_answer_as_documented_matches(dev_client, connection, answers):
    answers["/api/v2/employees"] = (200, {"data": [EMPLOYEE], "pagination": PAGE})

    page = _send(dev_client, connection)

    call = TestCall.objects.get()
    assert (call.contract_state, call.contract_deviations) == (ContractState.MATCHES, [])
    assert "Contract: " + MATCHES_TEXT in page.content.decode()


def test_a_status_pleo_does_not_document_is_a_deviation(dev_client, connection, answers):
    answers["/api/v2/employees"] = (418, {"error": "teapot"})

    _send(dev_client, connection)

    (deviation,) = TestCall.objects.get().contract_deviations
    assert deviation.startswith("status: Pleo documents no 418 answer")


def test_a_request_not_in_the_documents_says_so(dev_client, connection):
    page = _send(dev_client, connection, path="/v1/things")

    call = TestCall.objects.get()
    assert call.contract_state == ContractState.UNDOCUMENTED
    assert "describe no GET /v1/things" in call.contract_note
    assert_shows(page, call.contract_note)


def test_the_history_shows_each_calls_verdict(dev_client, connection, answers):
    answers["/api/v2/employees"] = (200, {"data": [EMPLOYEE_LACKING_FIELDS], "pagination": PAGE})
    _send(dev_client, connection)

    page = dev_client.get(f"/dashboard/connections/{connection.pk}/").content.decode()

    assert '<td class="contract status-error" data-state="deviates">2 deviations</td>' in page


def test_the_comparison_shows_both_verdicts(dev_client, connection, answers):
    answers["/api/v2/employees"] = (200, {"data": [EMPLOYEE_LACKING_FIELDS], "pagination": PAGE})
    _send(dev_client, connection)
    answers["/api/v2/employees"] = (200, {"data": [EMPLOYEE], "pagination": PAGE})
    _send(dev_client, connection)
    first, second = TestCall.objects.order_by("id")

    page = dev_client.get(f"/dashboard/connections/{connection.pk}/compare/", {"a": first.pk, "b": second.pk})

    row = page.content.decode().split('id="compare-contract"')[1].split("</tr>")[0]
    assert 'class="differs"' in page.content.decode().split('id="compare-contract"')[0][-40:]
    assert "&#x27;email&#x27; is a required property" in row
    assert MATCHES_TEXT in row


def test_the_connection_page_sums_up_the_verdicts_per_operation(dev_client, connection, answers):
    answers["/api/v2/employees"] = (200, {"data": [EMPLOYEE_LACKING_FIELDS], "pagination": PAGE})
    _send(dev_client, connection)
    answers["/api/v2/employees"] = (200, {"data": [EMPLOYEE], "pagination": PAGE})
    _send(dev_client, connection)

    page = dev_client.get(f"/dashboard/connections/{connection.pk}/")

    (row,) = page.context["contract_summary"]
    assert (row.operation, row.matches, row.deviates, row.last_matches) == ("employees.list", 1, 1, True)


# Pleo documents `accountingEntryIds` as required in this search's body.
SEARCH_ITEMS = "/v3/export-job-items:search"
MISSING_ENTRIES = "body: 'accountingEntryIds' is a required property"


def test_a_body_the_documents_refuse_is_a_warning_and_still_sent(dev_client, connection, independent):
    page = _send(dev_client, connection, method="POST", path=SEARCH_ITEMS, body=json.dumps({}))

    assert len(independent.api_requests) == 1
    assert TestCall.objects.get().request_deviations == [MISSING_ENTRIES]
    assert "The body sent departed from Pleo's documents" in page.content.decode()


def test_checking_the_body_sends_nothing_and_shows_the_warning(dev_client, connection, independent):
    response = dev_client.post(
        f"/dashboard/connections/{connection.pk}/test-call/",
        {"method": "POST", "path": SEARCH_ITEMS, "body": "{}", "check": "1"},
    )

    assert independent.api_requests == []
    assert response.context["test_call_form"].body_warnings == [MISSING_ENTRIES]
    assert_shows(response, messages.CONTRACT_REQUEST_WARNING)


def test_pleo_production_refuses_a_body_the_documents_refuse():
    request = ApiRequest(method="POST", path=SEARCH_ITEMS, body="{}")

    with pytest.raises(ValidationError) as refused:
        api_request_check(request, server=CredentialServer.PLEO_PRODUCTION, production_confirmed=True)

    assert refused.value.message_dict["body"] == [
        messages.CONTRACT_REQUEST_REFUSED.format(deviations=MISSING_ENTRIES)
    ]


def test_pleo_staging_sends_a_body_the_documents_refuse():
    request = ApiRequest(method="POST", path=SEARCH_ITEMS, body="{}")

    api_request_check(request, server=CredentialServer.PLEO_STAGING, production_confirmed=False)


# Parameters as fields ------------------------------------------------------------


def test_a_typed_path_parameter_fills_the_path_without_a_script(dev_client, connection, independent):
    _send(dev_client, connection, path="/v2/employees/{employeeId}", path_employeeId=EMPLOYEE_ID)

    assert [each["path"] for each in independent.api_requests] == [f"/api/v2/employees/{EMPLOYEE_ID}"]


def test_a_typed_path_parameter_is_percent_encoded(dev_client, connection, independent):
    _send(dev_client, connection, path="/v2/employees/{employeeId}", path_employeeId="Ådal:1")

    assert TestCall.objects.get().path == "/v2/employees/%C3%85dal%3A1"


def test_a_path_typed_by_hand_is_sent_as_typed(dev_client, connection, independent):
    _send(dev_client, connection, path=f"/v2/employees/{EMPLOYEE_ID}", path_employeeId="ignored")

    assert [each["path"] for each in independent.api_requests] == [f"/api/v2/employees/{EMPLOYEE_ID}"]


def test_a_picked_operation_shows_its_documented_parameters(dev_client, connection):
    page = dev_client.get(f"/dashboard/connections/{connection.pk}/", {"operation": "employees.get"})

    (field,) = page.context["path_fields"]
    assert (field.parameter.name, field.parameter.required, field.parameter.format) == (
        "employeeId",
        True,
        "uuid",
    )
    assert 'name="path_employeeId"' in page.content.decode()


def test_documented_choices_are_offered_as_a_select(dev_client, connection):
    page = dev_client.get(f"/dashboard/connections/{connection.pk}/", {"operation": "employees.list"})

    html = page.content.decode()
    select = html[html.index('<select id="query-sorting_order"') :].split("</select>")[0]
    assert '<option value="DESC">DESC</option>' in select


def test_ids_of_the_last_list_are_offered_for_a_path_parameter(dev_client, connection, answers):
    answers["/api/v2/employees"] = (200, {"data": [EMPLOYEE], "pagination": PAGE})
    _send(dev_client, connection)

    page = dev_client.get(f"/dashboard/connections/{connection.pk}/", {"operation": "employees.get"})

    (field,) = page.context["path_fields"]
    assert field.ids == (EMPLOYEE_ID,)
    assert f'<option value="{EMPLOYEE_ID}"></option>' in page.content.decode()


def test_the_snippets_use_the_token_variable(dev_client, connection):
    page = _send(dev_client, connection)

    keys = [key for key, _label, _code in page.context["result_snippets"]]
    assert keys == ["curl", "httpie", "python", "javascript"]
    assert connection.access_token not in page.content.decode()


# Query costs ---------------------------------------------------------------------


def _judged(connection: Any, operation: str, state: str, excerpt: str = "") -> TestCall:
    return TestCall.objects.create(
        connection=connection,
        user=connection.user,
        url="https://api.example/x",
        status_code=200,
        contract_operation=operation,
        contract_state=state,
        excerpt=excerpt,
    )


def test_the_contract_summary_is_one_query_whatever_the_calls(connected, django_assert_num_queries):
    for operation in ("employees.list", "employees.get", "vendors.search"):
        for state in (ContractState.MATCHES, ContractState.DEVIATES, ContractState.MATCHES):
            _judged(connected, operation, state)

    with django_assert_num_queries(1):
        rows = selectors.connection_contract_summary(connection=connected)

    assert [(row.operation, row.matches, row.deviates) for row in rows] == [
        ("employees.list", 2, 1),
        ("employees.get", 2, 1),
        ("vendors.search", 2, 1),
    ]


def test_the_ids_of_recent_lists_are_one_query(connected, django_assert_num_queries):
    listed = json.dumps({"data": [EMPLOYEE]})
    for _ in range(5):
        _judged(connected, "employees.list", ContractState.MATCHES, excerpt=listed)

    with django_assert_num_queries(1):
        ids = recent_ids(connected, CATALOG.operation("employees.get"))

    assert ids == {"employeeId": (EMPLOYEE_ID,)}


def test_ids_are_read_from_a_cut_off_excerpt(connected):
    listed = json.dumps({"data": [EMPLOYEE, EMPLOYEE]})[:-40]
    _judged(connected, "employees.list", ContractState.MATCHES, excerpt=listed)

    assert recent_ids(connected, CATALOG.operation("employees.get")) == {"employeeId": (EMPLOYEE_ID,)}


def test_a_deviation_quoting_the_token_keeps_it_redacted(dev_client, connection, answers):
    answers["/api/v2/employees"] = (200, {"data": connection.access_token, "pagination": PAGE})

    _send(dev_client, connection)

    (deviation,) = TestCall.objects.get().contract_deviations
    assert deviation.startswith("data: ")
    assert connection.access_token not in deviation


def test_an_answer_cut_off_at_the_read_limit_is_not_judged():
    call = TestCall(method="GET", path="/v2/employees", status_code=200)

    test_call_judge(
        record=call, content_type="application/json", body=b'{"data": [', complete=False, secrets=[]
    )

    assert (call.contract_state, call.contract_operation) == (ContractState.NOT_JUDGED, "employees.list")
    assert call.contract_note == messages.CONTRACT_BODY_INCOMPLETE
