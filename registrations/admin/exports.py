"""The export pages of a registration and the changelist's export actions.

Thin: each view loads the registration, checks the view permission and hands the
work to registrations.exports, whose EXPORT_FORMATS table gives every format its
view, URL and content type. The only way a client secret reaches a file is the
"Postman environment with secret" page: reveal permission, POST with CSRF and an
explicit confirmation, audited by the credential service.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.db.models.options import Options
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods

from core.http import client_address

from .. import exports
from ..models import Registration
from ..services.credential import (
    NO_CREDENTIAL_FOR_SECRET,
    REVEAL_PERMISSION,
    credential_secret_disclose_for_export,
)

CONFIRM_FIELD = "confirm"
CONFIRM_REQUIRED = "Tick the box to confirm that the file may contain the client secret."
SECRET_PAGE_TITLE = "Postman environment with the client secret"

RegistrationView = Callable[[HttpRequest, Registration], HttpResponse]


def _url_name(opts: Options[Any], name: str) -> str:
    """The admin URL name of one of the registration's pages (`name` as in export_views)."""
    return f"{opts.app_label}_{opts.model_name}_{name}"


def _url(registration: Registration, name: str) -> str:
    return reverse(f"admin:{_url_name(registration._meta, name)}", args=[registration.pk])


def _attachment(response: HttpResponse | StreamingHttpResponse, filename: str) -> Any:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _refusal(request: HttpRequest, registration: Registration, refused: exports.ExportRefused) -> Any:
    # 409: the registration's current state conflicts with the export.
    return render(
        request,
        "registrations/submission_form.html",
        {
            "registration": registration,
            "problems": refused.problems,
            "refusal_message": refused.message,
            "change_url": _url(registration, "change"),
        },
        status=409,
    )


def export_selected_action(export: exports.ExportFormat) -> Any:
    """The changelist action that streams the selected registrations in `export`'s format."""
    stream = export.stream
    if stream is None:
        raise ValueError(f"{export.key} cannot export many registrations")

    def action(
        model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Registration]
    ) -> StreamingHttpResponse | None:
        try:
            lines = stream(queryset)
        except exports.ExportRefused as refused:
            model_admin.message_user(request, refused.message, messages.ERROR)
            return None
        response = StreamingHttpResponse(lines, content_type=export.content_type)
        extension = export.suffix.rsplit(".", 1)[-1]
        return _attachment(response, f"registrations-{timezone.now():%Y%m%d-%H%M%S}.{extension}")

    action.__name__ = f"export_selected_{export.key}"
    return admin.action(description=export.stream_description, permissions=["view"])(action)


# The changelist's export actions: one per format that exports many registrations.
EXPORT_ACTIONS: list[Any] = [
    export_selected_action(export) for export in exports.EXPORT_FORMATS.values() if export.stream
]


class ExportsMixin(admin.ModelAdmin):
    """A registration's export pages: the printable form, every format of EXPORT_FORMATS,
    and the Postman environment with the client secret."""

    def submission_form_view(self, request: HttpRequest, registration: Registration) -> Any:
        """The printable form inside the portal, with links to the Markdown and JSON files."""
        try:
            report = exports.check_final(registration)
        except exports.FinalExportRefused as refused:
            return _refusal(request, registration, refused)
        context = exports.submission_form_context(registration, report)
        context.update(
            change_url=_url(registration, "change"),
            markdown_url=_url(registration, exports.EXPORT_FORMATS["markdown"].url_name),
            json_url=_url(registration, exports.EXPORT_FORMATS["json"].url_name),
        )
        return render(request, "registrations/submission_form.html", context)

    def export_view(
        self, request: HttpRequest, registration: Registration, *, export: exports.ExportFormat
    ) -> Any:
        """One registration in one format: a download, or shown when the format reads well inline."""
        try:
            text = export.render(registration)
        except exports.ExportRefused as refused:
            return _refusal(request, registration, refused)
        if export.inline_content_type and not request.GET.get("download"):
            return HttpResponse(text, content_type=export.inline_content_type)
        return _attachment(
            HttpResponse(text, content_type=export.content_type),
            exports.attachment_name(registration, export.suffix),
        )

    @method_decorator(sensitive_variables())
    def postman_environment_secret_view(self, request: HttpRequest, registration: Registration) -> Any:
        """GET: confirmation page; POST with the box ticked: the file with the secret, audited.
        A registration no export may carry is refused before anything is disclosed."""
        if not request.user.has_perm(REVEAL_PERMISSION):
            raise PermissionDenied
        try:
            exports.check_exportable(registration)
        except exports.ExportRefused as refused:
            return _refusal(request, registration, refused)
        credential = exports.export_credential(registration)
        error = ""
        if request.method == "POST" and credential is not None:
            if request.POST.get(CONFIRM_FIELD) == "yes":
                secret = credential_secret_disclose_for_export(
                    credential=credential, user=request.user, remote_addr=client_address(request)
                )
                document = exports.postman_environment(registration, credential, client_secret=secret)
                export = exports.POSTMAN_ENVIRONMENT
                response = HttpResponse(exports.render_json(document), content_type=export.content_type)
                response["Cache-Control"] = "no-store"
                return _attachment(response, exports.attachment_name(registration, export.suffix))
            error = CONFIRM_REQUIRED
        context = {
            **self.admin_site.each_context(request),
            "title": SECRET_PAGE_TITLE,
            "opts": self.opts,
            "original": registration,
            "credential": credential,
            "server": exports.export_server(registration, credential),
            "no_credential_message": NO_CREDENTIAL_FOR_SECRET,
            "error": error,
            "confirm_field": CONFIRM_FIELD,
            "change_url": _url(registration, "change"),
        }
        return TemplateResponse(request, "registrations/postman_secret_confirm.html", context)

    def export_views(self) -> list[tuple[str, str, RegistrationView, bool]]:
        """(URL name suffix, route under the registration, view, whether it takes a POST)."""
        return [
            ("export_form", "export/form/", self.submission_form_view, False),
            *(
                (export.url_name, f"export/{export.key}/", partial(self.export_view, export=export), False)
                for export in exports.EXPORT_FORMATS.values()
            ),
            (
                "export_postman_environment_secret",
                "export/postman-environment/secret/",
                self.postman_environment_secret_view,
                True,
            ),
        ]

    def registration_view(self, view: RegistrationView, *, allow_post: bool) -> Callable[..., Any]:
        """`view` for the registration in the URL, after the admin's login and view permission checks."""

        def bound(request: HttpRequest, object_id: str) -> Any:
            registration = self.get_object(request, unquote(object_id))
            if registration is None:
                raise Http404
            if not self.has_view_permission(request, registration):
                raise PermissionDenied
            return view(request, registration)

        methods = require_http_methods(["GET", "POST"]) if allow_post else require_GET
        return self.admin_site.admin_view(methods(bound))

    def get_urls(self) -> list[URLPattern]:
        pages = [
            path(
                f"<path:object_id>/{route}",
                self.registration_view(view, allow_post=allow_post),
                name=_url_name(self.opts, name),
            )
            for name, route, view, allow_post in self.export_views()
        ]
        return [*pages, *super().get_urls()]
