"""The whole journey in a real browser (Debian's Chromium), against the live server.

Each test starts from what the previous step of the journey leaves behind (made
with the same services the admin uses), then clicks and types like a person.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from core.servers import server_endpoints
from oauthclient import messages as dashboard_messages
from oauthclient.models import Connection, ConnectionStatus, TestCall
from registrations import validators
from registrations.admin.status import ACTION_DONE
from registrations.exports.postman import POSTMAN_WEB_CALLBACK
from registrations.models import Credential, Registration, RegistrationStatus, SecretDisclosure
from registrations.services.registration import registration_mark_ready
from sandbox.credentials import credential_issue_sandbox
from tests.factories import EXAMPLE_CLIENT, make_registration

from .conftest import log_in, save_screenshot

BAD_REDIRECT_URI = "https://client.example/callback#section"
BAD_SCOPE = 'users:"admin"'


def _choose_action(page: Page, action: str, client_name: str) -> None:
    """Tick one registration on the changelist and run an admin action on it."""
    page.get_by_role("row").filter(has_text=client_name).get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option(action)
    page.get_by_role("button", name="Go").click()


@pytest.fixture
def ready_registration(manager: Any) -> Registration:
    registration = make_registration(owner=manager)
    registration_mark_ready(registration=registration, by=manager)
    return registration


@pytest.fixture
def sandbox_credential(journey: str, ready_registration: Registration, manager: Any) -> Credential:
    # After `journey`: the sandbox client is registered with the live server's callback.
    credential, _secret = credential_issue_sandbox(registration=ready_registration, issued_by=manager)
    return credential


# 1. The manager registers the Example Client ---------------------------------------


def _fill_example_client(page: Page) -> None:
    page.get_by_label("Client name").fill(EXAMPLE_CLIENT["client_name"])
    page.get_by_label("Client URI").fill(EXAMPLE_CLIENT["client_uri"])
    page.get_by_label("Terms of service URI").fill(EXAMPLE_CLIENT["tos_uri"])
    page.get_by_label("Privacy policy URI").fill(EXAMPLE_CLIENT["policy_uri"])
    page.get_by_label("Contacts").fill("\n".join(EXAMPLE_CLIENT["contacts"]))
    for scope in EXAMPLE_CLIENT["scope"].split():
        # Catalog checkboxes are labelled "users:read — description (environments)".
        page.get_by_role("checkbox", name=re.compile(rf"^\s*{re.escape(scope)} ")).check()


def test_manager_registers_the_example_client_and_opens_the_printable_form(
    journey: str, manager: Any, page: Page, screenshot: None
) -> None:
    log_in(page, journey, manager)
    page.goto(f"{journey}/admin/registrations/registration/add/")
    _fill_example_client(page)
    redirect_uris = page.get_by_label("Redirect URIs")
    redirect_uris.fill(BAD_REDIRECT_URI)
    page.get_by_label("Other scopes").fill(BAD_SCOPE)
    page.get_by_role("button", name="Save", exact=True).click()

    # Each error is shown next to the field it concerns; nothing is saved.
    expect(page.locator(".field-redirect_uris .errorlist")).to_contain_text(validators.REDIRECT_URI_FRAGMENT)
    expect(page.locator(".field-other_scopes .errorlist")).to_contain_text(
        validators.SCOPE_TOKEN_SYNTAX.format(token=BAD_SCOPE)
    )
    assert Registration.objects.count() == 0
    save_screenshot(
        page,
        "registration_errors_next_to_their_fields",
        part=page.locator("fieldset").filter(has=page.locator(".field-redirect_uris")),
    )

    # Fix them: Postman's web callback with one click, no extra scope.
    redirect_uris.fill("")
    page.get_by_role("button", name="Postman (web)").click()
    expect(redirect_uris).to_have_value(POSTMAN_WEB_CALLBACK)
    page.get_by_label("Other scopes").fill("")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    _choose_action(page, "mark_ready", EXAMPLE_CLIENT["client_name"])
    expect(page.locator(".messagelist")).to_contain_text(
        ACTION_DONE.format(count=1, status=RegistrationStatus.READY.label)
    )

    page.get_by_role("link", name=EXAMPLE_CLIENT["client_name"]).click()
    page.get_by_role("link", name="Printable form").click()
    expect(page.locator("body")).to_contain_text(POSTMAN_WEB_CALLBACK)
    expect(page.locator("body")).to_contain_text(EXAMPLE_CLIENT["tos_uri"])
    # Print works under the CSP (no inline handler); the dialog itself is replaced by a note.
    page.evaluate("window.print = () => { document.body.dataset.printed = 'yes'; }")
    page.get_by_role("button", name="Print").click()
    expect(page.locator("body")).to_have_attribute("data-printed", "yes")
    registration = Registration.objects.get()
    assert (registration.redirect_uris, registration.scope, registration.status) == (
        [POSTMAN_WEB_CALLBACK],
        EXAMPLE_CLIENT["scope"],
        RegistrationStatus.READY,
    )


# 2. The manager issues sandbox credentials and reveals the secret ----------------------


def test_manager_sees_the_issued_secret_once_then_only_its_fingerprint(
    journey: str, manager: Any, ready_registration: Registration, page: Page, screenshot: None
) -> None:
    log_in(page, journey, manager)
    page.goto(f"{journey}/admin/registrations/registration/")
    _choose_action(page, "issue_sandbox_credentials", ready_registration.client_name)
    shown = page.locator("code.sandbox-secret").inner_text()
    credential = Credential.objects.get()
    assert shown == credential.client_secret
    save_screenshot(page, "sandbox_secret_shown_once")

    # Afterwards the credential's page shows the fingerprint only.
    page.goto(f"{journey}/admin/registrations/credential/{credential.pk}/change/")
    expect(page.locator("#content")).to_contain_text(credential.secret_fingerprint)
    assert shown not in page.content()


def test_manager_reveals_the_secret_again_and_it_is_audited(
    journey: str, manager: Any, sandbox_credential: Credential, page: Page, screenshot: None
) -> None:
    log_in(page, journey, manager)
    page.goto(f"{journey}/admin/registrations/credential/{sandbox_credential.pk}/change/")
    page.get_by_role("link", name="Reveal secret…").click()
    # Opening the reveal page discloses nothing: only confirming does.
    confirm = page.get_by_role("button", name="Yes, reveal the secret")
    expect(confirm).to_be_visible()
    assert sandbox_credential.client_secret not in page.content()
    assert not SecretDisclosure.objects.exists()
    confirm.click()

    expect(page.locator("#client-secret")).to_have_value(sandbox_credential.client_secret)
    disclosure = SecretDisclosure.objects.get()
    assert (disclosure.user, disclosure.credential, disclosure.kind) == (
        manager,
        sandbox_credential,
        SecretDisclosure.Kind.REVEAL,
    )


# 3. The developer connects, calls the API, refreshes, disconnects ---------------------


def _connect(page: Page, base_url: str, credential: Credential) -> None:
    page.goto(f"{base_url}/dashboard/")
    page.get_by_label("Credential").select_option(str(credential.pk))
    page.get_by_role("button", name="Connect").click()
    # The sandbox's consent page, in the portal's look.
    expect(page.get_by_role("heading", level=1)).to_contain_text(credential.registration.client_name)
    page.get_by_role("button", name="Allow").click()
    expect(page.locator("#connection-status")).to_have_text(ConnectionStatus.CONNECTED.label)


def test_developer_connects_and_calls_the_employees_api(
    journey: str, developer: Any, sandbox_credential: Credential, page: Page, screenshot: None
) -> None:
    log_in(page, journey, developer, next_path="/dashboard/")
    _connect(page, journey, sandbox_credential)

    page.get_by_label(re.compile(r"GET /v2/employees")).check()
    page.get_by_role("button", name="Send").click()

    # Wait for the result page before reading the recorded call.
    expect(page.locator("#result")).to_contain_text("HTTP 200")
    call = TestCall.objects.get()
    assert (call.status_code, call.url) == (200, f"{journey}/sandbox/api/v2/employees")
    expect(page.locator("body")).to_contain_text(
        dashboard_messages.TEST_CALL_DONE.format(status=200, duration_ms=call.duration_ms)
    )

    # The call stays in the connection's history: when, who, call, status, ms, bytes.
    page.get_by_role("link", name="← Dashboard").click()
    page.get_by_role("link", name=sandbox_credential.registration.client_name).click()
    expect(page.locator("#result")).to_have_count(0)
    expect(page.get_by_role("row").filter(has_text="/v2/employees").get_by_role("cell")).to_have_text(
        [
            re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"),
            developer.get_username(),
            f"GET {call.url}",
            "200",
            "matches pleo's documents",
            str(call.duration_ms),
            str(call.response_size),
        ]
    )


def test_developer_refreshes_the_token(
    journey: str, developer: Any, sandbox_credential: Credential, page: Page, screenshot: None
) -> None:
    log_in(page, journey, developer, next_path="/dashboard/")
    _connect(page, journey, sandbox_credential)

    page.get_by_role("button", name="Refresh now").click()

    expect(page.locator("body")).to_contain_text(dashboard_messages.REFRESHED)
    assert Connection.objects.get().refresh_count == 1


def test_developer_disconnects_and_the_tokens_are_revoked(
    journey: str, developer: Any, sandbox_credential: Credential, page: Page, screenshot: None
) -> None:
    log_in(page, journey, developer, next_path="/dashboard/")
    _connect(page, journey, sandbox_credential)

    page.get_by_role("button", name="Disconnect").click()

    # This message, not DISCONNECTED_REVOKE_FAILED: the sandbox accepted the revocation.
    expect(page.locator("body")).to_contain_text(
        dashboard_messages.DISCONNECTED_REVOKED.format(
            server=server_endpoints(sandbox_credential.server).label
        )
    )
    expect(page.locator("#connection-status")).to_have_text(ConnectionStatus.DISCONNECTED.label)
    assert Connection.objects.get().access_token == ""


# 4. The developer cannot reveal ------------------------------------------------------


def test_developer_cannot_reach_the_reveal_page(
    journey: str, developer: Any, sandbox_credential: Credential, page: Page, screenshot: None
) -> None:
    log_in(page, journey, developer, next_path="/dashboard/")
    response = page.goto(f"{journey}/admin/registrations/credential/{sandbox_credential.pk}/reveal/")
    assert response is not None
    assert response.status == 403
    assert sandbox_credential.client_secret not in page.content()
    assert SecretDisclosure.objects.count() == 0
