"""Emails about registrations: status changes to the owner; reminder thresholds."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from core.models import Notification
from registrations.models import Registration, RegistrationStatus
from registrations.notifications import reminder_threshold
from registrations.services.credential import credential_record
from registrations.services.registration import (
    registration_mark_ready,
    registration_submit,
)
from tests.factories import PLEO_CLIENT_SECRET, make_credential, make_registration, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner() -> Any:
    return make_user(email="owner@partner.example")


@pytest.fixture
def owned(owner: Any) -> Registration:
    return make_registration(owner=owner)


def test_a_status_change_is_emailed_to_the_owner_once_it_commits(
    owned: Registration, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        registration_mark_ready(registration=owned, by=make_user(username="manager2"))
    (message,) = mail.outbox
    assert (message.to, message.subject) == (
        ["owner@partner.example"],
        "Example Client is now “Ready to submit”",
    )
    assert "moved from “Draft” to “Ready to submit” (manager2)" in message.body


def test_the_owner_is_not_emailed_about_their_own_change(owned: Registration, owner: Any) -> None:
    registration_mark_ready(registration=owned, by=owner)
    assert Notification.objects.count() == 0


def test_each_status_change_is_its_own_email(owned: Registration) -> None:
    manager = make_user()
    registration_mark_ready(registration=owned, by=manager)
    registration_submit(registration=owned, by=manager)
    assert Notification.objects.count() == 2


def test_no_secret_reaches_a_status_email(owned: Registration) -> None:
    manager = make_user()
    registration_mark_ready(registration=owned, by=manager)
    registration_submit(registration=owned, by=manager)
    credential_record(
        registration=owned,
        server="pleo_staging",
        client_id="12a3b456-78c9-0d12-34e5-f678ab9bcd0e",
        client_secret=PLEO_CLIENT_SECRET,
    )
    # Recording the credential moves the registration on (a third status email).
    bodies = [text for n in Notification.objects.all() for text in (n.subject, n.body_text, n.body_html)]
    assert len(bodies) == 9
    assert not [body for body in bodies if PLEO_CLIENT_SECRET in body]


@pytest.mark.parametrize(
    ("days_left", "threshold"),
    [(7, None), (4, None), (3, 3), (2, 3), (1, 1), (0, 1), (-1, None)],
)
def test_a_reminder_is_due_for_the_smallest_configured_day_count_still_ahead(
    settings: Any, days_left: int, threshold: int | None
) -> None:
    settings.PORTAL_REMINDER_DAYS = [1, 3]
    assert reminder_threshold(days_left) == threshold


def test_registration_status_is_the_label_in_the_email(owned: Registration) -> None:
    registration_mark_ready(registration=owned, by=make_user())
    assert RegistrationStatus.READY.label in Notification.objects.get().subject


# Retrieval reminders and overdue notices (send_reminders) --------------------------------


def _shared(registration: Registration, *, days_ago: int) -> Registration:
    Registration.objects.filter(pk=registration.pk).update(
        status=RegistrationStatus.SUBMITTED,
        credentials_shared_on=timezone.localdate() - timedelta(days=days_ago),
    )
    registration.refresh_from_db()
    return registration


@pytest.fixture
def reminder_settings(settings: Any) -> Any:
    settings.PORTAL_CREDENTIAL_RETRIEVAL_DAYS = 7
    settings.PORTAL_REMINDER_DAYS = [1, 3]
    settings.PORTAL_MANAGER_EMAILS = ["managers@portal.example"]
    return settings


def test_the_reminder_job_run_twice_sends_one_email(owned: Registration, reminder_settings: Any) -> None:
    _shared(owned, days_ago=5)  # deadline in 2 days: the 3-day reminder
    call_command("send_reminders", stdout=io.StringIO())
    call_command("send_reminders", stdout=io.StringIO())
    (message,) = mail.outbox
    assert message.to == ["owner@partner.example", "managers@portal.example"]
    assert message.subject.startswith("Retrieve the credentials of Example Client by ")
    assert "2 days left" in message.body


def test_the_next_threshold_sends_the_next_reminder(owned: Registration, reminder_settings: Any) -> None:
    _shared(owned, days_ago=5)
    call_command("send_reminders", stdout=io.StringIO())
    _shared(owned, days_ago=6)  # a day later: the 1-day reminder
    call_command("send_reminders", stdout=io.StringIO())
    assert ["1 day left" in message.body for message in mail.outbox] == [False, True]


def test_an_overdue_registration_gets_one_overdue_notice(owned: Registration, reminder_settings: Any) -> None:
    _shared(owned, days_ago=8)
    for _ in range(2):
        call_command("send_reminders", stdout=io.StringIO())
    (message,) = mail.outbox
    assert message.subject.startswith("Overdue: the credentials of Example Client were due by ")


def test_no_reminder_once_the_credentials_are_retrieved(owned: Registration, reminder_settings: Any) -> None:
    _shared(owned, days_ago=5)
    make_credential(registration=owned)
    mail.outbox.clear()
    call_command("send_reminders", stdout=io.StringIO())
    assert [m.subject for m in mail.outbox if m.subject.startswith("Retrieve")] == []


def test_no_reminder_before_the_first_threshold(owned: Registration, reminder_settings: Any) -> None:
    _shared(owned, days_ago=1)  # 6 days left
    call_command("send_reminders", stdout=io.StringIO())
    assert mail.outbox == []


def test_the_job_exits_1_listing_the_emails_it_could_not_send(
    owned: Registration, reminder_settings: Any
) -> None:
    _shared(owned, days_ago=5)
    reminder_settings.EMAIL_BACKEND = "tests.core.email_backends.RefusingBackend"
    with pytest.raises(CommandError) as exc_info:
        call_command("send_reminders", stdout=io.StringIO())
    lines = str(exc_info.value).splitlines()
    assert exc_info.value.returncode == 1
    assert lines[0] == "Queued 1 reminder(s); sent 0 email(s), 1 failed."
    assert lines[1].startswith("  - Retrieve the credentials of Example Client by ")
