"""The dashboard's console in a real browser against the live sandbox: any request with its
exchange shown as raw HTTP, the code exchange redacted, a copied cURL command that works,
chosen scopes, and revocation where the server's metadata advertises it."""

from __future__ import annotations

import json
import os
import re
import subprocess
from typing import Any

import pytest
from oauth2_provider.models import get_access_token_model
from playwright.sync_api import Page, expect

from oauthclient.models import Connection, ConnectionStatus, Exchange, ExchangeKind, TestCall
from registrations.models import Credential
from registrations.services.registration import registration_mark_ready
from sandbox import demo
from sandbox.credentials import credential_issue_sandbox
from tests.factories import make_registration

from .conftest import log_in, save_screenshot

# A search body in the shape the catalog documents for /v1/chart-of-accounts:search.
ACCOUNT_SEARCH = json.dumps(
    {
        "companyId": str(demo.COMPANY_ID),
        "archived": False,
        "excludeIfAssignedToCategory": False,
        "excludeIfAssignedToContraAccount": False,
    }
)


@pytest.fixture
def accounts_credential(journey: str, manager: Any) -> Credential:
    registration = make_registration(owner=manager, scope="users:read accounts:read")
    registration_mark_ready(registration=registration, by=manager)
    credential, _secret = credential_issue_sandbox(registration=registration, issued_by=manager)
    return credential


def _connect(
    page: Page, base_url: str, credential: Credential, *, untick: tuple[str, ...] = ()
) -> Connection:
    page.goto(f"{base_url}/dashboard/")
    page.get_by_label("Credential").select_option(str(credential.pk))
    choice = page.locator(f'fieldset.scope-choice[data-credential="{credential.pk}"]')
    for scope in untick:
        choice.get_by_label(scope).uncheck()
    page.get_by_role("button", name="Connect").click()
    page.get_by_role("button", name="Allow").click()
    expect(page.locator("#connection-status")).to_have_text(ConnectionStatus.CONNECTED.label)
    return Connection.objects.get()


def _open_exchange(page: Page, exchange: Exchange) -> Any:
    item = page.locator(f"#exchange-{exchange.pk}")
    item.locator("summary").click()
    return item


def test_a_post_with_a_json_body_and_a_header_succeeds_and_shows_what_was_sent(
    journey: str, developer: Any, accounts_credential: Credential, page: Page, screenshot: None
) -> None:
    log_in(page, journey, developer, next_path="/dashboard/")
    connection = _connect(page, journey, accounts_credential)

    console = page.locator("#console")
    console.get_by_label("Method").select_option("POST")
    console.get_by_label("Path on").fill("/v1/chart-of-accounts:search")
    console.get_by_label("Header name 1").fill("X-Request-Id")
    console.get_by_label("Header value 1").fill("console-browser-1")
    console.get_by_label("JSON body").fill(ACCOUNT_SEARCH)
    # docs/screenshots/dashboard-console.png and dashboard-exchange.png are copies of these two.
    save_screenshot(page, "dashboard-console", part=console)
    console.get_by_role("button", name="Send").click()

    expect(page.locator("#result")).to_contain_text("HTTP 200")
    call = TestCall.objects.get()
    assert (call.method, call.status_code) == ("POST", 200)
    exchange = Exchange.objects.get(kind=ExchangeKind.TEST_CALL)
    item = _open_exchange(page, exchange)
    request = item.locator(".raw-request")
    expect(request).to_contain_text(f"POST {journey}/sandbox/api/v1/chart-of-accounts:search")
    expect(request).to_contain_text("X-Request-Id: console-browser-1")
    expect(request).to_contain_text("Content-Type: application/json")
    expect(request).to_contain_text('"archived": false')
    expect(request).to_contain_text("Authorization: Bearer [redacted]…")
    expect(item.locator(".raw-response")).to_contain_text("HTTP/1.1 200 OK")
    assert connection.access_token not in page.content()
    save_screenshot(page, "dashboard-exchange", part=item)


def test_the_code_exchange_shows_the_verifier_and_the_secret_redacted(
    journey: str, developer: Any, accounts_credential: Credential, page: Page, screenshot: None
) -> None:
    log_in(page, journey, developer, next_path="/dashboard/")
    _connect(page, journey, accounts_credential)

    exchange = Exchange.objects.get(kind=ExchangeKind.CODE_EXCHANGE)
    request = _open_exchange(page, exchange).locator(".raw-request")
    expect(request).to_contain_text("&code_verifier=[redacted]…")
    expect(request).to_contain_text("Authorization: Basic [redacted]")
    assert accounts_credential.client_secret not in page.content()
    save_screenshot(page, "code_exchange_redacted", part=page.locator(f"#exchange-{exchange.pk}"))


def test_a_copied_curl_command_gets_the_same_status_from_the_sandbox(
    journey: str, developer: Any, accounts_credential: Credential, page: Page, screenshot: None
) -> None:
    log_in(page, journey, developer, next_path="/dashboard/")
    connection = _connect(page, journey, accounts_credential)
    page.get_by_label("Method").select_option("POST")
    page.get_by_label("Path on").fill("/v1/chart-of-accounts:search")
    page.get_by_label("JSON body").fill(ACCOUNT_SEARCH)
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#result")).to_contain_text("HTTP 200")

    exchange = Exchange.objects.get(kind=ExchangeKind.TEST_CALL)
    curl = _open_exchange(page, exchange).locator(".curl").inner_text()
    assert "$PLEO_ACCESS_TOKEN" in curl
    assert connection.access_token not in curl
    status = subprocess.run(  # noqa: S603
        ["/bin/sh", "-c", curl + " -o /dev/null -w '%{http_code}'"],
        env={**os.environ, "PLEO_ACCESS_TOKEN": Connection.objects.get().access_token},
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    ).stdout
    assert status == str(TestCall.objects.get().status_code) == "200"


def test_a_chosen_subset_of_scopes_shows_requested_and_granted(
    journey: str, developer: Any, accounts_credential: Credential, page: Page, screenshot: None
) -> None:
    log_in(page, journey, developer, next_path="/dashboard/")
    connection = _connect(page, journey, accounts_credential, untick=("accounts:read",))

    expect(page.locator("#requested-scope")).to_have_text("users:read")
    expect(page.locator("#granted-scope")).to_have_text("users:read")
    expect(page.locator("#scope-difference")).to_have_count(0)
    assert (connection.requested_scope, connection.scope) == ("users:read", "users:read")


def test_disconnecting_revokes_at_the_endpoint_the_metadata_advertises(
    journey: str, developer: Any, accounts_credential: Credential, page: Page, screenshot: None
) -> None:
    log_in(page, journey, developer, next_path="/dashboard/")
    connection = _connect(page, journey, accounts_credential)
    expect(page.locator("#revocation-endpoint")).to_have_text(f"{journey}/sandbox/oauth/revoke")
    token = connection.access_token

    page.get_by_role("button", name="Disconnect").click()

    expect(page.locator("#connection-status")).to_have_text(ConnectionStatus.DISCONNECTED.label)
    revocations = Exchange.objects.filter(kind=ExchangeKind.REVOCATION)
    assert [exchange.status_code for exchange in revocations] == [200, 200]
    assert not any(
        access.token == token and access.is_valid() for access in get_access_token_model().objects.all()
    )


def test_a_past_call_is_sent_again_and_two_calls_are_compared(
    journey: str, developer: Any, accounts_credential: Credential, page: Page, screenshot: None
) -> None:
    log_in(page, journey, developer, next_path="/dashboard/")
    _connect(page, journey, accounts_credential)
    page.get_by_label("Path on").fill("/v2/employees?limit=1")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#result")).to_contain_text("HTTP 200")

    page.get_by_role("button", name="Send again").click()
    expect(page.locator("#result")).to_contain_text("HTTP 200")
    page.get_by_role("link", name="Edit as a new request").click()
    expect(page.get_by_label("Path on")).to_have_value("/v2/employees?limit=1")
    page.get_by_label("Path on").fill("/v2/employees?limit=2")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#result")).to_contain_text("HTTP 200")

    first, _again, wider = TestCall.objects.order_by("id")
    for call in (first, wider):
        page.locator(f'input[name="pick"][value="{call.pk}"]').check()
    page.get_by_role("button", name="Compare the two ticked calls").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Compare two test calls")
    expect(page.locator("#compare-body")).to_contain_text('"limit": 2')
    expect(page.locator("#compare-status")).not_to_have_class("differs")
    save_screenshot(page, "compare_two_calls")


def test_a_developer_states_the_callback_is_registered_at_the_server(
    journey: str, developer: Any, manager: Any, settings: Any, page: Page, screenshot: None
) -> None:
    from oauthclient import messages
    from tests.factories import make_credential

    # A client registered at Pleo staging (here: a path of the live server) with Postman's callback only.
    settings.PLEO_STAGING_AUTH_URL = f"{journey}/pleo-staging"
    credential = make_credential()
    log_in(page, journey, developer, next_path="/dashboard/")
    page.goto(f"{journey}/dashboard/")
    page.get_by_label("Credential").select_option(str(credential.pk))
    page.get_by_role("button", name="Connect").click()

    expect(page.locator(".messages")).to_contain_text("the portal does not know whether")
    page.get_by_label("The portal's callback URL is registered").check()
    page.get_by_role("button", name="Remember it").click()
    expect(page.locator(".messages")).to_contain_text(messages.CALLBACK_STATED)

    page.get_by_label("Credential").select_option(str(credential.pk))
    page.get_by_role("button", name="Connect").click()
    page.wait_for_url(f"{journey}/pleo-staging/oauth/authorize?**")
    assert (
        "redirect_uri=" + f"{journey}/dashboard/callback/".replace(":", "%3A").replace("/", "%2F") in page.url
    )


def test_a_picked_operation_offers_typed_fields_and_its_verdict_comes_first(
    journey: str, developer: Any, accounts_credential: Credential, page: Page, screenshot: None
) -> None:
    log_in(page, journey, developer, next_path="/dashboard/")
    _connect(page, journey, accounts_credential)
    console = page.locator("#console")
    console.get_by_label("Path on").fill("/v2/employees")
    console.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#result")).to_contain_text("HTTP 200")
    employee_id = re.search(r'"id": ?"([^"]+)"', TestCall.objects.get().excerpt).group(1)

    page.get_by_label("Operation", exact=True).select_option("employees.get")
    page.get_by_role("button", name="Fill the form").click()
    field = page.get_by_label("employeeId")
    expect(page.locator("#path-employeeId-ids option").first).to_have_attribute("value", employee_id)
    field.fill(employee_id)
    expect(page.locator("#path-preview")).to_have_text(f"Will be sent as /v2/employees/{employee_id}")
    save_screenshot(page, "dashboard-parameters", part=page.locator("#console"))
    console.get_by_role("button", name="Send", exact=True).click()

    verdict = page.locator("#result > .verdict")
    expect(verdict).to_contain_text("Contract: matches Pleo's documents")
    assert TestCall.objects.latest("id").path == f"/v2/employees/{employee_id}"
    order = page.evaluate(
        "() => ['console', 'result', 'scope-check', 'monitoring'].map("
        "(id) => document.getElementById(id).getBoundingClientRect().top)"
    )
    assert order == sorted(order)
    save_screenshot(page, "dashboard-verdict", part=page.locator("#result"))


def test_a_body_the_documents_refuse_is_flagged_before_sending(
    journey: str, developer: Any, accounts_credential: Credential, page: Page, screenshot: None
) -> None:
    log_in(page, journey, developer, next_path="/dashboard/")
    _connect(page, journey, accounts_credential)
    console = page.locator("#console")
    console.get_by_label("Method").select_option("POST")
    console.get_by_label("Path on").fill("/v1/chart-of-accounts:search")
    console.get_by_label("JSON body").fill("{}")

    console.get_by_role("button", name="Check the body against Pleo's documents").click()

    expect(page.locator("#body-warnings")).to_contain_text("'companyId' is a required property")
    assert not TestCall.objects.exists()
