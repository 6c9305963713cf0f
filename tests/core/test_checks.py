import pytest
from django.core.checks import run_checks

from core.checks import (
    BASE_URL_NOT_HTTPS,
    LOGIN_THROTTLE_INVALID,
    TRUSTED_PROXIES_INVALID,
    check_encryption_keys,
    check_login_throttle,
    check_portal_base_url_is_https,
    check_trusted_proxies,
)
from core.encryption import KEYS_INVALID, KEYS_MISSING


def test_check_passes_with_valid_keys():
    assert check_encryption_keys(None) == []


def test_check_fails_without_keys(settings):
    settings.PORTAL_ENCRYPTION_KEYS = []
    [error] = check_encryption_keys(None)
    assert (error.id, error.msg) == ("portal.E001", KEYS_MISSING)


def test_check_fails_with_a_malformed_key(settings):
    settings.PORTAL_ENCRYPTION_KEYS = ["not-a-key"]
    [error] = check_encryption_keys(None)
    assert error.msg == KEYS_INVALID.format(position=1)


def test_deploy_check_flags_an_http_base_url(settings):
    settings.PORTAL_BASE_URL = "http://portal.example.com"
    [warning] = check_portal_base_url_is_https(None)
    assert (warning.id, warning.msg) == ("portal.W001", BASE_URL_NOT_HTTPS)


@pytest.mark.parametrize("url", ["https://portal.example.com", "https://127.0.0.1:8443"])
def test_deploy_check_passes_an_https_base_url(settings, url):
    settings.PORTAL_BASE_URL = url
    assert check_portal_base_url_is_https(None) == []


def test_check_refuses_a_trusted_proxy_that_is_no_address(settings):
    settings.PORTAL_TRUSTED_PROXIES = ["10.0.0.0/8", "proxy.internal"]
    [error] = check_trusted_proxies(None)
    assert (error.id, error.msg) == (
        "portal.E005",
        TRUSTED_PROXIES_INVALID.format(error="'proxy.internal' is not an IP address or CIDR block"),
    )


def test_check_passes_addresses_and_cidr_blocks_as_trusted_proxies(settings):
    settings.PORTAL_TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"]
    assert check_trusted_proxies(None) == []


def test_the_trusted_proxies_check_runs_with_the_system_checks(settings):
    settings.PORTAL_TRUSTED_PROXIES = ["not-an-address"]
    assert "portal.E005" in {message.id for message in run_checks()}


@pytest.mark.parametrize("name", ["PORTAL_LOGIN_FAILURE_LIMIT", "PORTAL_LOGIN_COOLOFF_MINUTES"])
def test_check_refuses_a_login_throttle_setting_below_one(settings, name):
    setattr(settings, name, 0)
    [error] = check_login_throttle(None)
    assert (error.id, error.msg) == ("portal.E006", LOGIN_THROTTLE_INVALID.format(name=name, value=0))


def test_check_passes_the_default_login_throttle():
    assert check_login_throttle(None) == []
