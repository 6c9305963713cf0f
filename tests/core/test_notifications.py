"""core.notifications: the outbox queues an event once and sends each email once."""

from __future__ import annotations

import pytest
from django.core import mail

from core.models import Notification, NotificationStatus
from core.notifications import MAX_ATTEMPTS, notification_queue, notifications_deliver

from .email_backends import REFUSAL

pytestmark = pytest.mark.django_db

REFUSING = "tests.core.email_backends.RefusingBackend"


def _queue(
    key: str = "event:1", recipients: tuple[str, ...] = ("owner@client.example",)
) -> Notification | None:
    # Any app's templates do; the status-change email is a real one.
    from registrations.models import RegistrationStatus
    from tests.factories import make_registration

    registration = make_registration()
    return notification_queue(
        key=key,
        kind="test",
        recipients=recipients,
        template="registrations/email/status_changed",
        context={
            "registration": registration,
            "from_status": RegistrationStatus.DRAFT.label,
            "to_status": RegistrationStatus.READY.label,
            "by": "manager",
            "url": "https://portal.example/admin/",
        },
    )


def test_queue_renders_subject_text_and_html() -> None:
    notification = _queue()
    assert notification is not None
    assert notification.subject == "Example Client is now “Ready to submit”"
    assert "moved from “Draft” to “Ready to submit” (manager)" in notification.body_text
    assert "<strong>“Ready to submit”</strong>" in notification.body_html


def test_the_same_key_is_queued_once() -> None:
    first, second = _queue(), _queue()
    assert (first is not None, second, Notification.objects.count()) == (True, None, 1)


def test_nothing_is_queued_without_a_recipient() -> None:
    assert (_queue(recipients=("", "")), Notification.objects.count()) == (None, 0)


def test_recipients_are_kept_once_each_whatever_the_case() -> None:
    notification = _queue(recipients=("a@client.example", "A@client.example", "b@client.example"))
    assert notification is not None
    assert notification.recipients == ["a@client.example", "b@client.example"]


def test_delivery_sends_a_pending_email_with_both_bodies() -> None:
    _queue()
    result = notifications_deliver()
    assert result.sent == 1
    (message,) = mail.outbox
    assert (message.to, message.alternatives[0].mimetype) == (["owner@client.example"], "text/html")


def test_a_second_delivery_sends_nothing_again() -> None:
    _queue()
    notifications_deliver()
    result = notifications_deliver()
    assert (result.sent, len(mail.outbox)) == (0, 1)


def test_a_refused_email_stays_pending_with_the_reason(settings) -> None:
    settings.EMAIL_BACKEND = REFUSING
    _queue()
    result = notifications_deliver()
    notification = Notification.objects.get()
    assert [n.pk for n in result.failed] == [notification.pk]
    assert (notification.status, notification.attempts) == (NotificationStatus.PENDING, 1)
    assert REFUSAL in notification.last_error


def test_a_refused_email_is_sent_by_the_next_run(settings) -> None:
    settings.EMAIL_BACKEND = REFUSING
    _queue()
    notifications_deliver()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    result = notifications_deliver()
    assert (result.sent, len(mail.outbox), Notification.objects.get().status) == (
        1,
        1,
        NotificationStatus.SENT,
    )


def test_an_email_refused_every_time_is_given_up(settings) -> None:
    settings.EMAIL_BACKEND = REFUSING
    _queue()
    for _ in range(MAX_ATTEMPTS):
        notifications_deliver()
    assert Notification.objects.get().status == NotificationStatus.FAILED
    assert notifications_deliver().failed == []


def test_delivery_can_be_limited_to_some_keys() -> None:
    _queue(key="event:1")
    _queue(key="event:2")
    notifications_deliver(keys=["event:2"])
    assert list(
        Notification.objects.filter(status=NotificationStatus.PENDING).values_list("key", flat=True)
    ) == ["event:1"]


def test_the_outbox_is_read_only_in_admin(admin_client) -> None:
    notification = _queue()
    assert notification is not None
    assert admin_client.get("/admin/core/notification/add/").status_code == 403
    page = admin_client.get(f"/admin/core/notification/{notification.pk}/change/")
    assert (page.status_code, 'name="_save"' in page.content.decode()) == (200, False)
