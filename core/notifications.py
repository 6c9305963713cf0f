"""Email notifications through an outbox: each is queued once, by key, and sent at most once.

The apps decide what to say and to whom (their own templates); this module renders
the plain-text and HTML bodies when a notification is queued, and delivers pending
ones with Django's email framework (SMTP from EMAIL_URL in production, the console
in development, the test outbox in tests).

Queuing is idempotent: the key is unique, so a job that runs twice, or on several
hosts at once, queues an event once. Delivery claims one pending row at a time
with `SELECT … FOR UPDATE SKIP LOCKED` and keeps the lock until the row is marked
sent, so two deliveries never send the same row. A failed send stays pending and
is tried again by the next run, up to MAX_ATTEMPTS.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Notification, NotificationStatus

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
ERROR_LENGTH = 500

Progress = Callable[[int, int, Notification], None]


@dataclass
class DeliveryResult:
    sent: int = 0
    failed: list[Notification] = field(default_factory=list)


def _unique(addresses: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for address in addresses:
        if address and address.lower() not in seen:
            seen.add(address.lower())
            unique.append(address)
    return unique


def notification_queue(
    *, key: str, kind: str, recipients: Iterable[str], template: str, context: Mapping[str, Any]
) -> Notification | None:
    """Queue one email unless its key was queued before (or nobody would receive it).

    `template` names three templates: `<template>_subject.txt`, `<template>.txt` and
    `<template>.html`. Returns the new notification, or None.
    """
    to = _unique(recipients)
    if not to or Notification.objects.filter(key=key).exists():
        return None
    context = dict(context)
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    try:
        with transaction.atomic():
            return Notification.objects.create(
                key=key,
                kind=kind,
                recipients=to,
                subject=subject[:255],
                body_text=render_to_string(f"{template}.txt", context),
                body_html=render_to_string(f"{template}.html", context),
            )
    except IntegrityError:
        return None  # queued by a concurrent run between the check and the insert


def _send(notification: Notification) -> bool:
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=notification.recipients,
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    notification.attempts += 1
    notification.last_attempt_at = timezone.now()
    try:
        message.send()
    except Exception as exc:  # any backend's failure: kept on the row, retried next run
        notification.last_error = f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH]
        if notification.attempts >= MAX_ATTEMPTS:
            notification.status = NotificationStatus.FAILED
        logger.warning("Notification %s not sent: %s", notification.pk, type(exc).__name__)
        sent = False
    else:
        notification.status = NotificationStatus.SENT
        notification.sent_at = notification.last_attempt_at
        notification.last_error = ""
        sent = True
    notification.save(update_fields=["status", "attempts", "last_attempt_at", "last_error", "sent_at"])
    return sent


def notifications_deliver(
    *, keys: Iterable[str] | None = None, progress: Progress | None = None
) -> DeliveryResult:
    """Send the pending notifications (only those with `keys`, when given); each is tried once per run."""
    started = timezone.now()
    candidates = Notification.objects.filter(status=NotificationStatus.PENDING).exclude(
        last_attempt_at__gte=started
    )
    if keys is not None:
        candidates = candidates.filter(key__in=list(keys))
    total = candidates.count()
    result = DeliveryResult()
    while True:
        with transaction.atomic():
            claimed = candidates.select_for_update(skip_locked=True).order_by("pk").first()
            if claimed is None:
                break
            if _send(claimed):
                result.sent += 1
            else:
                result.failed.append(claimed)
        if progress is not None:
            done = result.sent + len(result.failed)
            progress(done, max(total, done), claimed)
    return result


def deliver_after_commit(notification: Notification | None) -> None:
    """Send a just-queued notification once the transaction that queued it commits.

    If sending fails then, the row stays pending for the next scheduled run.
    """
    if notification is not None:
        key = notification.key
        transaction.on_commit(lambda: notifications_deliver(keys=[key]))
