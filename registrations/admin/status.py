"""The registration changelist's status actions: each applies one status service to every
selected registration, and says which moved and which the service refused (and why)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from ..models import Registration, RegistrationStatus
from ..services import registration as services

ACTION_DONE = "{count} registration(s) moved to “{status}”."
ACTION_REFUSED = "“{registration}” was not changed: {reason}"

# The actions' names, in the order the changelist offers them.
STATUS_ACTIONS = (
    "mark_ready",
    "submit",
    "mark_credentials_received",
    "activate",
    "reopen",
    "revoke",
    "archive",
)

Status = RegistrationStatus
StatusService = Callable[..., Registration]


class StatusActionsMixin(admin.ModelAdmin):
    """The status services as changelist actions (registrations.services.registration)."""

    def move_selected(
        self,
        request: HttpRequest,
        queryset: QuerySet[Registration],
        service: StatusService,
        status: RegistrationStatus,
    ) -> None:
        moved = 0
        for registration in queryset:
            try:
                service(registration=registration, by=request.user)
            except ValidationError as exc:
                reason = " ".join(exc.messages)
                self.message_user(
                    request, ACTION_REFUSED.format(registration=registration, reason=reason), messages.ERROR
                )
            else:
                moved += 1
        if moved:
            self.message_user(request, ACTION_DONE.format(count=moved, status=status.label), messages.SUCCESS)

    @admin.action(description="Mark ready to submit (validates)", permissions=["change"])
    def mark_ready(self, request: HttpRequest, queryset: QuerySet[Registration]) -> None:
        self.move_selected(request, queryset, services.registration_mark_ready, Status.READY)

    @admin.action(description="Mark submitted to Pleo (records when)", permissions=["change"])
    def submit(self, request: HttpRequest, queryset: QuerySet[Registration]) -> None:
        self.move_selected(request, queryset, services.registration_submit, Status.SUBMITTED)

    @admin.action(description="Mark credentials received", permissions=["change"])
    def mark_credentials_received(self, request: HttpRequest, queryset: QuerySet[Registration]) -> None:
        self.move_selected(
            request, queryset, services.registration_mark_credentials_received, Status.CREDENTIALS_RECEIVED
        )

    @admin.action(description="Mark active", permissions=["change"])
    def activate(self, request: HttpRequest, queryset: QuerySet[Registration]) -> None:
        self.move_selected(request, queryset, services.registration_activate, Status.ACTIVE)

    @admin.action(description="Reopen as draft", permissions=["change"])
    def reopen(self, request: HttpRequest, queryset: QuerySet[Registration]) -> None:
        self.move_selected(request, queryset, services.registration_reopen, Status.DRAFT)

    @admin.action(description="Mark revoked", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[Registration]) -> None:
        self.move_selected(request, queryset, services.registration_revoke, Status.REVOKED)

    @admin.action(description="Archive", permissions=["change"])
    def archive(self, request: HttpRequest, queryset: QuerySet[Registration]) -> None:
        self.move_selected(request, queryset, services.registration_archive, Status.ARCHIVED)
