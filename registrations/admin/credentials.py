"""The credential admin, the reveal and rotate pages, and the audit trail's admin.

The secret is shown nowhere but on the reveal page, after a POST, once, to a
user with `reveal_credential_secret`; lists, change pages and the inline show
the fingerprint. Every write goes through registrations.services.credential.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from core.http import client_address

from ..models import Credential, CredentialStatus, SecretDisclosure
from ..services.credential import (
    REVEAL_PERMISSION,
    ROTATE_NOT_ACTIVE,
    credential_record,
    credential_revoke,
    credential_rotate,
    credential_secret_disclose,
    credential_update,
)
from .credential_forms import CredentialChangeForm, CredentialRecordForm, CredentialRotateForm

SECRET_HIDDEN = "Hidden ({fingerprint})."
SECRET_NO_REVEAL = "Only partner managers can reveal it."
ROTATED = "Rotated: the new credential is active; the previous one is superseded and kept."
ROTATE_SELECT_ONE = "Select exactly one credential to rotate."
REVOKED = "Revoked {count} credential(s)."
NOTHING_TO_REVOKE = "The selected credentials are already revoked."

REVEAL_TEMPLATE = "admin/registrations/credential/reveal.html"
ROTATE_TEMPLATE = "admin/registrations/credential/rotate.html"


class RevealedSecret(str):
    """The plaintext for the reveal template, masked in repr().

    Django's template engine logs a failed variable lookup at DEBUG with the
    whole context in the message (repr of every value); the admin base
    templates have such lookups. This keeps the secret out of that log line.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "'[revealed client secret]'"


INLINE_FIELDS: tuple[str, ...] = (
    "server",
    "client_id",
    "secret_fingerprint",
    "token_endpoint_auth_method",
    "status",
    "received_note",
    "recorded_at",
    "recorded_by",
)


class CredentialInline(admin.TabularInline):
    """Read-only list of a registration's credentials, fingerprint only.

    One query for all rows (recorded_by joined), whatever their number.
    """

    model = Credential
    template = "admin/registrations/credential/inline_list.html"
    fields = INLINE_FIELDS
    readonly_fields = INLINE_FIELDS
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Credential]:
        return super().get_queryset(request).select_related("recorded_by")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    list_display = [
        "client_id",
        "registration",
        "server",
        "secret_fingerprint",
        "status",
        "recorded_at",
        "recorded_by",
    ]
    list_filter = ["server", "status", "token_endpoint_auth_method"]
    list_select_related = ["registration", "recorded_by"]
    search_fields = ["client_id", "registration__client_name", "secret_fingerprint"]
    actions = ["rotate_selected", "revoke_selected"]

    class Media:
        css = {"all": ["registrations/admin_credential.css"]}

    add_fields = list(CredentialRecordForm.Meta.fields)
    change_fields = [
        "registration",
        "server",
        "client_id",
        "secret",
        "token_endpoint_auth_method",
        "received_note",
        "status",
        "status_changed_at",
        "recorded_by",
        "recorded_at",
    ]
    change_readonly_fields = [
        "registration",
        "server",
        "client_id",
        "secret",
        "status",
        "status_changed_at",
        "recorded_by",
        "recorded_at",
    ]

    # Pages -------------------------------------------------------------------

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.change_fields if obj is not None else self.add_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self.change_readonly_fields if obj is not None else []

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        kwargs["form"] = CredentialChangeForm if obj is not None else CredentialRecordForm
        return super().get_form(request, obj, change=change, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # nothing is deleted: rotate or revoke

    @admin.display(description="Client secret")
    def secret(self, obj: Credential) -> str:
        return SECRET_HIDDEN.format(fingerprint=obj.secret_fingerprint)

    @method_decorator(sensitive_post_parameters("client_secret"))
    @method_decorator(sensitive_variables())
    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        return super().changeform_view(request, object_id, form_url, extra_context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # Links for the object tools (change_form.html); the pages check again.
        credential = self.get_object(request, unquote(object_id))
        extra_context = {
            **(extra_context or {}),
            "can_reveal": request.user.has_perm(REVEAL_PERMISSION),
            "can_rotate": credential is not None
            and credential.status == CredentialStatus.ACTIVE
            and self.has_change_permission(request, credential)
            and self.has_add_permission(request),
            "secret_no_reveal": SECRET_NO_REVEAL,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    # Writes go through the services ----------------------------------------

    def save_form(self, request: HttpRequest, form: Any, change: bool) -> Any:
        data = form.cleaned_data
        if change:
            return credential_update(
                credential=form.instance,
                token_endpoint_auth_method=data["token_endpoint_auth_method"],
                received_note=data["received_note"],
                updated_by=request.user,
            )
        return credential_record(
            registration=data["registration"],
            server=data["server"],
            client_id=data["client_id"],
            client_secret=data["client_secret"],
            token_endpoint_auth_method=data["token_endpoint_auth_method"],
            received_note=data["received_note"],
            recorded_by=request.user,
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        pass  # saved by the service in save_form

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass  # no inlines or many-to-many fields

    @admin.action(description="Rotate the selected credential…", permissions=["change"])
    def rotate_selected(self, request: HttpRequest, queryset: QuerySet[Credential]) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, ROTATE_SELECT_ONE, messages.ERROR)
            return None
        return HttpResponseRedirect(
            reverse("admin:registrations_credential_rotate", args=[queryset.get().pk])
        )

    @admin.action(description="Revoke the selected credentials", permissions=["change"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[Credential]) -> None:
        revoked = 0
        for credential in queryset.exclude(status=CredentialStatus.REVOKED):
            credential_revoke(credential=credential, revoked_by=request.user)
            self.log_change(request, credential, [{"changed": {"fields": ["status"]}}])
            revoked += 1
        if revoked:
            self.message_user(request, REVOKED.format(count=revoked), messages.SUCCESS)
        else:
            self.message_user(request, NOTHING_TO_REVOKE, messages.WARNING)

    # Reveal and rotate pages --------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/reveal/",
                wrap(self.reveal_view),
                name="registrations_credential_reveal",
            ),
            path(
                "<path:object_id>/rotate/",
                wrap(self.rotate_view),
                name="registrations_credential_rotate",
            ),
            *super().get_urls(),
        ]

    def _page_context(self, request: HttpRequest, credential: Credential, title: str) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": credential,
            "title": title,
        }

    @method_decorator(sensitive_variables())
    def reveal_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """GET: confirmation. POST (CSRF): decrypt, audit, show once. Never cached."""
        if not request.user.has_perm(REVEAL_PERMISSION):
            raise PermissionDenied
        credential = self.get_object(request, unquote(object_id))
        if credential is None:
            raise Http404
        secret = None
        if request.method == "POST":
            secret = RevealedSecret(
                credential_secret_disclose(
                    credential=credential,
                    user=request.user,
                    kind=SecretDisclosure.Kind.REVEAL,
                    remote_addr=client_address(request),
                )
            )
        context = {**self._page_context(request, credential, "Reveal client secret"), "secret": secret}
        # Rendered here, not as a lazy TemplateResponse, so that a rendering error
        # happens inside this sensitive_variables frame.
        response = render(request, REVEAL_TEMPLATE, context)
        patch_cache_control(response, no_store=True, no_cache=True, must_revalidate=True, private=True)
        return response

    @method_decorator(sensitive_post_parameters("client_secret"))
    @method_decorator(sensitive_variables())
    def rotate_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        credential = self.get_object(request, unquote(object_id))
        if credential is None:
            raise Http404
        if not (self.has_change_permission(request, credential) and self.has_add_permission(request)):
            raise PermissionDenied
        change_url = reverse("admin:registrations_credential_change", args=[credential.pk])
        if credential.status != CredentialStatus.ACTIVE:
            status = credential.get_status_display().lower()
            self.message_user(request, ROTATE_NOT_ACTIVE.format(status=status), messages.ERROR)
            return HttpResponseRedirect(change_url)
        form = CredentialRotateForm(request.POST or None, credential=credential)
        if request.method == "POST" and form.is_valid():
            try:
                rotated = credential_rotate(
                    credential=credential, recorded_by=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.log_change(request, credential, [{"changed": {"fields": ["status"]}}])
                self.log_addition(request, rotated, [{"added": {}}])
                self.message_user(request, ROTATED, messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:registrations_credential_change", args=[rotated.pk])
                )
        context = {
            **self._page_context(request, credential, "Rotate credential"),
            "form": form,
            "change_url": change_url,
        }
        return render(request, ROTATE_TEMPLATE, context)


@admin.register(SecretDisclosure)
class SecretDisclosureAdmin(admin.ModelAdmin):
    """The audit trail: readable, never written or removed through admin."""

    list_display = ["disclosed_at", "user", "kind", "credential", "remote_addr"]
    list_filter = [
        "kind",
        "disclosed_at",
        "credential__server",
        ("user", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["user", "credential"]
    search_fields = ["user__username", "credential__client_id", "remote_addr"]
    date_hierarchy = "disclosed_at"
    fields = ["disclosed_at", "user", "kind", "credential", "remote_addr"]
    readonly_fields = ("disclosed_at", "user", "kind", "credential", "remote_addr")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
