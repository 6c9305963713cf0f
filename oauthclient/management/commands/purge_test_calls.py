"""`manage.py purge_test_calls`: apply the test-call retention rule to every connection, once.

For cron, a systemd timer or a Kubernetes CronJob (daily is enough: each recorded call
prunes its own connection). Idempotent; safe to run on several hosts at once on
PostgreSQL (each connection is claimed, SKIP LOCKED). Prints what it deleted.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from core.jobs import JobOutput
from oauthclient import messages
from oauthclient.services.retention import test_calls_purge


class Command(BaseCommand):
    help = (
        "Delete the test calls the retention rule does not keep "
        "(PORTAL_TEST_CALLS_KEPT per connection, none older than PORTAL_TEST_CALLS_KEPT_DAYS)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        output = JobOutput(self)
        run = test_calls_purge(
            progress=lambda done, total, connection: output.progress(
                done, total, f"connection {connection.pk}"
            )
        )
        output.finish(
            messages.TEST_CALLS_PURGED.format(
                total=run.total,
                connections=run.connections,
                by_age=run.by_age,
                days=settings.PORTAL_TEST_CALLS_KEPT_DAYS,
                by_count=run.by_count,
                kept=settings.PORTAL_TEST_CALLS_KEPT,
                skipped=run.skipped,
            )
        )
