"""The login form (the admin's, the portal's only one) is throttled per username and client
address by django-axes: after PORTAL_LOGIN_FAILURE_LIMIT failures even the right password is
refused with the lockout page, until PORTAL_LOGIN_COOLOFF_MINUTES have passed."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.utils.dateformat import format as date_format

from portal.views import LOCKED_OUT_STATUS, LOCKED_OUT_TITLE
from tests.factories import make_user

LOGIN_URL = "/admin/login/"
PASSWORD = "the-right-password"
CLIENT_ADDRESS = "198.51.100.7"


@pytest.fixture
def staff(db):
    return make_user(username="manager", password=PASSWORD, is_staff=True)


def log_in(username: str, password: str, **request: str):
    """One POST to the login form from a fresh browser; REMOTE_ADDR is CLIENT_ADDRESS unless given."""
    request.setdefault("REMOTE_ADDR", CLIENT_ADDRESS)
    return Client().post(LOGIN_URL, {"username": username, "password": password}, **request)


def fail(username: str, times: int, **request: str) -> None:
    for _ in range(times):
        log_in(username, "a-wrong-password", **request)


def logged_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


def test_after_the_limit_the_right_password_is_refused_with_the_lockout_page(settings, staff):
    fail("manager", settings.AXES_FAILURE_LIMIT)

    response = log_in("manager", PASSWORD)

    assert response.status_code == LOCKED_OUT_STATUS
    assert LOCKED_OUT_TITLE in response.content.decode()
    assert "_auth_user_id" not in response.client.session


def test_the_failure_that_reaches_the_limit_gets_the_lockout_page(settings, staff):
    fail("manager", settings.AXES_FAILURE_LIMIT - 1)

    assert log_in("manager", "a-wrong-password").status_code == LOCKED_OUT_STATUS


def test_one_failure_fewer_than_the_limit_still_lets_the_right_password_in(settings, staff):
    fail("manager", settings.AXES_FAILURE_LIMIT - 1)

    assert logged_in(log_in("manager", PASSWORD))


def test_the_limit_comes_from_the_settings(settings, staff):
    settings.AXES_FAILURE_LIMIT = 2
    fail("manager", 2)

    assert log_in("manager", PASSWORD).status_code == LOCKED_OUT_STATUS


def test_the_lockout_page_says_until_when(settings, staff):
    fail("manager", settings.AXES_FAILURE_LIMIT)

    response = log_in("manager", PASSWORD)

    latest = AccessAttempt.objects.get(username="manager").attempt_time
    until = latest + settings.AXES_COOLOFF_TIME
    assert response.context["try_again_at"] == until
    assert f"until {date_format(until, 'H:i')} UTC" in response.content.decode()


def test_the_same_username_from_another_address_still_logs_in(settings, staff):
    fail("manager", settings.AXES_FAILURE_LIMIT)

    assert logged_in(log_in("manager", PASSWORD, REMOTE_ADDR="203.0.113.9"))


def test_another_username_from_the_same_address_still_logs_in(settings, staff):
    make_user(username="developer", password=PASSWORD, is_staff=True)
    fail("manager", settings.AXES_FAILURE_LIMIT)

    assert logged_in(log_in("developer", PASSWORD))


def test_after_the_cool_off_the_right_password_logs_in_again(settings, staff):
    fail("manager", settings.AXES_FAILURE_LIMIT)
    # As if the cool-off had passed since the last failure.
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )

    assert logged_in(log_in("manager", PASSWORD))


def test_an_attempt_during_the_lockout_starts_the_cool_off_again(settings, staff):
    fail("manager", settings.AXES_FAILURE_LIMIT)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME / 2)
    assert log_in("manager", PASSWORD).status_code == LOCKED_OUT_STATUS
    # Half a cool-off after the first lock, but only that after the last attempt.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME / 2)

    assert log_in("manager", PASSWORD).status_code == LOCKED_OUT_STATUS


def test_the_failures_are_kept_in_the_database_every_app_server_shares(settings, staff):
    fail("manager", settings.AXES_FAILURE_LIMIT)

    attempt = AccessAttempt.objects.get(username="manager", ip_address=CLIENT_ADDRESS)
    assert attempt.failures_since_start == settings.AXES_FAILURE_LIMIT


def test_clients_behind_a_trusted_proxy_are_told_apart_by_their_forwarded_address(settings, staff):
    settings.PORTAL_TRUSTED_PROXIES = ["10.0.0.1"]
    fail("manager", settings.AXES_FAILURE_LIMIT, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=CLIENT_ADDRESS)

    other_client = log_in("manager", PASSWORD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert logged_in(other_client)
    assert AccessAttempt.objects.get(username="manager").ip_address == CLIENT_ADDRESS


def test_a_forwarded_address_from_an_untrusted_client_does_not_escape_the_lock(settings, staff):
    for hop in range(settings.AXES_FAILURE_LIMIT):
        fail("manager", 1, HTTP_X_FORWARDED_FOR=f"203.0.113.{hop}")

    response = log_in("manager", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.200")

    assert response.status_code == LOCKED_OUT_STATUS


def test_a_successful_login_clears_the_failures_before_it(settings, staff):
    fail("manager", settings.AXES_FAILURE_LIMIT - 1)
    assert logged_in(log_in("manager", PASSWORD))
    fail("manager", settings.AXES_FAILURE_LIMIT - 1)

    assert logged_in(log_in("manager", PASSWORD))


def test_an_operator_lifts_the_lock_with_axes_reset_username(settings, staff):
    fail("manager", settings.AXES_FAILURE_LIMIT)

    call_command("axes_reset_username", "manager", stdout=StringIO())

    assert logged_in(log_in("manager", PASSWORD))
