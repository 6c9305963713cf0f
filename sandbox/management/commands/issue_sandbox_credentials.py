"""`manage.py issue_sandbox_credentials ID --user USERNAME`: register in the sandbox, record, show the secret once.

Printing the secret is a disclosure like a reveal, audited against the user named
with --user, who needs the reveal permission.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from registrations.models import Registration
from sandbox.credentials import credential_issue_sandbox_disclosed

NO_REGISTRATION = "There is no registration with ID {id}."
NO_USER = "There is no user {username!r}."
USER_REQUIRED = (
    "Name the user the new secret is shown to with --user USERNAME: every display of a secret is "
    "audited, and that user needs the permission to reveal client secrets."
)
SECRET_WARNING = (
    "Copy the client secret now: it will not be shown again (reveal it from the credential in the admin)."
)


class Command(BaseCommand):
    help = (
        "Register a registration's client in the built-in sandbox and record the credential. "
        "Re-issuing rotates: the previous sandbox credential is superseded and its client removed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("id", type=int, help="The registration's ID.")
        parser.add_argument(
            "--user",
            help="Username recorded as the issuer and in the audit of the secret's display (required).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            registration = Registration.objects.get(pk=options["id"])
        except Registration.DoesNotExist:
            raise CommandError(NO_REGISTRATION.format(id=options["id"])) from None
        if not options["user"]:
            raise CommandError(USER_REQUIRED)
        try:
            user = get_user_model().objects.get_by_natural_key(options["user"])
        except get_user_model().DoesNotExist:
            raise CommandError(NO_USER.format(username=options["user"])) from None
        try:
            credential, secret = credential_issue_sandbox_disclosed(registration=registration, issued_by=user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Sandbox credentials issued for {registration}.")
        self.stdout.write(f"client_id:     {credential.client_id}")
        self.stdout.write(f"client_secret: {secret}")
        self.stdout.write(self.style.WARNING(SECRET_WARNING))
