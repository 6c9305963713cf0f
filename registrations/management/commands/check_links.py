"""`manage.py check_links [--registration ID]`: check the registrations' URLs (for cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registrations.models import LinkCheck, Registration
from registrations.services.link_checks import failed, link_checks_run, scheduled_registrations

NO_REGISTRATION = "There is no registration with ID {id}."
NOTHING_DUE = "No link was due for a check."
SUMMARY = "{checked} link(s) checked, {failed} failed."
FAILED_LINE = "  {registration} (ID {id}), {field}: {url} — {reason}"


def _describe(link_check: LinkCheck) -> dict[str, Any]:
    return {
        "registration": link_check.registration,
        "id": link_check.registration_id,
        "field": link_check.get_field_display(),
        "url": link_check.url,
        "reason": link_check.reason,
    }


class Command(BaseCommand):
    help = (
        "Check the client, logo, terms, privacy, initiation and settings URLs of registrations whose "
        "results are missing, stale or about a changed URL (all of one registration's with "
        "--registration). Safe to run from several hosts at once; exits 1 when a link failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--registration", type=int, metavar="ID", help="Check every URL of this registration now."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        registration_id = options["registration"]
        if registration_id is None:
            registrations = scheduled_registrations()
        else:
            registrations = Registration.objects.filter(pk=registration_id)
            if not registrations.exists():
                raise CommandError(NO_REGISTRATION.format(id=registration_id))
        interactive = self.stdout.isatty()

        def progress(done: int, total: int, link_check: LinkCheck) -> None:
            if interactive:
                mark = "ok" if link_check.ok else "FAILED"
                self.stdout.write(
                    f"[{done}/{total}] {link_check.registration} · {link_check.get_field_display()}: {mark}"
                )

        checked = link_checks_run(
            registrations=registrations, force=registration_id is not None, progress=progress
        )
        failures = failed(checked)
        if not checked:
            self.stdout.write(NOTHING_DUE)
            return
        summary = SUMMARY.format(checked=len(checked), failed=len(failures))
        if failures:
            lines = [FAILED_LINE.format(**_describe(link_check)) for link_check in failures]
            raise CommandError("\n".join([summary, *lines]))
        self.stdout.write(self.style.SUCCESS(summary))
