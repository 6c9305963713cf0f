"""`manage.py readiness_report ID`: the readiness report of a production registration.

Exit status 0 when it is ready, 1 when it is not (the report says why).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.loader import render_to_string

from registrations.models import Registration
from registrations.readiness import readiness_report

NOT_FOUND = "There is no registration with ID {pk}."
NOT_READY = "Not ready for production: {count} problem(s)."


class Command(BaseCommand):
    help = "Print the readiness report of a production registration; exit 1 when it is not ready."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("registration_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        pk = options["registration_id"]
        registration = Registration.objects.select_related("promoted_from").filter(pk=pk).first()
        if registration is None:
            raise CommandError(NOT_FOUND.format(pk=pk))
        try:
            report = readiness_report(registration)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(render_to_string("registrations/readiness_report.txt", {"readiness": report}))
        if not report.ready:
            problems = len(report.failures) + (0 if report.evidence.found else 1)
            raise CommandError(NOT_READY.format(count=problems), returncode=1)
