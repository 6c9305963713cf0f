"""The portal and the sandbox as two servers: each answers its own URLs, the portal finds the sandbox by setting."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks

from core.servers import CredentialServer, server_endpoints
from portal import roles
from portal.management.commands.serve import server_environments

METADATA = "/sandbox/.well-known/oauth-authorization-server"
RFC8414_METADATA = "/.well-known/oauth-authorization-server/sandbox"


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        (roles.PORTAL, METADATA, 404),
        (roles.PORTAL, RFC8414_METADATA, 404),
        (roles.PORTAL, "/admin/login/", 200),
        (roles.SANDBOX, METADATA, 200),
        (roles.SANDBOX, RFC8414_METADATA, 200),
        (roles.SANDBOX, "/admin/login/", 200),
        (roles.SANDBOX, "/dashboard/", 404),
        (roles.SANDBOX, "/", 404),
        (roles.ALL, METADATA, 200),
        (roles.ALL, "/admin/login/", 200),
    ],
)
def test_each_server_answers_its_own_urls(client, db, settings, role, path, status):
    settings.PORTAL_SANDBOX_ENABLED = True
    settings.PORTAL_SERVER_ROLE = role

    assert client.get(path).status_code == status


def test_the_sandbox_profile_follows_portal_sandbox_url(settings):
    settings.PORTAL_SANDBOX_URL = "https://sandbox.portal.example/sandbox"

    endpoints = server_endpoints(CredentialServer.SANDBOX)

    assert (endpoints.issuer, endpoints.token_endpoint, endpoints.api_base_url) == (
        "https://sandbox.portal.example/sandbox",
        "https://sandbox.portal.example/sandbox/oauth/token",
        "https://sandbox.portal.example/sandbox/api",
    )


def test_without_portal_sandbox_url_the_sandbox_is_under_the_portal(settings):
    settings.PORTAL_SANDBOX_URL = ""
    settings.PORTAL_BASE_URL = "https://portal.example"

    assert server_endpoints(CredentialServer.SANDBOX).issuer == "https://portal.example/sandbox"


@pytest.mark.parametrize(
    ("setting", "value", "check_id"),
    [
        ("PORTAL_SANDBOX_URL", "sandbox.example/sandbox", "portal.E003"),
        ("PORTAL_SANDBOX_URL", "https://sandbox.example/", "portal.E003"),
        ("PORTAL_SERVER_ROLE", "both", "portal.E004"),
    ],
)
def test_a_wrong_setting_fails_the_system_checks(settings, setting, value, check_id):
    setattr(settings, setting, value)

    assert check_id in {message.id for message in run_checks()}


def test_serve_runs_the_sandbox_in_its_own_server():
    environments = server_environments({"GUNICORN_BIND": "127.0.0.1:8000", "GUNICORN_WORKERS": "5"}, True)

    assert {role: env["PORTAL_SERVER_ROLE"] for role, env in environments.items()} == {
        roles.SANDBOX: roles.SANDBOX,
        roles.PORTAL: roles.PORTAL,
    }
    assert environments[roles.PORTAL]["GUNICORN_BIND"] == "127.0.0.1:8000"
    assert environments[roles.SANDBOX]["GUNICORN_BIND"] == "127.0.0.1:8001"
    assert environments[roles.SANDBOX]["GUNICORN_WORKERS"] == "2"


def test_serve_runs_one_server_when_the_sandbox_is_off():
    environments = server_environments({"GUNICORN_BIND": "127.0.0.1:8000"}, False)

    assert [env["PORTAL_SERVER_ROLE"] for env in environments.values()] == [roles.ALL]
