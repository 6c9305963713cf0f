"""Export views and changelist actions in admin (registrations.admin.exports)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client
from django.urls import reverse

from registrations import exports
from registrations.admin.exports import CONFIRM_REQUIRED
from registrations.exports import postman, submission_form
from registrations.metadata import registration_to_client_metadata
from registrations.models import Registration, SecretDisclosure
from registrations.services.credential import NO_CREDENTIAL_FOR_SECRET
from registrations.validators import REDIRECT_URI_FRAGMENT
from tests.factories import make_registration

from .exports_support import PLEO_CLIENT_SECRET, invalid_registration, record_credential, user_with_perms

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:registrations_registration_changelist"


def url(name: str, registration: Registration) -> str:
    return reverse(f"admin:registrations_registration_{name}", args=[registration.pk])


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.fixture
def example(example_registration: Registration) -> Registration:
    record_credential(example_registration)
    example_registration.refresh_from_db()
    return example_registration


@pytest.fixture
def viewer() -> Client:
    """Staff who may view registrations and credentials, but not reveal secrets."""
    return client_for(user_with_perms("view_registration", "view_credential"))


@pytest.fixture
def revealer():
    return user_with_perms("view_registration", "view_credential", "reveal_credential_secret")


# --- the printable form --------------------------------------------------------------


def test_printable_form_shows_every_parameter_and_value(admin_client, example_registration):
    response = admin_client.get(url("export_form", example_registration))
    html = body(response)
    assert response.status_code == 200
    for group in submission_form.submission_form(example_registration):
        for row in group.rows:
            assert f">{row.parameter}</th>" in html
            for value in row.values:
                assert f">{value}</span>" in html


def test_printable_form_has_a_copy_button_per_value(admin_client):
    registration = make_registration(
        redirect_uris=[postman.POSTMAN_WEB_CALLBACK, postman.POSTMAN_DESKTOP_CALLBACK]
    )
    html = body(admin_client.get(url("export_form", registration)))
    assert 'data-copy-target="value-redirect_uris-1"' in html
    assert 'data-copy-target="value-redirect_uris-2"' in html
    assert 'id="value-redirect_uris-2">https://oauth.pstmn.io/v1/callback</span>' in html


def test_printable_form_shows_environment_and_status(admin_client, example_registration):
    html = body(admin_client.get(url("export_form", example_registration)))
    assert '<strong class="environment">Staging</strong>' in html
    assert '<strong class="status">Draft</strong>' in html


def test_printable_form_extends_the_portal_page_with_the_print_stylesheet(admin_client, example_registration):
    html = body(admin_client.get(url("export_form", example_registration)))
    assert "/static/portal/portal.css" in html
    assert "/static/registrations/exports.css" in html


def test_printable_form_of_an_invalid_registration_lists_what_to_fix_instead(admin_client):
    registration = invalid_registration()
    response = admin_client.get(url("export_form", registration))
    html = body(response)
    assert response.status_code == 409
    assert exports.NOT_FINAL in html
    assert "<strong>Client URI</strong>" in html
    assert REDIRECT_URI_FRAGMENT in html
    assert "data-copy-target" not in html


def test_printable_form_needs_the_view_permission(example_registration):
    response = client_for(user_with_perms()).get(url("export_form", example_registration))
    assert response.status_code == 403


def test_printable_form_of_a_missing_registration_is_404(admin_client, db):
    response = admin_client.get(reverse("admin:registrations_registration_export_form", args=[999999]))
    assert response.status_code == 404


def test_export_views_need_a_staff_login(client, example_registration):
    response = client.get(url("export_form", example_registration))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


# --- change page links ----------------------------------------------------------------


def test_change_page_links_to_every_export(admin_client, example_registration):
    html = body(admin_client.get(url("change", example_registration)))
    for name in (
        "export_form",
        "export_markdown",
        "export_json",
        "export_postman_collection",
        "export_postman_environment",
    ):
        assert f'href="{url(name, example_registration)}"' in html


def test_change_page_offers_the_secret_option_to_a_revealer(revealer, example):
    html = body(client_for(revealer).get(url("change", example)))
    assert url("export_postman_environment_secret", example) in html


def test_change_page_hides_the_secret_option_from_others(viewer, example):
    html = body(viewer.get(url("change", example)))
    assert url("export_postman_environment", example) in html
    assert url("export_postman_environment_secret", example) not in html


# --- Markdown, JSON and Postman downloads ------------------------------------------------


def test_markdown_is_shown_as_plain_text(admin_client, example_registration):
    response = admin_client.get(url("export_markdown", example_registration))
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert body(response) == submission_form.registration_markdown(example_registration)


def test_markdown_download_is_a_markdown_attachment(admin_client, example_registration):
    response = admin_client.get(url("export_markdown", example_registration), {"download": "1"})
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")


def test_markdown_of_an_invalid_registration_is_refused(admin_client):
    response = admin_client.get(url("export_markdown", invalid_registration()))
    assert response.status_code == 409
    assert REDIRECT_URI_FRAGMENT in body(response)


def test_json_download_is_the_command_line_document(admin_client, example_registration):
    response = admin_client.get(url("export_json", example_registration))
    assert response["Content-Disposition"] == (
        f'attachment; filename="registration-{example_registration.pk}-client-metadata.json"'
    )
    assert (
        body(response) == json.dumps(registration_to_client_metadata(example_registration), indent=2) + "\n"
    )


def test_postman_collection_download(viewer, example):
    collection = json.loads(body(viewer.get(url("export_postman_collection", example))))
    assert collection["auth"]["type"] == "oauth2"


def test_postman_environment_download_has_an_empty_secret(admin_client, example):
    text = body(admin_client.get(url("export_postman_environment", example)))
    values = {v["key"]: v for v in json.loads(text)["values"]}
    assert values["clientSecret"] == {"key": "clientSecret", "value": "", "type": "secret", "enabled": True}
    assert PLEO_CLIENT_SECRET not in text


def test_no_download_contains_the_secret(admin_client, example):
    names = (
        "export_form",
        "export_markdown",
        "export_json",
        "export_postman_collection",
        "export_postman_environment",
    )
    texts = [body(admin_client.get(url(name, example))) for name in names]
    assert not [text for text in texts if PLEO_CLIENT_SECRET in text]
    assert not SecretDisclosure.objects.exists()


# --- the environment with the secret -------------------------------------------------------


def test_secret_page_asks_for_confirmation(revealer, example):
    response = client_for(revealer).get(url("export_postman_environment_secret", example))
    html = body(response)
    assert response.status_code == 200
    assert 'name="confirm"' in html
    assert PLEO_CLIENT_SECRET not in html
    assert not SecretDisclosure.objects.exists()


def test_secret_page_is_forbidden_without_the_reveal_permission(viewer, example):
    assert viewer.get(url("export_postman_environment_secret", example)).status_code == 403


def test_secret_post_is_forbidden_without_the_reveal_permission(viewer, example):
    response = viewer.post(url("export_postman_environment_secret", example), {"confirm": "yes"})
    assert response.status_code == 403
    assert PLEO_CLIENT_SECRET not in body(response)
    assert not SecretDisclosure.objects.exists()


def test_secret_post_without_confirmation_asks_again(revealer, example):
    response = client_for(revealer).post(url("export_postman_environment_secret", example), {})
    assert CONFIRM_REQUIRED in body(response)
    assert not SecretDisclosure.objects.exists()


def test_secret_post_needs_a_csrf_token(revealer, example):
    client = Client(enforce_csrf_checks=True)
    client.force_login(revealer)
    response = client.post(url("export_postman_environment_secret", example), {"confirm": "yes"})
    assert response.status_code == 403
    assert not SecretDisclosure.objects.exists()


def test_confirmed_secret_post_downloads_the_secret_and_audits(revealer, example):
    response = client_for(revealer).post(
        url("export_postman_environment_secret", example), {"confirm": "yes"}, REMOTE_ADDR="127.0.0.1"
    )
    values = {v["key"]: v for v in json.loads(body(response))["values"]}
    assert values["clientSecret"]["value"] == PLEO_CLIENT_SECRET
    assert "no-store" in response["Cache-Control"]
    disclosure = SecretDisclosure.objects.get()
    assert (disclosure.user, disclosure.kind, disclosure.remote_addr) == (
        revealer,
        SecretDisclosure.Kind.POSTMAN_EXPORT,
        "127.0.0.1",
    )


def test_secret_page_without_a_credential_says_so(revealer, example_registration):
    response = client_for(revealer).post(
        url("export_postman_environment_secret", example_registration), {"confirm": "yes"}
    )
    assert NO_CREDENTIAL_FOR_SECRET in body(response)
    assert not SecretDisclosure.objects.exists()


def test_secret_get_with_query_parameters_never_discloses(revealer, example):
    # The secret needs a POST: a GET (prefetch, link preview) cannot trigger it.
    response = client_for(revealer).get(url("export_postman_environment_secret", example), {"confirm": "yes"})
    assert PLEO_CLIENT_SECRET not in body(response)
    assert not SecretDisclosure.objects.exists()


# --- changelist actions ----------------------------------------------------------------------


def run_action(client: Client, action: str, registrations: list[Registration]):
    return client.post(
        reverse(CHANGELIST), {"action": action, "_selected_action": [r.pk for r in registrations]}
    )


def test_csv_action_streams_the_selected_registrations(viewer):
    selected = [make_registration(client_name=f"Client {n}") for n in range(3)]
    make_registration(client_name="Not selected")
    response = run_action(viewer, "export_selected_csv", selected)
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="registrations-')
    rows = list(csv.DictReader(io.StringIO(body(response), newline="")))
    assert [row["client_name"] for row in rows] == ["Client 0", "Client 1", "Client 2"]


def test_json_action_streams_one_array_of_client_metadata(viewer):
    selected = [make_registration(client_name=f"Client {n}") for n in range(2)]
    response = run_action(viewer, "export_selected_json", selected)
    assert response.streaming
    assert json.loads(body(response)) == [registration_to_client_metadata(r) for r in selected]


def test_export_actions_are_offered_to_viewers(viewer, example_registration):
    html = body(viewer.get(reverse(CHANGELIST)))
    assert 'value="export_selected_csv"' in html
    assert 'value="export_selected_json"' in html
