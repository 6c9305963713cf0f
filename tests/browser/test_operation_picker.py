"""A developer in a real browser against the live sandbox: connects with accounts:read and
accounts:write, runs the scope check, and creates, finds and deletes an account through the
operation picker."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from oauthclient.models import Connection, ConnectionStatus, TestCall
from registrations.models import Credential
from registrations.services.registration import registration_mark_ready
from sandbox import demo
from sandbox.credentials import credential_issue_sandbox
from sandbox.models import SandboxRecord
from tests.factories import make_registration

from .conftest import log_in, save_screenshot

ACCOUNT_NAME = "Picked in the browser"


@pytest.fixture
def accounts_credential(journey: str, manager: Any) -> Credential:
    registration = make_registration(owner=manager, scope="accounts:read accounts:write")
    registration_mark_ready(registration=registration, by=manager)
    credential, _secret = credential_issue_sandbox(registration=registration, issued_by=manager)
    return credential


def _pick(page: Page, key: str) -> None:
    page.get_by_label("Operation", exact=True).select_option(key)
    page.get_by_role("button", name="Fill the form").click()
    expect(page.get_by_label("Method")).to_be_visible()


def _send(page: Page) -> TestCall:
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#result")).to_be_visible()
    return TestCall.objects.latest("id")


def test_scope_check_then_create_find_and_delete_an_account_through_the_picker(
    journey: str, developer: Any, accounts_credential: Credential, page: Page, screenshot: None
) -> None:
    log_in(page, journey, developer, next_path="/dashboard/")
    page.goto(f"{journey}/dashboard/")
    page.get_by_label("Credential").select_option(str(accounts_credential.pk))
    page.get_by_role("button", name="Connect").click()
    page.get_by_role("button", name="Allow").click()
    expect(page.locator("#connection-status")).to_have_text(ConnectionStatus.CONNECTED.label)
    assert Connection.objects.get().scope == "accounts:read accounts:write"

    page.get_by_role("button", name="Check the granted scopes").click()
    results = page.locator("#scope-check-results")
    for scope in ("accounts:read", "accounts:write"):
        expect(results.locator(f'tr[data-scope="{scope}"]')).to_have_attribute("data-outcome", "pass")
    save_screenshot(page, "dashboard-scope-check", part=page.locator("#scope-check"))

    # Create: the skeleton already names the company the scope check learned.
    _pick(page, "accounts.v4.create")
    expect(page.get_by_label("Method")).to_have_value("POST")
    expect(page.get_by_label("Path on")).to_have_value("/v1-beta/accounts")
    body = json.loads(page.get_by_label("JSON body").input_value())
    assert body["companyId"] == str(demo.COMPANY_ID)
    page.get_by_label("JSON body").fill(json.dumps({**body, "name": ACCOUNT_NAME, "code": "9091"}))
    save_screenshot(page, "dashboard-operation-picker", part=page.locator("#console"))
    created = _send(page)
    assert created.status_code == 201, created.excerpt
    account_id = json.loads(created.excerpt)["data"]["id"]

    # Find it with the search operation.
    _pick(page, "accounts.v4.search")
    expect(page.get_by_label("Path on")).to_have_value("/v1-beta/accounts:search")
    search = {"companyId": str(demo.COMPANY_ID), "name": ACCOUNT_NAME}
    page.get_by_label("JSON body").fill(json.dumps(search))
    found = _send(page)
    assert found.status_code == 200
    assert [item["id"] for item in json.loads(found.excerpt)["data"]] == [account_id]

    # Delete it: the path's placeholder must be replaced before anything is sent.
    _pick(page, "accounts.v4.delete")
    expect(page.get_by_label("Path on")).to_have_value("/v1-beta/accounts/{accountId}")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#console")).to_contain_text("Replace {accountId} in the path")
    page.get_by_label("Path on").fill(f"/v1-beta/accounts/{account_id}")
    deleted = _send(page)
    assert deleted.ok, deleted.excerpt
    assert not SandboxRecord.objects.filter(resource="account", record_id=account_id).exists()
