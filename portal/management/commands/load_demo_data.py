"""Demo data for `make run`: the Example Client and two logins. Idempotent.

- users `manager` (group "Partner managers") and `developer` (group "Developers"),
  both staff so they can use admin; passwords are generated on first creation and
  printed once (`--reset-passwords` sets and prints new ones);
- the "Example Client" registration (registrations.examples, staging), owned by `manager`, marked
  ready, with credentials issued by the built-in sandbox (so it is "credentials
  received" and a developer can connect it from the dashboard at once);
- the sandbox API's demo company with records of every resource (employees,
  accounts, export jobs and items, tags in tag groups, tax codes, vendors);
- re-running keeps everything that exists and says so.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from registrations.examples import EXAMPLE_CLIENT
from registrations.models import CredentialServer, CredentialStatus, Registration
from registrations.services.registration import registration_create, registration_mark_ready
from sandbox import demo
from sandbox.api.demo_data import demo_company_load
from sandbox.credentials import credential_issue_sandbox

# (username, group) — the groups come from the registrations/0003_groups migration.
DEMO_USERS = (("manager", "Partner managers"), ("developer", "Developers"))

USER_CREATED = "Created user {username!r} with password: {password}"
USER_EXISTS = "User {username!r} already exists (password unchanged; --reset-passwords sets a new one)."
USER_PASSWORD_RESET = "New password for {username!r}: {password}"
GROUP_MISSING = "Group {group!r} does not exist yet (run migrate): {username!r} is in no group."
REGISTRATION_CREATED = "Created registration #{pk} {name!r} ({environment}), owned by {owner!r}."
REGISTRATION_EXISTS = "Registration {name!r} ({environment}) already exists (#{pk}); left as it is."
CREDENTIAL_ISSUED = (
    "Issued sandbox credentials for the Example Client: client ID {client_id} "
    "(the secret is revealed in admin, under Credentials)."
)
CREDENTIAL_EXISTS = "The Example Client already has active sandbox credentials (client ID {client_id})."
SANDBOX_DISABLED = (
    "The sandbox is switched off (PORTAL_SANDBOX_ENABLED=false): no sandbox credentials issued."
)
SANDBOX_COMPANY_LOADED = "Sandbox demo company {name!r}: {added} API records added."
LOGIN_HOWTO = (
    "Log in with one of the users above: partner managers at {base}/admin/, developers at {base}/dashboard/."
)


def generate_password() -> str:
    return secrets.token_urlsafe(12)


class Command(BaseCommand):
    help = "Load demo data: the Example Client registration and manager/developer logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Give the demo users new passwords and print them.",
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        users = {
            username: self._user(username, group, reset=options["reset_passwords"])
            for username, group in DEMO_USERS
        }
        registration = self._example_client(owner=users["manager"])
        self._issue_sandbox_credentials(registration)
        if settings.PORTAL_SANDBOX_ENABLED:
            added = demo_company_load()
            self.stdout.write(SANDBOX_COMPANY_LOADED.format(name=demo.COMPANY_NAME, added=added))
        self.stdout.write(LOGIN_HOWTO.format(base=settings.PORTAL_BASE_URL.rstrip("/")))

    def _user(self, username: str, group_name: str, *, reset: bool) -> Any:
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        if user is None:
            password = generate_password()
            user = user_model.objects.create_user(username=username, password=password, is_staff=True)
            self.stdout.write(USER_CREATED.format(username=username, password=password))
        elif reset:
            password = generate_password()
            user.set_password(password)
            user.save(update_fields=["password"])
            self.stdout.write(USER_PASSWORD_RESET.format(username=username, password=password))
        else:
            self.stdout.write(USER_EXISTS.format(username=username))
        group = Group.objects.filter(name=group_name).first()
        if group is None:
            self.stdout.write(GROUP_MISSING.format(group=group_name, username=username))
        else:
            user.groups.add(group)
        return user

    def _example_client(self, *, owner: Any) -> Registration:
        existing = Registration.objects.filter(
            client_name=EXAMPLE_CLIENT["client_name"], environment=EXAMPLE_CLIENT["environment"]
        ).first()
        if existing is not None:
            self.stdout.write(
                REGISTRATION_EXISTS.format(
                    name=existing.client_name, environment=existing.environment, pk=existing.pk
                )
            )
            return existing
        registration = registration_create(**EXAMPLE_CLIENT, owner=owner, created_by=owner)
        registration_mark_ready(registration=registration, by=owner)
        self.stdout.write(
            REGISTRATION_CREATED.format(
                pk=registration.pk,
                name=registration.client_name,
                environment=registration.environment,
                owner=owner.get_username(),
            )
        )
        return registration

    def _issue_sandbox_credentials(self, registration: Registration) -> None:
        """Give the Example Client sandbox credentials unless it has active ones.

        The secret is not printed: console output ends up in terminals' scrollback
        and CI logs. Managers reveal it in admin (audited); the dashboard uses it
        without anyone seeing it.
        """
        if not settings.PORTAL_SANDBOX_ENABLED:
            self.stdout.write(SANDBOX_DISABLED)
            return
        active = registration.credentials.filter(
            server=CredentialServer.SANDBOX, status=CredentialStatus.ACTIVE
        ).first()
        if active is not None:
            self.stdout.write(CREDENTIAL_EXISTS.format(client_id=active.client_id))
            return
        credential, _secret = credential_issue_sandbox(
            registration=registration, issued_by=registration.owner
        )
        self.stdout.write(CREDENTIAL_ISSUED.format(client_id=credential.client_id))
