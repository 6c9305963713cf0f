"""Promotion to production and connection monitoring, in a real browser against the live server."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from oauthclient.models import TestCall
from registrations import validators
from registrations.models import Credential, Registration, RegistrationStatus
from sandbox.credentials import credential_issue_sandbox
from tests.factories import make_connection, make_credential, make_registration, make_test_call

from .conftest import log_in, save_screenshot
from .test_journey import _choose_action, _connect

COMPLETE = {
    "logo_uri": "https://client.example/logo.png",
    "initiation_uri": "https://client.example/connect",
    "settings_uri": "https://client.example/settings",
}
LOCAL_CALLBACK = "http://127.0.0.1:8765/callback"
PRODUCTION_CALLBACK = "https://client.example/oauth/callback"


@pytest.fixture
def proven_staging(journey: str, manager: Any, developer: Any) -> Registration:
    """An active staging registration for a local app, with a successful test call yesterday."""
    registration = make_registration(owner=manager, redirect_uris=[LOCAL_CALLBACK], **COMPLETE)
    Registration.objects.filter(pk=registration.pk).update(status=RegistrationStatus.ACTIVE)
    connection = make_connection(user=developer, credential=make_credential(registration=registration))
    make_test_call(connection=connection, age=timedelta(days=1))
    registration.refresh_from_db()
    return registration


def test_manager_promotes_reads_the_report_fixes_a_redirect_uri_and_sees_it_turn_green(
    journey: str, manager: Any, proven_staging: Registration, page: Page, screenshot: None
) -> None:
    log_in(page, journey, manager)
    page.goto(f"{journey}/admin/registrations/registration/")
    _choose_action(page, "promote_to_production", proven_staging.client_name)

    # The readiness report of the new production draft: the local callback was left out.
    report = page.locator("#readiness")
    expect(report).to_have_class("readiness readiness-not-ready")
    failure = report.locator(".readiness-failure")
    expect(failure).to_have_count(1)
    expect(failure).to_contain_text("Redirect URIs")
    expect(failure).to_contain_text(validators.REDIRECT_URIS_REQUIRED)
    expect(report.locator(".readiness-left-out")).to_contain_text(LOCAL_CALLBACK)
    expect(page.locator("#readiness-evidence")).to_have_class("readiness-evidence readiness-pass")
    save_screenshot(page, "readiness_report_not_ready", part=report)

    page.get_by_role("link", name="Edit the production registration").click()
    page.get_by_label("Redirect URIs").fill(PRODUCTION_CALLBACK)
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    page.locator(".object-tools").get_by_role("link", name="Readiness report").click()

    expect(report).to_have_class("readiness readiness-ready")
    expect(page.locator("#readiness-verdict")).to_contain_text("Ready")
    expect(report.locator(".readiness-failure")).to_have_count(0)
    save_screenshot(page, "readiness_report_ready", part=report)
    production = Registration.objects.get(promoted_from=proven_staging)
    assert (production.environment, production.redirect_uris) == ("production", [PRODUCTION_CALLBACK])


@pytest.fixture
def sandbox_credential(journey: str, manager: Any) -> Credential:
    registration = make_registration(owner=manager)
    credential, _secret = credential_issue_sandbox(registration=registration, issued_by=manager)
    return credential


def test_developer_turns_on_monitoring_and_sees_the_probe_after_the_job_runs(
    journey: str, developer: Any, sandbox_credential: Credential, page: Page, screenshot: None
) -> None:
    log_in(page, journey, developer, next_path="/dashboard/")
    _connect(page, journey, sandbox_credential)

    monitoring = page.locator("#monitoring")
    monitoring.get_by_label("Monitor this connection").check()
    monitoring.get_by_label("employees (/v2/employees, needs users:read)").check()
    monitoring.get_by_role("button", name="Save monitoring").click()
    expect(page.locator("body")).to_contain_text(
        "Monitoring is on: the scheduled probe makes GET /v2/employees."
    )
    expect(page.locator("#monitoring-summary")).to_contain_text("No probes yet")

    call_command("probe_connections")

    page.reload()
    expect(page.locator("#monitoring-summary")).to_contain_text("1 probe, 0 failed")
    expect(page.locator("#monitor-state")).to_have_text("working")
    expect(monitoring.locator("circle.probe-ok")).to_have_count(1)
    save_screenshot(page, "connection_monitoring_timeline", part=monitoring)
    call = TestCall.objects.get(scheduled=True)
    assert (call.url, call.status_code) == (f"{journey}/sandbox/api/v2/employees", 200)
