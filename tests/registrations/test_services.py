"""registrations.services.registration: create, update and the status workflow."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from registrations import validators as v
from registrations.models import Registration, RegistrationStatus, Scope
from registrations.services import registration as services
from tests.factories import make_registration, make_user, registration_data

pytestmark = pytest.mark.django_db
Status = RegistrationStatus


def _create(**overrides: Any) -> Registration:
    return services.registration_create(**registration_data(**overrides))


def _with_status(status: str) -> Registration:
    registration = make_registration()
    Registration.objects.filter(pk=registration.pk).update(status=status)
    registration.refresh_from_db()
    return registration


def test_create_saves_a_draft() -> None:
    registration = _create()
    assert Registration.objects.get(pk=registration.pk).status == Status.DRAFT


def test_create_stores_redirect_uris_exactly_as_entered_in_order() -> None:
    uris = ["https://b.example/cb/", "https://a.example/CB", "https://a.example/cb"]
    registration = _create(redirect_uris=uris)
    assert Registration.objects.get(pk=registration.pk).redirect_uris == uris


def test_create_refuses_an_invalid_registration_with_errors_by_field() -> None:
    with pytest.raises(ValidationError) as exc_info:
        _create(redirect_uris=["https://app.example/#x"], client_uri="")
    assert exc_info.value.message_dict == {
        "client_uri": [v.REQUIRED],
        "redirect_uris": [f"Redirect URI 1 “https://app.example/#x” {v.REDIRECT_URI_FRAGMENT}"],
    }


# Production redirect URIs of a web client that reach this machine in a disguise: each is
# refused when the registration is checked and when it is created.
PRODUCTION_WEB_LOOPBACK_DISGUISES = [
    pytest.param("https://0x7f000001/cb", v.REDIRECT_URI_IP_FORM, id="hex-ipv4"),
    pytest.param("https://[::ffff:127.0.0.1]/cb", v.REDIRECT_URI_LOOPBACK_PRODUCTION_WEB, id="ipv4-mapped"),
    pytest.param("https://localhost./cb", v.REDIRECT_URI_LOCALHOST_PRODUCTION, id="localhost-trailing-dot"),
]


@pytest.mark.parametrize(("uri", "message"), PRODUCTION_WEB_LOOPBACK_DISGUISES)
def test_check_refuses_a_disguised_loopback_redirect_uri_in_production(uri: str, message: str) -> None:
    check = services.registration_check(
        data=registration_data(environment="production", application_type="web", redirect_uris=[uri])
    )
    assert check.report.errors == {"redirect_uris": [f"Redirect URI 1 “{uri}” {message}"]}


@pytest.mark.parametrize(("uri", "message"), PRODUCTION_WEB_LOOPBACK_DISGUISES)
def test_create_refuses_a_disguised_loopback_redirect_uri_in_production(uri: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc_info:
        _create(environment="production", application_type="web", redirect_uris=[uri])
    assert exc_info.value.message_dict == {"redirect_uris": [f"Redirect URI 1 “{uri}” {message}"]}
    assert not Registration.objects.exists()


CLIENT_NAME_REFUSED = [
    pytest.param("", v.REQUIRED, id="empty"),
    pytest.param("Example\x07Client", v.CLIENT_NAME_CONTROL, id="control-character"),
    pytest.param("a" * (v.MAX_CLIENT_NAME_LENGTH + 1), v.CLIENT_NAME_TOO_LONG, id="too-long"),
]


@pytest.mark.parametrize(("name", "message"), CLIENT_NAME_REFUSED)
def test_create_judges_the_client_name(name: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc_info:
        _create(client_name=name)
    assert exc_info.value.message_dict == {"client_name": [message]}


def test_create_saves_nothing_when_invalid() -> None:
    with pytest.raises(ValidationError):
        _create(contacts=[])
    assert not Registration.objects.exists()


def test_create_records_owner_and_history_user() -> None:
    user = make_user()
    registration = _create(owner=user, created_by=user)
    assert (registration.owner, registration.history.get().history_user) == (user, user)


def test_update_changes_fields_and_records_history() -> None:
    registration = make_registration()
    services.registration_update(registration=registration, data={"client_name": "Renamed"})
    assert [h.client_name for h in registration.history.all()] == ["Renamed", "Example Client"]


def test_update_without_changes_writes_no_history() -> None:
    registration = make_registration()
    services.registration_update(registration=registration, data={"client_name": registration.client_name})
    assert registration.history.count() == 1


def test_update_refuses_invalid_data() -> None:
    registration = make_registration()
    with pytest.raises(ValidationError) as exc_info:
        services.registration_update(
            registration=registration, data={"environment": "production", "scope": "x:y"}
        )
    assert exc_info.value.message_dict == {"scope": [v.SCOPE_NOT_IN_CATALOG_ERROR.format(token="x:y")]}


def test_update_refuses_fields_that_are_not_editable() -> None:
    with pytest.raises(ValueError, match="status"):
        services.registration_update(registration=make_registration(), data={"status": Status.ACTIVE})


# --- transitions ------------------------------------------------------------------------

ALLOWED = [
    pytest.param(current, target, id=f"{current}-to-{target}")
    for current, targets in services.TRANSITIONS.items()
    for target in sorted(targets)
]
REFUSED = [
    pytest.param(current, target, id=f"{current}-to-{target}")
    for current in Status.values
    for target in Status.values
    if target not in services.TRANSITIONS[current]
]


@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_allowed_transition_moves_the_registration(current: str, target: str) -> None:
    registration = _with_status(current)
    services.registration_transition(registration=registration, to_status=target)
    assert Registration.objects.get(pk=registration.pk).status == target


@pytest.mark.parametrize(("current", "target"), REFUSED)
def test_refused_transition_raises_on_status_and_changes_nothing(current: str, target: str) -> None:
    registration = _with_status(current)
    with pytest.raises(ValidationError) as exc_info:
        services.registration_transition(registration=registration, to_status=target)
    assert (list(exc_info.value.message_dict), Registration.objects.get(pk=registration.pk).status) == (
        ["status"],
        current,
    )


def test_refused_transition_message_lists_what_is_allowed() -> None:
    with pytest.raises(ValidationError) as exc_info:
        services.registration_activate(registration=_with_status(Status.DRAFT))
    assert exc_info.value.messages == [
        services.TRANSITION_NOT_ALLOWED.format(
            current="Draft", target="Active", allowed="“Ready to submit”, “Archived”"
        )
    ]


@pytest.mark.parametrize("end", [Status.REVOKED, Status.ARCHIVED])
def test_revoked_and_archived_are_ends(end: str) -> None:
    with pytest.raises(ValidationError) as exc_info:
        services.registration_reopen(registration=_with_status(end))
    assert exc_info.value.messages == [services.TRANSITION_FROM_END.format(current=Status(end).label)]


def test_only_a_valid_registration_becomes_ready() -> None:
    registration = make_registration(environment="production")
    Scope.objects.filter(name="users:write").update(in_production=False)  # the catalog changed
    with pytest.raises(ValidationError) as exc_info:
        services.registration_mark_ready(registration=registration)
    assert exc_info.value.message_dict == {
        NON_FIELD_ERRORS: [services.READY_NEEDS_VALID],
        "scope": [v.SCOPE_NOT_IN_CATALOG_ERROR.format(token="users:write")],
    }


def test_submit_revalidates() -> None:
    registration = _with_status(Status.READY)
    Registration.objects.filter(pk=registration.pk).update(client_uri="client.example")
    registration.refresh_from_db()
    with pytest.raises(ValidationError) as exc_info:
        services.registration_submit(registration=registration)
    assert exc_info.value.message_dict[NON_FIELD_ERRORS] == [services.SUBMIT_NEEDS_VALID]


def test_submit_records_when() -> None:
    registration = services.registration_submit(registration=_with_status(Status.READY))
    assert Registration.objects.get(pk=registration.pk).submitted_at == registration.submitted_at is not None


def test_transition_reads_the_current_status_from_the_database() -> None:
    registration = make_registration()
    stale = Registration.objects.get(pk=registration.pk)
    services.registration_archive(registration=registration)
    with pytest.raises(ValidationError):
        services.registration_mark_ready(registration=stale)


def test_transition_records_who_in_history() -> None:
    user = make_user()
    registration = services.registration_mark_ready(registration=make_registration(), by=user)
    assert registration.history.first().history_user == user


def test_the_full_happy_path() -> None:
    registration = make_registration()
    for step in (
        services.registration_mark_ready,
        services.registration_submit,
        services.registration_mark_credentials_received,
        services.registration_activate,
        services.registration_revoke,
    ):
        step(registration=registration)
    assert [h.status for h in registration.history.order_by("history_date", "history_id")] == [
        Status.DRAFT,
        Status.READY,
        Status.SUBMITTED,
        Status.CREDENTIALS_RECEIVED,
        Status.ACTIVE,
        Status.REVOKED,
    ]
