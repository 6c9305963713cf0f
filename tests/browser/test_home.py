import pytest


@pytest.mark.django_db(transaction=True)
def test_home_page_sends_managers_to_admin(live_server, page, screenshot):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Open the admin").click()
    page.wait_for_url("**/admin/login/**")
    assert page.get_by_label("Username").is_visible()


@pytest.mark.django_db(transaction=True)
def test_an_inline_script_is_refused_and_reported(live_server, page, policy_violations):
    page.goto(live_server.url + "/")
    page.evaluate(
        """() => {
        const script = document.createElement("script");
        script.textContent = "document.body.dataset.inline = 'ran'";
        document.body.appendChild(script);
    }"""
    )
    page.wait_for_timeout(100)
    assert page.evaluate("document.body.dataset.inline") is None
    assert any("script-src" in violation for violation in policy_violations), policy_violations
    policy_violations.clear()  # seen and expected: this test is about the guard itself
