import pytest


@pytest.mark.django_db(transaction=True)
def test_home_page_sends_managers_to_admin(live_server, page, screenshot):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Open the admin").click()
    page.wait_for_url("**/admin/login/**")
    assert page.get_by_label("Username").is_visible()
