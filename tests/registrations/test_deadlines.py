"""Pleo's calendar: the share date (service and admin), the retrieval deadline and days
left, what "credentials retrieved" means, and the admin's deadline column and filters."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registrations import deadlines
from registrations.admin import deadlines as admin_deadlines
from registrations.models import Credential, Registration, RegistrationStatus
from registrations.services.deadlines import registration_record_credentials_shared
from registrations.services.registration import (
    registration_archive,
    registration_mark_ready,
    registration_submit,
)
from tests.factories import make_credential, make_registration, make_user
from tests.registrations.test_admin import _form_data

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:registrations_registration_changelist")
TODAY = date(2026, 11, 28)


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> date:
    """A fixed today for the calendar (the database's dates are set explicitly)."""
    monkeypatch.setattr(
        timezone, "localdate", lambda value=None, timezone=None: value.date() if value else TODAY
    )
    return TODAY


def _submitted(
    name: str = "Example Client", *, submitted_on: date = TODAY - timedelta(days=20), **data: Any
) -> Registration:
    registration = make_registration(client_name=name, **data)
    registration_mark_ready(registration=registration)
    registration_submit(registration=registration)
    moment = timezone.make_aware(datetime.combine(submitted_on, datetime.min.time()).replace(hour=9))
    Registration.objects.filter(pk=registration.pk).update(submitted_at=moment)
    registration.submitted_at = moment
    return registration


def _shared(name: str, shared_on: date, **data: Any) -> Registration:
    registration = _submitted(name, **data)
    return registration_record_credentials_shared(registration=registration, shared_on=shared_on)


def _record(registration: Registration, *, server: str = "pleo_staging", on: date) -> Credential:
    credential = make_credential(registration=registration, server=server)
    moment = timezone.make_aware(datetime.combine(on, datetime.min.time()).replace(hour=12))
    Credential.objects.filter(pk=credential.pk).update(recorded_at=moment)
    return credential


# --- the service ---------------------------------------------------------------------


@pytest.mark.usefixtures("today")
def test_the_share_date_is_recorded_with_who_recorded_it() -> None:
    manager = make_user()
    registration = registration_record_credentials_shared(
        registration=_submitted(), shared_on=TODAY - timedelta(days=1), by=manager
    )
    registration.refresh_from_db()
    assert registration.credentials_shared_on == TODAY - timedelta(days=1)
    assert registration.history.first().history_user == manager


@pytest.mark.usefixtures("today")
@pytest.mark.parametrize(
    ("prepare", "shared_on", "message"),
    [
        (lambda: make_registration(), TODAY, deadlines.SHARED_NOT_SUBMITTED),
        (lambda: _submitted(), TODAY + timedelta(days=1), deadlines.SHARED_IN_FUTURE),
        (
            lambda: _submitted(submitted_on=TODAY - timedelta(days=3)),
            TODAY - timedelta(days=4),
            deadlines.SHARED_BEFORE_SUBMISSION.format(date=(TODAY - timedelta(days=3)).isoformat()),
        ),
        (
            lambda: registration_archive(registration=_submitted()),
            TODAY,
            deadlines.SHARED_CLOSED.format(status="archived"),
        ),
    ],
    ids=["draft", "future", "before-submission", "archived"],
)
def test_a_share_date_that_breaks_a_rule_is_refused_on_its_field(
    prepare: Any, shared_on: date, message: str
) -> None:
    registration = prepare()
    with pytest.raises(ValidationError) as refused:
        registration_record_credentials_shared(registration=registration, shared_on=shared_on)
    assert refused.value.message_dict == {"credentials_shared_on": [message]}
    registration.refresh_from_db()
    assert registration.credentials_shared_on is None


@pytest.mark.usefixtures("today")
def test_a_mistaken_share_date_can_be_cleared() -> None:
    registration = _shared("Example Client", TODAY)
    registration_record_credentials_shared(registration=registration, shared_on=None)
    registration.refresh_from_db()
    assert registration.credentials_shared_on is None


# --- deadline and retrieval ------------------------------------------------------------


@pytest.mark.usefixtures("today")
@pytest.mark.parametrize(("days_ago", "days_left", "overdue"), [(0, 7, False), (7, 0, False), (8, -1, True)])
def test_the_deadline_is_the_share_date_plus_the_retrieval_days(
    days_ago: int, days_left: int, overdue: bool
) -> None:
    state = deadlines.retrieval_state(_shared("Example Client", TODAY - timedelta(days=days_ago)))
    assert state is not None
    assert (state.deadline, state.days_left, state.overdue) == (
        TODAY - timedelta(days=days_ago) + timedelta(days=7),
        days_left,
        overdue,
    )


@pytest.mark.usefixtures("today")
def test_the_retrieval_days_are_a_setting(settings: Any) -> None:
    settings.PORTAL_CREDENTIAL_RETRIEVAL_DAYS = 3
    state = deadlines.retrieval_state(_shared("Example Client", TODAY))
    assert state is not None
    assert state.deadline == TODAY + timedelta(days=3)


@pytest.mark.usefixtures("today")
@pytest.mark.parametrize(
    ("environment", "server", "recorded_days_after_share", "retrieved"),
    [
        ("staging", "pleo_staging", 0, True),
        ("staging", "pleo_staging", 2, True),
        ("staging", "pleo_staging", -1, False),  # recorded before Pleo shared the new ones
        ("staging", "sandbox", 1, False),
        ("staging", "pleo_production", 1, False),
        ("production", "pleo_production", 1, True),
    ],
)
def test_credentials_count_as_retrieved_when_the_pleo_server_of_the_environment_issued_them_after_the_share(
    environment: str, server: str, recorded_days_after_share: int, retrieved: bool
) -> None:
    shared_on = TODAY - timedelta(days=3)
    data = {"redirect_uris": ["https://client.example/callback"]} if environment == "production" else {}
    registration = _shared("Example Client", shared_on, environment=environment, **data)
    _record(registration, server=server, on=shared_on + timedelta(days=recorded_days_after_share))
    state = deadlines.retrieval_state(Registration.objects.get(pk=registration.pk))
    annotated = deadlines.with_retrieval_state(Registration.objects.filter(pk=registration.pk)).get()
    assert state is not None
    assert (state.retrieved, getattr(annotated, deadlines.RETRIEVED)) == (retrieved, retrieved)


# --- admin: column and filters ----------------------------------------------------------


def _calendar(today: date) -> dict[str, Registration]:
    """One registration in each state of the calendar."""
    draft = make_registration(client_name="Draft")
    awaiting = _submitted("Awaiting Pleo")
    due = _shared("Due in 3 days", today - timedelta(days=4))
    overdue = _shared("Overdue", today - timedelta(days=9))
    retrieved = _shared("Retrieved", today - timedelta(days=9))
    _record(retrieved, on=today - timedelta(days=8))
    return {r.client_name: r for r in (draft, awaiting, due, overdue, retrieved)}


def _listed(response: Any) -> list[str]:
    return sorted(registration.client_name for registration in response.context["cl"].result_list)


@pytest.mark.parametrize(
    ("value", "names"),
    [
        (admin_deadlines.AWAITING_PLEO, ["Awaiting Pleo"]),
        (admin_deadlines.TO_RETRIEVE, ["Due in 3 days", "Overdue"]),
        (admin_deadlines.OVERDUE, ["Overdue"]),
    ],
)
def test_the_calendar_filters(admin_client: Client, today: date, value: str, names: list[str]) -> None:
    _calendar(today)
    response = admin_client.get(CHANGELIST, {admin_deadlines.PleoCalendarFilter.parameter_name: value})
    assert _listed(response) == names


def test_the_list_shows_the_deadline_and_days_left_and_marks_overdue_rows(
    admin_client: Client, today: date
) -> None:
    _calendar(today)
    html = admin_client.get(CHANGELIST).content.decode()
    due = (today + timedelta(days=3)).isoformat()
    late = (today - timedelta(days=2)).isoformat()
    assert (
        f'<span class="retrieval retrieval-pending">{due} · {admin_deadlines.DAYS_LEFT.format(days=3)}</span>'
        in html
    )
    assert (
        f'<span class="retrieval retrieval-overdue">{late} · {admin_deadlines.OVERDUE_BY.format(days=2)}</span>'
        in html
    )
    assert f'<span class="retrieval retrieval-done">{late} · {admin_deadlines.RETRIEVED_LABEL}</span>' in html
    assert html.count("retrieval-overdue") == 1


def test_the_change_page_shows_the_deadline(admin_client: Client, today: date) -> None:
    registration = _calendar(today)["Due in 3 days"]
    html = admin_client.get(
        reverse("admin:registrations_registration_change", args=[registration.pk])
    ).content.decode()
    assert f"{(today + timedelta(days=3)).isoformat()} · {admin_deadlines.DAYS_LEFT.format(days=3)}" in html


def _post_change(client: Client, registration: Registration, **overrides: Any) -> Any:
    url = reverse("admin:registrations_registration_change", args=[registration.pk])
    return client.post(url, _form_data(client.get(url), **overrides))


def test_a_manager_records_the_share_date_on_the_change_page(admin_client: Client, today: date) -> None:
    registration = _submitted()
    response = _post_change(
        admin_client, registration, credentials_shared_on=(today - timedelta(days=1)).isoformat()
    )
    registration.refresh_from_db()
    assert (response.status_code, registration.credentials_shared_on) == (302, today - timedelta(days=1))
    assert registration.status == RegistrationStatus.SUBMITTED


def test_a_share_date_the_rules_refuse_is_shown_next_to_the_field(admin_client: Client, today: date) -> None:
    registration = make_registration()
    response = _post_change(admin_client, registration, credentials_shared_on=today.isoformat())
    assert response.context["adminform"].form.errors == {
        "credentials_shared_on": [deadlines.SHARED_NOT_SUBMITTED]
    }
    registration.refresh_from_db()
    assert registration.credentials_shared_on is None
