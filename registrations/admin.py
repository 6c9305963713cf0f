"""Admin for partner managers. Thin: every write goes through registrations.services.

The pieces owned by other modules plug in here:
- admin_exports.py:     per-registration export views and changelist export actions
- admin_credentials.py: the credential inline/admin, the reveal page, the audit admin
- admin_promotion.py:   "promote to production" and the readiness report page
- admin_deadlines.py:   the retrieval deadline, the Pleo's calendar filter, the share date
- admin_links.py:       link-check results next to the URL fields, the "check links" action
Apps above registrations add their own changelist actions with `add_registration_action`
(the sandbox's "issue sandbox credentials"); registrations imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from . import admin_credentials, admin_deadlines, admin_exports, admin_links, admin_promotion
from .fields import form_groups
from .forms import RegistrationForm
from .models import Registration, RegistrationStatus, Scope
from .services import registration as services

ACTION_DONE = "{count} registration(s) moved to “{status}”."
ACTION_REFUSED = "“{registration}” was not changed: {reason}"


def scope_token_q(token: str) -> Q:
    """Registrations whose space-separated scope holds `token` as a whole token
    (users:read must not match users:readwrite). Portable: no regex."""
    return (
        Q(scope=token)
        | Q(scope__startswith=f"{token} ")
        | Q(scope__endswith=f" {token}")
        | Q(scope__contains=f" {token} ")
    )


class ScopeListFilter(admin.SimpleListFilter):
    title = "scope"
    parameter_name = "scope"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(name, name) for name in Scope.objects.values_list("name", flat=True)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        token = self.value()
        return queryset.filter(scope_token_q(token)) if token else queryset


def _status_action(
    service: Callable[..., Registration], name: str, description: str, status: RegistrationStatus
) -> Any:
    """An admin action that applies one status service to each selected registration."""

    def action(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Registration]) -> None:
        moved = 0
        for registration in queryset:
            try:
                service(registration=registration, by=request.user)
            except ValidationError as exc:
                reason = " ".join(exc.messages)
                model_admin.message_user(
                    request, ACTION_REFUSED.format(registration=registration, reason=reason), messages.ERROR
                )
            else:
                moved += 1
        if moved:
            model_admin.message_user(
                request, ACTION_DONE.format(count=moved, status=status.label), messages.SUCCESS
            )

    action.__name__ = name
    return admin.action(description=description, permissions=["change"])(action)


Status = RegistrationStatus
STATUS_ACTIONS = [
    _status_action(
        services.registration_mark_ready, "mark_ready", "Mark ready to submit (validates)", Status.READY
    ),
    _status_action(
        services.registration_submit, "submit", "Mark submitted to Pleo (records when)", Status.SUBMITTED
    ),
    _status_action(
        services.registration_mark_credentials_received,
        "mark_credentials_received",
        "Mark credentials received",
        Status.CREDENTIALS_RECEIVED,
    ),
    _status_action(services.registration_activate, "activate", "Mark active", Status.ACTIVE),
    _status_action(services.registration_reopen, "reopen", "Reopen as draft", Status.DRAFT),
    _status_action(services.registration_revoke, "revoke", "Mark revoked", Status.REVOKED),
    _status_action(services.registration_archive, "archive", "Archive", Status.ARCHIVED),
]


# Form fields that are not model fields, shown right after the field they feed.
FORM_ONLY_FIELDS_AFTER = {"scope": ["other_scopes"]}
# The groups of Pleo's registration form, as in the printable export.
REGISTRATION_FIELDSETS = [
    (
        str(group),
        {
            "fields": [
                name for spec in fields for name in (spec.name, *FORM_ONLY_FIELDS_AFTER.get(spec.name, []))
            ]
        },
    )
    for group, fields in form_groups()
]


@admin.register(Scope)
class ScopeAdmin(admin.ModelAdmin):
    list_display = ["name", "description", "in_staging", "in_production"]
    list_filter = ["in_staging", "in_production"]
    search_fields = ["name", "description"]


@admin.register(Registration)
class RegistrationAdmin(SimpleHistoryAdmin):
    form = RegistrationForm
    list_display = [
        "client_name",
        "environment",
        "application_type",
        "status",
        admin_deadlines.retrieval_deadline,
        "owner",
        "updated_at",
    ]
    list_filter = [
        "status",
        admin_deadlines.PleoCalendarFilter,
        "environment",
        "application_type",
        ScopeListFilter,
    ]
    list_select_related = ["owner"]
    search_fields = ["client_name", "client_uri", "scope", "contacts", "redirect_uris"]
    readonly_fields = [
        "status",
        "owner",
        "submitted_at",
        admin_deadlines.retrieval_deadline,
        admin_promotion.promotion_link,
        "created_at",
        "updated_at",
    ]
    workflow_fields = [
        "status",
        "owner",
        "submitted_at",
        "credentials_shared_on",
        admin_deadlines.retrieval_deadline,
        admin_promotion.promotion_link,
        "created_at",
        "updated_at",
    ]
    fieldsets = [*REGISTRATION_FIELDSETS, ("Workflow", {"fields": workflow_fields})]
    inlines = [*admin_credentials.REGISTRATION_INLINES]
    actions = [
        *STATUS_ACTIONS,
        *admin_promotion.REGISTRATION_ACTIONS,
        *admin_exports.REGISTRATION_ACTIONS,
        *admin_links.REGISTRATION_ACTIONS,
    ]

    class Media:
        css = {"all": ["registrations/admin_registration.css"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Registration]:
        return admin_deadlines.annotated(super().get_queryset(request))

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return admin_links.with_link_results(admin_deadlines.with_share_date_rule(form), obj)

    def get_urls(self):  # type: ignore[no-untyped-def,unused-ignore]
        return [
            *admin_exports.registration_urls(self),
            *admin_promotion.registration_urls(self),
            *super().get_urls(),
        ]

    def save_model(self, request: HttpRequest, obj: Registration, form: ModelForm, change: bool) -> None:
        # The form judged the registration once (RegistrationForm._post_clean); `obj` is the
        # instance that check holds, so the admin carries on with the saved row.
        checked = cast(RegistrationForm, form).checked
        if checked is None or checked.registration is not obj:
            raise RuntimeError("save_model expects the check made by RegistrationForm for this object")
        services.registration_save(check=checked, owner=request.user, by=request.user)
        report = checked.report
        for field_name, warnings in [*report.warnings.items(), *report.incomplete.items()]:
            label = form.fields[field_name].label if field_name in form.fields else field_name
            for warning in warnings:
                self.message_user(request, f"{label}: {warning}", messages.WARNING)
        admin_deadlines.save_share_date(request, obj, form, change)


def add_registration_action(action: Callable[..., Any]) -> None:
    """The hook for apps above registrations: one more action on the registration changelist.

    Call it from the app's own admin module, which admin autodiscovery imports at start.
    """
    RegistrationAdmin.actions = [*RegistrationAdmin.actions, action]
