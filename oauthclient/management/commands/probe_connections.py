"""`manage.py probe_connections`: probe every monitored connection that is due, once.

For cron, a systemd timer or a Kubernetes CronJob (docs/operations/scheduled-jobs.md). Safe
to run on several hosts at once on PostgreSQL. Exit status 1 when a probe failed
or an email could not be sent; the summary lists them.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from core.jobs import JobOutput
from core.models import Notification, NotificationStatus
from core.notifications import notifications_deliver
from oauthclient.models import TestCall
from oauthclient.services.monitoring import connections_probe_due

SUMMARY = "Probed {probed} connection(s): {working} working, {failing} failing; {emails} email(s) sent."


def _outcome(call: TestCall) -> str:
    return f"HTTP {call.status_code}" if call.status_code else call.error_code


class Command(BaseCommand):
    help = "Probe the monitored connections that are due (a scheduled, read-only test call each)."

    def handle(self, *args: Any, **options: Any) -> None:
        output = JobOutput(self)
        run = connections_probe_due(
            progress=lambda done, total, call: output.progress(
                done, total, f"connection {call.connection_id}: {_outcome(call)}"
            )
        )
        # Emails whose sending right after their probe failed get one more try here.
        keys = [notification.key for notification in run.notifications]
        delivery = notifications_deliver(keys=keys)
        sent = Notification.objects.filter(key__in=keys, status=NotificationStatus.SENT).count()
        failures = [
            f"connection {call.connection_id}: {call.method} {call.url} → {_outcome(call)} {call.error_message}".rstrip()
            for call in run.failing
        ] + [f"email {n.key} to {', '.join(n.recipients)}: {n.last_error}" for n in delivery.failed]
        output.finish(
            SUMMARY.format(
                probed=len(run.probed),
                working=len(run.probed) - len(run.failing),
                failing=len(run.failing),
                emails=sent,
            ),
            failures,
        )
