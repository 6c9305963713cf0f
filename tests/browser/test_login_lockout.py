"""In a real browser: after too many failed logins the login form answers the lockout page,
which says what happened and until when, and passes axe-core like every portal page."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from portal.views import LOCKED_OUT_TITLE

from .conftest import PASSWORD, save_screenshot


def test_the_lockout_page_follows_the_right_password_after_the_limit(
    journey: str, manager: Any, page: Page, settings: Any, accessible: Any
) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    page.goto(f"{journey}/admin/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        page.get_by_label("Username").fill(manager.get_username())
        page.get_by_label("Password").fill("a-wrong-password")
        page.get_by_role("button", name="Log in").click()
        expect(page.locator(".errornote")).to_be_visible()
    page.get_by_label("Username").fill(manager.get_username())
    page.get_by_label("Password").fill("a-wrong-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("refused until")).to_be_visible()

    page.goto(f"{journey}/admin/login/")
    page.get_by_label("Username").fill(manager.get_username())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_title(f"{LOCKED_OUT_TITLE} | Partner Registration Portal")
    expect(page.get_by_role("link", name="Back to the login page")).to_be_visible()
    save_screenshot(page, "login-locked-out")
    accessible(page)
