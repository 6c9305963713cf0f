"""Issuing sandbox credentials for a registration: the command, the admin action, rotation."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.urls import reverse
from oauth2_provider.models import Application
from requests_oauthlib import OAuth2Session

from oauthclient.selectors import dashboard_callback_url
from registrations.models import CredentialServer, CredentialStatus, RegistrationStatus, SecretDisclosure
from registrations.services.credential import REVEAL_FORBIDDEN
from sandbox.admin import ISSUE_FORBIDDEN
from sandbox.credentials import credential_issue_sandbox
from sandbox.management.commands.issue_sandbox_credentials import USER_REQUIRED
from tests.factories import PARTNER_MANAGERS, make_group_member, make_registration, make_user

from .conftest import TIMEOUT, consent

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:registrations_registration_changelist"
MANAGER_ADDRESS = "203.0.113.9"


@pytest.fixture
def manager():
    return make_group_member(PARTNER_MANAGERS, username="manager")


def _issue_by_command(registration, *args: str) -> str:
    out = StringIO()
    call_command("issue_sandbox_credentials", str(registration.pk), *args, stdout=out)
    return out.getvalue()


def _issue_by_action(client, registration, **extra):
    return client.post(
        reverse(CHANGELIST),
        {"action": "issue_sandbox_credentials", "_selected_action": [registration.pk]},
        **extra,
    )


def _sandbox_credential(registration):
    return registration.credentials.get(server=CredentialServer.SANDBOX, status=CredentialStatus.ACTIVE)


def test_command_records_a_sandbox_credential(example_registration, manager):
    _issue_by_command(example_registration, "--user", "manager")

    credential = _sandbox_credential(example_registration)
    assert Application.objects.filter(client_id=credential.client_id).exists()


def test_command_prints_the_secret_once_with_a_warning(example_registration, manager):
    output = _issue_by_command(example_registration, "--user", "manager")

    secret = _sandbox_credential(example_registration).client_secret
    assert output.count(secret) == 1
    assert "will not be shown again" in output


def test_command_records_the_issuing_user(example_registration, manager):
    _issue_by_command(example_registration, "--user", "manager")

    assert _sandbox_credential(example_registration).recorded_by.username == "manager"


def test_command_audits_the_printed_secret_as_a_disclosure(example_registration, manager):
    _issue_by_command(example_registration, "--user", "manager")

    disclosure = SecretDisclosure.objects.get()
    assert (disclosure.credential, disclosure.user, disclosure.kind, disclosure.remote_addr) == (
        _sandbox_credential(example_registration),
        manager,
        SecretDisclosure.Kind.ISSUE,
        None,
    )


def test_command_without_a_user_issues_nothing(example_registration):
    with pytest.raises(CommandError, match=USER_REQUIRED):
        _issue_by_command(example_registration)

    assert not example_registration.credentials.exists()


def test_command_for_a_user_who_may_not_reveal_secrets_issues_nothing(example_registration):
    make_user(username="clerk", is_staff=True)

    with pytest.raises(CommandError, match=REVEAL_FORBIDDEN):
        _issue_by_command(example_registration, "--user", "clerk")

    assert not example_registration.credentials.exists()
    assert not Application.objects.exists()
    assert not SecretDisclosure.objects.exists()


def test_command_rejects_an_unknown_registration():
    with pytest.raises(CommandError, match="no registration"):
        call_command("issue_sandbox_credentials", "999999", stdout=StringIO())


def test_sandbox_client_accepts_the_dashboard_callback(example_registration):
    credential, _secret = credential_issue_sandbox(registration=example_registration, issued_by=None)

    redirect_uris = Application.objects.get(client_id=credential.client_id).redirect_uris.split()

    assert redirect_uris == [*example_registration.redirect_uris, dashboard_callback_url()]


def test_reissue_supersedes_the_previous_credential(example_registration):
    first, _ = credential_issue_sandbox(registration=example_registration, issued_by=None)

    second, _ = credential_issue_sandbox(registration=example_registration, issued_by=None)

    first.refresh_from_db()
    assert first.status == CredentialStatus.SUPERSEDED
    assert second.status == CredentialStatus.ACTIVE
    assert second.client_id != first.client_id


def test_reissue_removes_the_previous_sandbox_client(example_registration):
    first, _ = credential_issue_sandbox(registration=example_registration, issued_by=None)

    credential_issue_sandbox(registration=example_registration, issued_by=None)

    assert not Application.objects.filter(client_id=first.client_id).exists()


def test_archived_registration_is_refused(manager):
    registration = make_registration(status=RegistrationStatus.ARCHIVED)

    with pytest.raises(CommandError, match="archived"):
        _issue_by_command(registration, "--user", "manager")


def test_admin_action_shows_the_secret_once_on_an_uncached_page(client, example_registration):
    client.force_login(make_user(is_staff=True, is_superuser=True))

    response = client.post(
        reverse(CHANGELIST),
        {"action": "issue_sandbox_credentials", "_selected_action": [example_registration.pk]},
    )

    assert response.status_code == 200
    assert _sandbox_credential(example_registration).client_secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_admin_action_audits_each_shown_secret_with_user_and_address(client, example_registration, manager):
    client.force_login(manager)

    _issue_by_action(client, example_registration, REMOTE_ADDR=MANAGER_ADDRESS)

    disclosure = SecretDisclosure.objects.get()
    assert (disclosure.credential, disclosure.user, disclosure.kind, disclosure.remote_addr) == (
        _sandbox_credential(example_registration),
        manager,
        SecretDisclosure.Kind.ISSUE,
        MANAGER_ADDRESS,
    )


def test_admin_action_needs_the_reveal_permission(client, example_registration):
    user = make_user(is_staff=True)
    for codename in ("view_registration", "change_registration", "change_credential"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)

    response = _issue_by_action(client, example_registration, follow=True)

    assert ISSUE_FORBIDDEN in response.content.decode()
    assert not example_registration.credentials.exists()
    assert not SecretDisclosure.objects.exists()


def test_admin_action_needs_the_change_credential_permission(client, example_registration):
    user = make_user(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_registration"))
    user.user_permissions.add(Permission.objects.get(codename="change_registration"))
    client.force_login(user)

    response = client.post(
        reverse(CHANGELIST),
        {"action": "issue_sandbox_credentials", "_selected_action": [example_registration.pk]},
        follow=True,
    )

    assert ISSUE_FORBIDDEN in response.content.decode()
    assert not example_registration.credentials.exists()


@pytest.mark.django_db(transaction=True)
def test_issued_credentials_connect_through_the_dashboard_callback(sandbox, user_session):
    registration = make_registration()
    credential, secret = credential_issue_sandbox(registration=registration, issued_by=None)
    session = OAuth2Session(
        credential.client_id, redirect_uri=dashboard_callback_url(), scope=["users:read"], pkce="S256"
    )
    url, _state = session.authorization_url(sandbox.authorize_url)
    location = consent(user_session, url)

    token = session.fetch_token(
        sandbox.token_url, authorization_response=location, client_secret=secret, timeout=TIMEOUT
    )

    assert token["scope"] == ["users:read"]
