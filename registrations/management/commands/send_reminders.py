"""`manage.py send_reminders`: retrieval reminders and overdue notices, then every pending email.

For cron, a systemd timer or a Kubernetes CronJob. Each reminder is queued once
under its own key and each email is sent once, however often and on however many
hosts the job runs. Exit status 1 when an email could not be sent (it stays queued
for the next run); the summary lists them.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from core.jobs import JobOutput
from core.notifications import notifications_deliver
from registrations.notifications import retrieval_reminders_queue

SUMMARY = "Queued {queued} reminder(s); sent {sent} email(s), {failed} failed."


class Command(BaseCommand):
    help = "Queue the retrieval reminders and overdue notices due today, and send every pending email."

    def handle(self, *args: Any, **options: Any) -> None:
        output = JobOutput(self)
        queued = retrieval_reminders_queue(today=timezone.localdate())
        delivery = notifications_deliver(
            progress=lambda done, total, notification: output.progress(done, total, notification.subject)
        )
        output.finish(
            SUMMARY.format(queued=len(queued), sent=delivery.sent, failed=len(delivery.failed)),
            [f"{n.subject} (to {', '.join(n.recipients)}): {n.last_error}" for n in delivery.failed],
        )
