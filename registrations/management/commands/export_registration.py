"""Print one registration in an export format (default: RFC 7591 client metadata JSON).

Submission formats (html, markdown) are refused with the validation errors, exit
status 1, for a registration that does not validate. Data formats (json, csv,
postman-*) are written anyway and the errors go to stderr, so nothing is stuck in
the portal (`import_registration` validates them again), unless the registration
holds a value no export may carry (registrations.exports): then every format is
refused, naming what to fix.
"""

from __future__ import annotations

import os
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.views.decorators.debug import sensitive_variables

from registrations import exports
from registrations.management.text import storable_argument
from registrations.models import Registration
from registrations.selectors import registration_validation_report
from registrations.services.credential import credential_secret_disclose_for_export

FORMATS = tuple(exports.EXPORT_FORMATS)
FINAL_FORMATS = tuple(key for key, export in exports.EXPORT_FORMATS.items() if export.final)

NOT_FOUND = "Registration {id} does not exist."
SECRET_ONLY_FOR_ENVIRONMENT = "--include-secret only applies to --format postman-environment."
SECRET_NEEDS_USER = (
    "--include-secret needs --as-user USERNAME: a user allowed to reveal client secrets (audited)."
)
USER_NOT_FOUND = "No active user named {username!r}."
DRAFT_WARNING = "Warning: registration {id} does not validate; exported as a draft, not as final."


class Command(BaseCommand):
    help = (
        "Export a registration: json (RFC 7591 client metadata, default), markdown or html (the "
        "submission form; refused when the registration does not validate), csv, "
        "postman-collection or postman-environment."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("id", type=int, help="The registration's ID.")
        parser.add_argument("--format", choices=FORMATS, default="json")
        parser.add_argument("--output", metavar="FILE", help="Write to FILE instead of stdout.")
        parser.add_argument(
            "--include-secret",
            action="store_true",
            help="postman-environment only: put the client secret in the file (needs --as-user; audited).",
        )
        parser.add_argument("--as-user", metavar="USERNAME", help="Who asks for the secret.")

    def handle(self, *args: Any, **options: Any) -> None:
        fmt: str = options["format"]
        include_secret: bool = options["include_secret"]
        if include_secret and fmt != exports.POSTMAN_ENVIRONMENT.key:
            raise CommandError(SECRET_ONLY_FOR_ENVIRONMENT)
        if include_secret and not options["as_user"]:
            raise CommandError(SECRET_NEEDS_USER)
        try:
            registration = Registration.objects.get(pk=options["id"])
        except Registration.DoesNotExist:
            raise CommandError(NOT_FOUND.format(id=options["id"])) from None

        export = exports.EXPORT_FORMATS[fmt]
        try:
            if export.final:
                text = export.render(registration)
            elif include_secret:
                exports.check_exportable(registration)  # before the secret is disclosed
                self._warn_if_invalid(registration)
                text = self._environment_with_secret(registration, username=options["as_user"])
            else:
                exports.check_exportable(registration)
                self._warn_if_invalid(registration)
                text = export.render(registration)
        except exports.ExportRefused as refused:
            lines = [refused.message, *(f"- {label}: {message}" for label, message in refused.problems)]
            raise CommandError("\n".join(lines)) from None
        self._write(text, options["output"], private=include_secret)

    def _warn_if_invalid(self, registration: Registration) -> None:
        report = registration_validation_report(registration)
        if report.is_valid:
            return
        self.stderr.write(DRAFT_WARNING.format(id=registration.pk))
        for label, message in exports.validation_problems(report):
            self.stderr.write(f"- {label}: {message}")

    @sensitive_variables()
    def _environment_with_secret(self, registration: Registration, *, username: str) -> str:
        username = storable_argument(username, option="--as-user")
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(USER_NOT_FOUND.format(username=username))
        credential = exports.export_credential(registration)
        try:
            secret = credential_secret_disclose_for_export(credential=credential, user=user)
        except (PermissionDenied, LookupError) as exc:
            raise CommandError(str(exc)) from None
        return exports.render_json(
            exports.postman_environment(registration, credential, client_secret=secret)
        )

    def _write(self, text: str, output: str | None, *, private: bool) -> None:
        if not output:
            self.stdout.write(text, ending="")
            return
        # A file holding a secret is readable by its owner only.
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        descriptor = os.open(output, flags, 0o600 if private else 0o644)
        if private:
            os.chmod(output, 0o600)  # the file may have existed with wider permissions
        with open(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
