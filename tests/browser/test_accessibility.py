"""Every page the portal renders passes axe-core's checks (WCAG 2 A and AA, and axe's best
practices) in a real browser, in the state that shows most of it: the connection page
after test calls with every exchange opened, the printable form with its readiness
report, both steps of the reveal page, the registration page with its credentials.

Each page is one parametrized case: a function that brings the live server to that
page, then the `accessible` fixture runs axe-core on it. A last test proves that the
fixture fails, and says why, when a page breaks a rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import OperationalError
from django.urls import reverse
from playwright.sync_api import Page, expect

from oauthclient import selectors
from registrations.models import Registration, RegistrationStatus
from registrations.services.promotion import registration_promote
from registrations.services.registration import registration_mark_ready
from sandbox.credentials import credential_issue_sandbox
from tests.factories import make_credential, make_registration
from tests.registrations.exports_support import invalid_registration

from .conftest import log_in, save_screenshot
from .test_journey import _connect


class Portal:
    """The live server, its two people and a ready registration with sandbox credentials."""

    def __init__(self, base_url: str, manager: Any, developer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.base_url = base_url
        self.monkeypatch = monkeypatch
        self.manager = manager
        self.developer = developer
        self.registration = make_registration(owner=manager)
        registration_mark_ready(registration=self.registration, by=manager)
        self.credential, _secret = credential_issue_sandbox(registration=self.registration, issued_by=manager)

    def admin_url(self, name: str, *args: Any) -> str:
        return self.base_url + reverse(f"admin:{name}", args=args)

    def as_manager(self, page: Page, url: str) -> None:
        log_in(page, self.base_url, self.manager)
        page.goto(url)

    def as_developer(self, page: Page) -> None:
        log_in(page, self.base_url, self.developer, next_path="/dashboard/")


@pytest.fixture
def portal(journey: str, manager: Any, developer: Any, monkeypatch: pytest.MonkeyPatch) -> Portal:
    return Portal(journey, manager, developer, monkeypatch)


def _send(page: Page, path: str) -> None:
    page.get_by_label("Path on").fill(path)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#result")).to_contain_text("HTTP 200")


# The pages -----------------------------------------------------------------------


def home(page: Page, portal: Portal) -> None:
    page.goto(portal.base_url + "/")


def dashboard(page: Page, portal: Portal) -> None:
    portal.as_developer(page)
    _connect(page, portal.base_url, portal.credential)
    page.goto(portal.base_url + "/dashboard/")  # a connection listed, and the connect form


def consent(page: Page, portal: Portal) -> None:
    portal.as_developer(page)
    page.goto(portal.base_url + "/dashboard/")
    page.get_by_label("Credential").select_option(str(portal.credential.pk))
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("button", name="Allow")).to_be_visible()


def consent_refused(page: Page, portal: Portal) -> None:
    portal.as_developer(page)
    page.goto(portal.base_url + "/sandbox/oauth/authorize?response_type=code&client_id=unknown")
    expect(page.get_by_role("heading", level=1)).to_contain_text("cannot be completed")


def connection_console(page: Page, portal: Portal) -> None:
    """After test calls and an introspection: result, history, chart, every exchange opened."""
    portal.as_developer(page)
    _connect(page, portal.base_url, portal.credential)
    _send(page, "/v2/employees")
    page.get_by_role("button", name="Introspect").click()
    expect(page.locator("#introspection")).to_be_visible()
    _send(page, "/v2/employees?limit=1")
    page.locator("#snippets summary").click()
    page.locator("#exchanges details").evaluate_all(
        "(items) => items.forEach((item) => { item.open = true; })"
    )


def console_parameters(page: Page, portal: Portal) -> None:
    """A picked operation's typed fields, with the IDs of the last list offered."""
    portal.as_developer(page)
    _connect(page, portal.base_url, portal.credential)
    _send(page, "/v2/employees")
    page.get_by_label("Operation", exact=True).select_option("employees.get")
    page.get_by_role("button", name="Fill the form").click()
    page.get_by_label("employeeId").fill("x")
    expect(page.locator("#path-preview")).to_contain_text("/v2/employees/x")


def console_body_warning(page: Page, portal: Portal) -> None:
    """A body checked against Pleo's documents before sending: the warning next to it."""
    portal.as_developer(page)
    _connect(page, portal.base_url, portal.credential)
    page.get_by_label("Operation", exact=True).select_option("accounts.update")
    page.get_by_role("button", name="Fill the form").click()
    page.get_by_label("accountId").fill("x")
    page.get_by_label("JSON body").fill("{}")
    page.get_by_role("button", name="Check the body against Pleo's documents").click()
    expect(page.locator("#body-warnings")).to_be_visible()


def compare(page: Page, portal: Portal) -> None:
    portal.as_developer(page)
    _connect(page, portal.base_url, portal.credential)
    _send(page, "/v2/employees?limit=1")
    _send(page, "/v2/employees?limit=2")
    for pick in page.locator('input[name="pick"]').all():
        pick.check()
    page.get_by_role("button", name="Compare the two ticked calls").click()
    expect(page.locator("#compare-body")).to_be_visible()


def manual(page: Page, portal: Portal) -> None:
    """A Pleo staging client without the portal's callback: the manual path, both steps shown."""
    credential = make_credential()
    portal.as_developer(page)
    page.goto(portal.base_url + reverse("oauthclient:manual", args=[credential.pk]))
    page.get_by_role("button", name="Create the authorize URL").click()
    expect(page.locator("#authorize-url")).to_be_visible()


def database_unavailable(page: Page, portal: Portal) -> None:
    """The 503 page: the database fails while the dashboard checks the developer's access."""
    portal.as_developer(page)

    def fails(user: Any) -> bool:
        raise OperationalError("server closed the connection unexpectedly")

    # The live server runs in this process: its requests see the failing selector.
    portal.monkeypatch.setattr(selectors, "user_may_use_dashboard", fails)
    response = page.goto(portal.base_url + "/dashboard/")
    assert response is not None
    assert response.status == 503


def printable_form(page: Page, portal: Portal) -> None:
    portal.as_manager(
        page, portal.admin_url("registrations_registration_export_form", portal.registration.pk)
    )
    expect(page.get_by_role("button", name="Print")).to_be_visible()


def _production_draft(portal: Portal) -> Registration:
    Registration.objects.filter(pk=portal.registration.pk).update(status=RegistrationStatus.ACTIVE)
    portal.registration.refresh_from_db()
    return registration_promote(registration=portal.registration)


def printable_form_with_readiness(page: Page, portal: Portal) -> None:
    production = _production_draft(portal)
    portal.as_manager(page, portal.admin_url("registrations_registration_export_form", production.pk))
    expect(page.locator("#readiness")).to_be_visible()


def printable_form_refused(page: Page, portal: Portal) -> None:
    registration = invalid_registration()
    portal.as_manager(page, portal.admin_url("registrations_registration_export_form", registration.pk))
    expect(page.locator("#problems")).to_be_visible()


def reveal_confirm(page: Page, portal: Portal) -> None:
    portal.as_manager(page, portal.admin_url("registrations_credential_reveal", portal.credential.pk))
    expect(page.get_by_role("button", name="Yes, reveal the secret")).to_be_visible()


def reveal_shown(page: Page, portal: Portal) -> None:
    reveal_confirm(page, portal)
    page.get_by_role("button", name="Yes, reveal the secret").click()
    expect(page.locator("#client-secret")).to_be_visible()


def readiness_report(page: Page, portal: Portal) -> None:
    production = _production_draft(portal)
    portal.as_manager(page, portal.admin_url("registrations_registration_readiness", production.pk))
    expect(page.locator("#readiness")).to_be_visible()


def postman_secret_confirm(page: Page, portal: Portal) -> None:
    portal.as_manager(
        page,
        portal.admin_url(
            "registrations_registration_export_postman_environment_secret", portal.registration.pk
        ),
    )
    expect(page.get_by_role("button", name="Download with the secret")).to_be_visible()


def credential_page(page: Page, portal: Portal) -> None:
    portal.as_manager(page, portal.admin_url("registrations_credential_change", portal.credential.pk))
    expect(page.get_by_role("link", name="Reveal secret…")).to_be_visible()


def credential_rotate(page: Page, portal: Portal) -> None:
    portal.as_manager(page, portal.admin_url("registrations_credential_rotate", portal.credential.pk))
    expect(page.get_by_role("button", name="Rotate")).to_be_visible()


def sandbox_credentials_issued(page: Page, portal: Portal) -> None:
    registration = make_registration(owner=portal.manager, client_name="Second Client")
    portal.as_manager(page, portal.admin_url("registrations_registration_changelist"))
    page.get_by_role("row").filter(has_text=registration.client_name).get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option("issue_sandbox_credentials")
    page.get_by_role("button", name="Go").click()
    expect(page.locator("code.sandbox-secret")).to_be_visible()


def admin_index(page: Page, portal: Portal) -> None:
    """The admin index with the partner managers' work queue."""
    portal.as_manager(page, portal.admin_url("index"))
    expect(page.locator(".work-queue")).to_be_visible()


def registration_page(page: Page, portal: Portal) -> None:
    """The registration's admin page with its credentials table."""
    portal.as_manager(page, portal.admin_url("registrations_registration_change", portal.registration.pk))
    expect(page.locator("#content")).to_contain_text(portal.credential.client_id)


PAGES: dict[str, Callable[[Page, Portal], None]] = {
    page_opener.__name__: page_opener
    for page_opener in (
        home,
        dashboard,
        consent,
        consent_refused,
        connection_console,
        console_parameters,
        console_body_warning,
        compare,
        manual,
        database_unavailable,
        printable_form,
        printable_form_with_readiness,
        printable_form_refused,
        reveal_confirm,
        reveal_shown,
        registration_page,
        readiness_report,
        postman_secret_confirm,
        credential_page,
        credential_rotate,
        sandbox_credentials_issued,
        admin_index,
    )
}


@pytest.mark.parametrize("name", PAGES)
def test_the_page_passes_axe_core(
    name: str, portal: Portal, page: Page, accessible: Callable[[Page], None]
) -> None:
    PAGES[name](page, portal)
    accessible(page)
    save_screenshot(page, f"accessible-{name}")


def test_a_violation_fails_the_test_naming_the_rule_the_element_and_the_advice(
    portal: Portal, page: Page, accessible: Callable[[Page], None]
) -> None:
    home(page, portal)
    # Light grey text on the light page: one contrast violation, on the heading.
    page.locator("h1").evaluate("(heading) => { heading.style.color = '#bbbbbb'; }")

    with pytest.raises(pytest.fail.Exception) as failed:
        accessible(page)

    report = str(failed.value)
    assert report.startswith(f"axe-core: 1 rule(s) violated on {page.url}")
    assert "- color-contrast (serious): Elements must meet minimum color contrast ratio thresholds" in report
    assert "    h1: Fix any of the following: Element has insufficient color contrast" in report
    assert "foreground color: #bbbbbb" in report


def test_the_standalone_html_export_passes_axe_core(
    portal: Portal, page: Page, accessible: Callable[[Page], None]
) -> None:
    from registrations.exports.submission_form import render_submission_form

    page.set_content(render_submission_form(portal.registration))
    accessible(page)
