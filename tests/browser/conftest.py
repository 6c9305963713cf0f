"""Playwright on Debian's Chromium (/usr/bin/chromium) against the live server.

Playwright's own browser download does not work on these machines. In CI
(CI=true) a missing browser fails the run; it is never a skip.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-results" / "screenshots"
# axe-core, pinned in package.json / package-lock.json and installed by `npm ci`.
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make around it are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install it with `apt-get install -y chromium` "
            "(.ci/run does this in CI)."
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


# Content-Security-Policy: every page of every browser test runs under the policy,
# and any violation (reported by the page or on the console) fails the test.
POLICY_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportPolicyViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


@pytest.fixture
def policy_violations(context: Any) -> list[str]:
    """Every CSP violation on any page of the test's browser context, as it happens."""
    violations: list[str] = []

    def reported(source: dict[str, Any], text: str) -> None:
        violations.append(f"{source['page'].url}: {text}")

    def console(message: Any) -> None:
        if "Content Security Policy" in message.text:
            violations.append(f"console: {message.text}")

    context.expose_binding("reportPolicyViolation", reported)
    context.add_init_script(POLICY_LISTENER)
    context.on("console", console)
    return violations


@pytest.fixture(autouse=True)
def no_policy_violations(context: Any, policy_violations: list[str]) -> Iterator[None]:
    yield
    for open_page in context.pages:
        open_page.wait_for_timeout(100)  # deliver reports still on their way
    if policy_violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(policy_violations))


@pytest.fixture
def screenshot(request: pytest.FixtureRequest, page: Any) -> Iterator[None]:
    """Saves the last page of the test as an artifact under test-results/screenshots/."""
    yield
    save_screenshot(page, request.node.name)


def save_screenshot(page: Any, name: str, *, part: Any = None) -> None:
    """A screenshot artifact under test-results/screenshots/ (also for steps mid-test).

    `part` (a locator) narrows it to one element: docs/screenshots wants small images
    of what matters, not a long admin page.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = str(ARTIFACTS / f"{name}.png")
    if part is None:
        page.screenshot(path=path, full_page=True)
    else:
        part.screenshot(path=path)


# Accessibility: axe-core's default rules (WCAG 2.0-2.2 A and AA, and its best
# practices) on the page as it is now. The script is evaluated over the DevTools
# protocol, which the page's Content-Security-Policy does not govern, so the policy
# stays as strict as in production (a <script> tag with the source inline would be
# refused). `preload: false`: axe would otherwise copy @import-ed stylesheets (admin's
# forms.css) into inline <style> elements, which the policy refuses and reports; the
# only rule that needs them, css-orientation-lock, has nothing to find here.
AXE_RUN = """async () => {
  const results = await window.axe.run(document, {preload: false, resultTypes: ["violations"]});
  return results.violations.map((rule) => ({
    id: rule.id,
    impact: rule.impact,
    help: rule.help,
    helpUrl: rule.helpUrl,
    nodes: rule.nodes.map((node) => ({target: node.target, summary: node.failureSummary})),
  }));
}"""


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (the script is loaded once a page)."""
    if not AXE_SCRIPT.exists():
        pytest.fail(f"axe-core is missing at {AXE_SCRIPT}: run `npm ci` (make test does).")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    violations: list[dict[str, Any]] = page.evaluate(AXE_RUN)
    return violations


def describe_violations(url: str, violations: list[dict[str, Any]]) -> str:
    """One block a rule: id, impact, help and link, then each element's selector and axe's advice."""
    lines = [f"axe-core: {len(violations)} rule(s) violated on {url}"]
    for rule in violations:
        lines.append(f"- {rule['id']} ({rule['impact']}): {rule['help']} <{rule['helpUrl']}>")
        for node in rule["nodes"]:
            target = " ".join(
                json.dumps(part) if not isinstance(part, str) else part for part in node["target"]
            )
            advice = " ".join((node["summary"] or "").split())
            lines.append(f"    {target}: {advice}")
    return "\n".join(lines)


@pytest.fixture
def accessible() -> Callable[[Any], None]:
    """Call it with the page: fails the test on any axe-core violation, listing each."""

    def check(page: Any) -> None:
        violations = axe_violations(page)
        if violations:
            pytest.fail(describe_violations(page.url, violations), pytrace=False)

    return check


# The journey's people and data --------------------------------------------------
# The scope catalog and the groups come from data migrations, put back after every
# flush (tests/migrated_data.py).


@pytest.fixture
def journey(live_server: Any, settings: Any) -> str:
    """The live server with the sandbox on, at the URL the browser uses; returns that URL."""
    settings.PORTAL_BASE_URL = live_server.url
    settings.PORTAL_SANDBOX_ENABLED = True
    return str(live_server.url)


def make_member(username: str, group: str) -> Any:
    from django.contrib.auth.models import Group

    from tests.factories import make_user

    # Staff: the admin login form admits staff only (as load_demo_data makes them).
    user = make_user(username=username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def manager(transactional_db: Any) -> Any:
    return make_member("manager", "Partner managers")


@pytest.fixture
def developer(transactional_db: Any) -> Any:
    return make_member("developer", "Developers")


PASSWORD = "pw-for-browser-tests"


def log_in(page: Any, base_url: str, user: Any, *, next_path: str = "/admin/") -> None:
    """Log in through the admin login form, as a person does."""
    page.goto(f"{base_url}/admin/login/?next={next_path}")
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{next_path}")
