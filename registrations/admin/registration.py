"""The registration admin: RegistrationAdmin, made of the mixins of this package, and its form.

Thin: the form hands what a manager typed to the registration service's check, and
the admin saves that check; status changes, promotion, link checks, exports and the
share date each go through their own service.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import admin, messages
from django.forms import ModelForm
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from ..fields import form_groups
from ..forms import RegistrationForm
from ..models import Registration
from ..services import registration as services
from .credentials import CredentialInline
from .deadlines import DeadlinesMixin, PleoCalendarFilter, ShareDateFormMixin
from .exports import EXPORT_ACTIONS, ExportsMixin
from .links import LinkChecksMixin, LinkResultsFormMixin
from .promotion import PromotionMixin
from .scopes import ScopeListFilter
from .status import ACTION_DONE, ACTION_REFUSED, STATUS_ACTIONS, StatusActionsMixin

__all__ = ["ACTION_DONE", "ACTION_REFUSED", "RegistrationAdmin", "add_registration_action"]

# Form fields that are not model fields, shown right after the field they feed.
FORM_ONLY_FIELDS_AFTER = {"scope": ["other_scopes"]}
# The groups of Pleo's registration form, as in the printable export.
REGISTRATION_FIELDSETS: list[Any] = [
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


class RegistrationAdminForm(LinkResultsFormMixin, ShareDateFormMixin, RegistrationForm):
    """The registration form, with the link checks' results under the URL fields and the
    share date's rule next to its field."""


@admin.register(Registration)
class RegistrationAdmin(
    StatusActionsMixin,
    DeadlinesMixin,
    LinkChecksMixin,
    PromotionMixin,
    ExportsMixin,
    SimpleHistoryAdmin,
):
    form = RegistrationAdminForm
    list_display = [
        "client_name",
        "environment",
        "application_type",
        "status",
        "retrieval_deadline",
        "owner",
        "updated_at",
    ]
    list_filter = ["status", PleoCalendarFilter, "environment", "application_type", ScopeListFilter]
    list_select_related = ["owner"]
    search_fields = ["client_name", "client_uri", "scope", "contacts", "redirect_uris"]
    readonly_fields = [
        "status",
        "owner",
        "submitted_at",
        "retrieval_deadline",
        "promotion_link",
        "created_at",
        "updated_at",
    ]
    workflow_fields: list[Any] = [
        "status",
        "owner",
        "submitted_at",
        "credentials_shared_on",
        "retrieval_deadline",
        "promotion_link",
        "created_at",
        "updated_at",
    ]
    fieldsets = [*REGISTRATION_FIELDSETS, ("Workflow", {"fields": workflow_fields})]
    inlines = [CredentialInline]
    actions: list[Any] = [*STATUS_ACTIONS, "promote_to_production", *EXPORT_ACTIONS, "check_links_now"]

    class Media:
        css = {"all": ["registrations/admin_registration.css"]}

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
        self.save_share_date(request, obj, form, change)


def add_registration_action(action: Callable[..., Any]) -> None:
    """The hook for apps above registrations: one more action on the registration changelist.

    Call it from the app's own admin module, which admin autodiscovery imports at start.
    """
    RegistrationAdmin.actions = [*RegistrationAdmin.actions, action]
