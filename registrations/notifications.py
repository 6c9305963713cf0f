"""The emails about registrations: status changes to the owner; retrieval reminders and
overdue notices to the owner and the partner managers (`PORTAL_MANAGER_EMAILS`).

Each is queued in the outbox (core.notifications) under a key naming its event, so
it is sent once however often `send_reminders` runs. The bodies carry names, dates
and links to the portal, never a credential.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from django.conf import settings
from django.urls import reverse

from core.models import Notification
from core.notifications import deliver_after_commit, notification_queue
from core.servers import portal_url

from . import deadlines
from .models import Registration, RegistrationStatus

KIND_STATUS = "registration_status"
KIND_REMINDER = "retrieval_reminder"
KIND_OVERDUE = "retrieval_overdue"


def registration_url(registration: Registration) -> str:
    return portal_url(reverse("admin:registrations_registration_change", args=[registration.pk]))


def _owner_email(registration: Registration) -> str:
    owner = registration.owner
    return owner.email if owner is not None and owner.is_active else ""


def status_change_queue(
    *, registration: Registration, from_status: str, by: Any = None
) -> Notification | None:
    """Tell the owner that the registration's status changed (not when they changed it themselves)."""
    owner = registration.owner
    if owner is None or (by is not None and getattr(by, "pk", None) == owner.pk):
        return None
    notification = notification_queue(
        key=f"registration:{registration.pk}:status:{registration.updated_at.isoformat()}:{registration.status}",
        kind=KIND_STATUS,
        recipients=[_owner_email(registration)],
        template="registrations/email/status_changed",
        context={
            "registration": registration,
            "from_status": RegistrationStatus(from_status).label,
            "to_status": registration.get_status_display(),
            "by": by.get_username() if by is not None else "",
            "url": registration_url(registration),
        },
    )
    deliver_after_commit(notification)
    return notification


def _deadline_recipients(registration: Registration) -> list[str]:
    return [_owner_email(registration), *settings.PORTAL_MANAGER_EMAILS]


def reminder_threshold(days_left: int) -> int | None:
    """The reminder a deadline `days_left` away is due for: the smallest configured day count
    that is still at least `days_left` (a job that missed a day still sends one reminder)."""
    due = [day for day in settings.PORTAL_REMINDER_DAYS if day >= days_left]
    return min(due) if due and days_left >= 0 else None


def retrieval_reminder_queue(
    *, registration: Registration, shared_on: date, deadline: date, today: date
) -> Notification | None:
    days_left = (deadline - today).days
    context = {
        "registration": registration,
        "shared_on": shared_on,
        "deadline": deadline,
        "days_left": days_left,
        "url": registration_url(registration),
    }
    if days_left < 0:
        event, kind = "overdue", KIND_OVERDUE
    else:
        threshold = reminder_threshold(days_left)
        if threshold is None:
            return None
        event, kind = f"reminder:{threshold}", KIND_REMINDER
    return notification_queue(
        key=f"registration:{registration.pk}:{shared_on.isoformat()}:{event}",
        kind=kind,
        recipients=_deadline_recipients(registration),
        template=f"registrations/email/{kind}",
        context=context,
    )


def awaiting_retrieval() -> Iterator[tuple[Registration, date, date]]:
    """(registration, share date, retrieval deadline) of every registration whose shared
    credentials are not retrieved yet (registrations.deadlines decides)."""
    pending = (
        deadlines.with_retrieval_state(Registration.objects.all())
        .filter(deadlines.TO_RETRIEVE)
        .select_related("owner")
        .order_by("pk")
    )
    for registration in pending.iterator(chunk_size=500):
        shared_on = registration.credentials_shared_on
        if shared_on is not None:
            yield registration, shared_on, deadlines.retrieval_deadline(shared_on)


def retrieval_reminders_queue(*, today: date) -> list[Notification]:
    """Queue the reminders and overdue notices due on `today` (each once, whatever the runs)."""
    queued = []
    for registration, shared_on, deadline in awaiting_retrieval():
        notification = retrieval_reminder_queue(
            registration=registration, shared_on=shared_on, deadline=deadline, today=today
        )
        if notification is not None:
            queued.append(notification)
    return queued
