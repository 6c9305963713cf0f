"""Credentials in admin: record, mask, reveal (audited), rotate, revoke."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.views.debug import SafeExceptionReporterFilter

from core.text import TEXT_HOLDS_NUL
from registrations.admin.credentials import NOTHING_TO_REVOKE, REVOKED, ROTATED
from registrations.fingerprints import FINGERPRINT_PREFIX
from registrations.models import Credential, CredentialServer, CredentialStatus, SecretDisclosure
from registrations.services.credential import ROTATE_UNCHANGED
from registrations.validators.credentials import CLIENT_ID_NOT_UUID, CLIENT_SECRET_TOO_SHORT
from tests.factories import (
    DEVELOPERS,
    PARTNER_MANAGERS,
    PLEO_CLIENT_ID,
    PLEO_CLIENT_SECRET,
    make_credential,
    make_group_member,
    make_registration,
)

pytestmark = pytest.mark.django_db

NEW_SECRET = "fedcba9876543210fedcba98765432"
MANAGER_ADDRESS = "203.0.113.7"


def url(name: str, *args: Any) -> str:
    return reverse(f"admin:registrations_{name}", args=args)


def raw_secret(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_secret FROM registrations_credential WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def record_form(registration: Any, **overrides: str) -> dict[str, Any]:
    return {
        "registration": registration.pk,
        "server": CredentialServer.PLEO_STAGING,
        "client_id": PLEO_CLIENT_ID,
        "client_secret": PLEO_CLIENT_SECRET,
        "token_endpoint_auth_method": "client_secret_basic",
        "received_note": "1Password, 2026-11-28",
        **overrides,
    }


@pytest.fixture
def manager() -> Any:
    return make_group_member(PARTNER_MANAGERS)


@pytest.fixture
def manager_client(client: Client, manager: Any) -> Client:
    client.force_login(manager)
    return client


@pytest.fixture
def developer_client(client: Client) -> Client:
    client.force_login(make_group_member(DEVELOPERS))
    return client


@pytest.fixture
def credential() -> Credential:
    return make_credential()


# Recording -----------------------------------------------------------------------


def test_record_through_admin_stores_the_secret_encrypted(manager_client):
    registration = make_registration()
    response = manager_client.post(url("credential_add"), record_form(registration))
    assert response.status_code == 302
    credential = Credential.objects.get()
    assert PLEO_CLIENT_SECRET not in raw_secret(credential.pk)
    assert credential.client_secret == PLEO_CLIENT_SECRET


def test_record_through_admin_notes_who_recorded_it(manager_client, manager):
    manager_client.post(url("credential_add"), record_form(make_registration()))
    assert Credential.objects.get().recorded_by == manager


def test_record_form_asks_for_the_secret_in_a_password_field(manager_client):
    content = manager_client.get(url("credential_add")).content.decode()
    assert 'type="password" name="client_secret"' in content


def test_record_form_with_errors_never_re_renders_the_secret(manager_client):
    response = manager_client.post(url("credential_add"), record_form(make_registration(), client_id="nope"))
    assert CLIENT_ID_NOT_UUID in response.content.decode()
    assert PLEO_CLIENT_SECRET not in response.content.decode()


def test_record_form_refuses_a_short_secret_next_to_its_field(manager_client):
    response = manager_client.post(
        url("credential_add"), record_form(make_registration(), client_secret="a1b2c3d4e5f6")
    )
    assert response.context["adminform"].form.errors == {"client_secret": [CLIENT_SECRET_TOO_SHORT]}
    assert not Credential.objects.exists()


@pytest.mark.parametrize("field", ["client_id", "client_secret", "received_note"])
def test_record_form_refuses_a_nul_on_its_field_with_the_storable_text_rule(manager_client, field):
    form = record_form(make_registration())
    response = manager_client.post(url("credential_add"), {**form, field: form[field] + "\x00"})
    assert response.context["adminform"].form.errors == {field: [TEXT_HOLDS_NUL]}
    assert not Credential.objects.exists()


def test_record_request_marks_the_secret_as_sensitive(manager_client):
    response = manager_client.post(url("credential_add"), record_form(make_registration()))
    cleansed = SafeExceptionReporterFilter().get_post_parameters(response.wsgi_request)
    assert cleansed["client_secret"] == SafeExceptionReporterFilter.cleansed_substitute


# Masking ---------------------------------------------------------------------------


def test_changelist_shows_the_fingerprint_not_the_secret(manager_client, credential):
    content = manager_client.get(url("credential_changelist")).content.decode()
    assert credential.secret_fingerprint in content
    assert PLEO_CLIENT_SECRET not in content


def test_change_page_shows_the_fingerprint_not_the_secret(manager_client, credential):
    content = manager_client.get(url("credential_change", credential.pk)).content.decode()
    assert credential.secret_fingerprint in content
    assert PLEO_CLIENT_SECRET not in content


def test_editing_a_credential_cannot_change_its_secret(manager_client, credential):
    before = raw_secret(credential.pk)
    response = manager_client.post(
        url("credential_change", credential.pk),
        {
            "token_endpoint_auth_method": "client_secret_post",
            "received_note": "1Password, corrected",
            "client_secret": NEW_SECRET,
        },
    )
    assert response.status_code == 302
    assert raw_secret(credential.pk) == before
    assert Credential.objects.get(pk=credential.pk).received_note == "1Password, corrected"


def test_registration_page_lists_credentials_by_fingerprint(manager_client, credential):
    content = manager_client.get(url("registration_change", credential.registration_id)).content.decode()
    assert credential.secret_fingerprint in content
    assert PLEO_CLIENT_SECRET not in content


def test_registration_page_costs_the_same_queries_for_one_or_ten_credentials(manager_client):
    registration = make_registration()
    make_credential(registration=registration)
    page = url("registration_change", registration.pk)
    manager_client.get(page)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as one:
        manager_client.get(page)
    for index in range(9):
        make_credential(registration=registration, client_secret=f"{index:030d}")
    with CaptureQueriesContext(connection) as ten:
        response = manager_client.get(page)
    assert response.content.decode().count(FINGERPRINT_PREFIX) == 10
    assert len(ten) == len(one)


# Reveal ---------------------------------------------------------------------------------


def test_reveal_page_asks_for_confirmation_without_showing_the_secret(manager_client, credential):
    response = manager_client.get(url("credential_reveal", credential.pk))
    assert response.status_code == 200
    assert PLEO_CLIENT_SECRET not in response.content.decode()
    assert not SecretDisclosure.objects.exists()


def test_confirmed_reveal_shows_the_secret_with_a_copy_button(manager_client, credential):
    content = manager_client.post(url("credential_reveal", credential.pk)).content.decode()
    assert f'id="client-secret" value="{PLEO_CLIENT_SECRET}"' in content
    assert 'data-copy-target="client-secret"' in content


def test_revealed_secret_is_never_stored_by_caches(manager_client, credential):
    response = manager_client.post(url("credential_reveal", credential.pk))
    assert "no-store" in response["Cache-Control"]


def test_manager_reveal_creates_an_audit_record_with_user_and_address(manager_client, manager, credential):
    manager_client.post(url("credential_reveal", credential.pk), REMOTE_ADDR=MANAGER_ADDRESS)
    disclosure = SecretDisclosure.objects.get()
    assert (disclosure.credential, disclosure.user, disclosure.kind, disclosure.remote_addr) == (
        credential,
        manager,
        SecretDisclosure.Kind.REVEAL,
        MANAGER_ADDRESS,
    )


def test_reveal_needs_the_csrf_token(credential):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_group_member(PARTNER_MANAGERS))
    response = client.post(url("credential_reveal", credential.pk))
    assert response.status_code == 403
    assert not SecretDisclosure.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_developer_gets_403_on_reveal(developer_client, credential, method):
    response = getattr(developer_client, method)(url("credential_reveal", credential.pk))
    assert response.status_code == 403
    assert not SecretDisclosure.objects.exists()


def test_developer_sees_no_secret_anywhere_in_admin(developer_client, credential):
    rotated = make_credential(registration=credential.registration, client_secret=NEW_SECRET)
    pages = [
        reverse("admin:index"),
        url("credential_changelist"),
        url("credential_change", credential.pk),
        url("credential_change", rotated.pk),
        url("credential_history", credential.pk),
        url("registration_changelist"),
        url("registration_change", credential.registration_id),
        url("registration_history", credential.registration_id),
    ]
    for page in pages:
        response = developer_client.get(page)
        assert response.status_code == 200, page
        content = response.content.decode()
        assert PLEO_CLIENT_SECRET not in content, page
        assert NEW_SECRET not in content, page
        assert raw_secret(credential.pk) not in content, page


def test_manager_change_page_links_to_reveal_and_rotate(manager_client, credential):
    content = manager_client.get(url("credential_change", credential.pk)).content.decode()
    assert url("credential_reveal", credential.pk) in content
    assert url("credential_rotate", credential.pk) in content


def test_developer_change_page_offers_no_reveal_link(developer_client, credential):
    content = developer_client.get(url("credential_change", credential.pk)).content.decode()
    assert url("credential_reveal", credential.pk) not in content


# Audit records -------------------------------------------------------------------------------


@pytest.fixture
def disclosure(credential) -> SecretDisclosure:
    return SecretDisclosure.objects.create(
        credential=credential, user=make_group_member(PARTNER_MANAGERS), remote_addr=MANAGER_ADDRESS
    )


def test_manager_reads_audit_records(manager_client, disclosure):
    content = manager_client.get(url("secretdisclosure_changelist")).content.decode()
    assert MANAGER_ADDRESS in content


def test_audit_list_filters_by_kind(manager_client, disclosure):
    response = manager_client.get(url("secretdisclosure_changelist"), {"kind": "postman_export"})
    assert MANAGER_ADDRESS not in response.content.decode()


def test_developer_cannot_read_audit_records(developer_client, disclosure):
    assert developer_client.get(url("secretdisclosure_changelist")).status_code == 403


def test_audit_records_cannot_be_added(manager_client):
    assert manager_client.get(url("secretdisclosure_add")).status_code == 403


def test_audit_records_cannot_be_changed(manager_client, disclosure):
    response = manager_client.post(
        url("secretdisclosure_change", disclosure.pk), {"remote_addr": "198.51.100.1"}
    )
    assert response.status_code == 403
    assert SecretDisclosure.objects.get().remote_addr == MANAGER_ADDRESS


def test_audit_records_cannot_be_deleted(manager_client, disclosure):
    assert (
        manager_client.post(url("secretdisclosure_delete", disclosure.pk), {"post": "yes"}).status_code == 403
    )
    assert SecretDisclosure.objects.exists()


def test_credentials_cannot_be_deleted(manager_client, credential):
    assert manager_client.post(url("credential_delete", credential.pk), {"post": "yes"}).status_code == 403


# Rotate and revoke ------------------------------------------------------------------------------


def rotate_form(**overrides: str) -> dict[str, str]:
    return {
        "client_id": "",
        "client_secret": NEW_SECRET,
        "token_endpoint_auth_method": "client_secret_basic",
        "received_note": "1Password, 2026-12-01",
        **overrides,
    }


def test_rotate_page_records_a_new_credential_and_supersedes_the_old(manager_client, credential):
    response = manager_client.post(url("credential_rotate", credential.pk), rotate_form(), follow=True)
    new = Credential.objects.get(status=CredentialStatus.ACTIVE)
    credential.refresh_from_db()
    assert (credential.status, new.client_secret) == (CredentialStatus.SUPERSEDED, NEW_SECRET)
    assert ROTATED in response.content.decode()


def test_rotate_page_with_errors_never_re_renders_the_secret(manager_client, credential):
    response = manager_client.post(
        url("credential_rotate", credential.pk), rotate_form(client_secret=PLEO_CLIENT_SECRET)
    )
    content = response.content.decode()
    assert ROTATE_UNCHANGED in content
    assert PLEO_CLIENT_SECRET not in content


def test_rotate_page_refuses_a_short_secret_next_to_its_field(manager_client, credential):
    response = manager_client.post(
        url("credential_rotate", credential.pk), rotate_form(client_secret="a1b2c3d4e5f6")
    )
    assert response.context["form"].errors == {"client_secret": [CLIENT_SECRET_TOO_SHORT]}
    assert Credential.objects.get().status == CredentialStatus.ACTIVE


@pytest.mark.parametrize("field", ["client_secret", "received_note"])
def test_rotate_page_refuses_a_nul_on_its_field_with_the_storable_text_rule(
    manager_client, credential, field
):
    form = rotate_form()
    response = manager_client.post(
        url("credential_rotate", credential.pk), {**form, field: form[field] + "\x00"}
    )
    assert response.context["form"].errors == {field: [TEXT_HOLDS_NUL]}


def test_rotate_action_leads_to_the_rotate_page(manager_client, credential):
    response = manager_client.post(
        url("credential_changelist"), {"action": "rotate_selected", "_selected_action": [credential.pk]}
    )
    assert response["Location"] == url("credential_rotate", credential.pk)


def test_revoke_action_revokes_through_the_service(manager_client, credential):
    response = manager_client.post(
        url("credential_changelist"),
        {"action": "revoke_selected", "_selected_action": [credential.pk]},
        follow=True,
    )
    assert Credential.objects.get(pk=credential.pk).status == CredentialStatus.REVOKED
    assert REVOKED.format(count=1) in response.content.decode()


def test_revoke_action_on_revoked_credentials_says_so(manager_client, credential):
    data = {"action": "revoke_selected", "_selected_action": [credential.pk]}
    manager_client.post(url("credential_changelist"), data)
    response = manager_client.post(url("credential_changelist"), data, follow=True)
    assert NOTHING_TO_REVOKE in response.content.decode()


def test_developer_cannot_rotate(developer_client, credential):
    assert developer_client.post(url("credential_rotate", credential.pk), rotate_form()).status_code == 403


# Logs -------------------------------------------------------------------------------------------


def test_a_full_record_and_reveal_run_logs_no_secret(client, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("django", "django.request", "django.db.backends", "registrations"):
        caplog.set_level(logging.DEBUG, logger=name)
    registration = make_registration()
    manager = make_group_member(PARTNER_MANAGERS)
    developer = make_group_member(DEVELOPERS)
    # Every SQL statement is logged at DEBUG while queries are captured.
    with CaptureQueriesContext(connection):
        client.force_login(manager)
        client.post(url("credential_add"), record_form(registration, client_id="bad"))
        client.post(url("credential_add"), record_form(registration))
        credential = Credential.objects.get()
        client.get(url("credential_change", credential.pk))
        client.get(url("credential_reveal", credential.pk))
        revealed = client.post(url("credential_reveal", credential.pk), REMOTE_ADDR=MANAGER_ADDRESS)
        client.post(url("credential_rotate", credential.pk), rotate_form())
        client.force_login(developer)
        denied = client.post(url("credential_reveal", credential.pk))
    assert (PLEO_CLIENT_SECRET in revealed.content.decode(), denied.status_code) == (True, 403)
    assert "INSERT INTO" in caplog.text  # the capture did see the SQL
    assert "Forbidden" in caplog.text  # and django.request
    for secret in (PLEO_CLIENT_SECRET, NEW_SECRET):
        assert secret not in caplog.text
        assert not [record for record in caplog.records if secret in repr(record.__dict__)]
