"""Export views and actions for RegistrationAdmin (see admin.py).

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

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.db.models.options import Options
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods

from core.http import client_address

from . import exports
from .models import Registration
from .services.credential import (
    NO_CREDENTIAL_FOR_SECRET,
    REVEAL_PERMISSION,
    credential_secret_disclose_for_export,
)

CONFIRM_FIELD = "confirm"
CONFIRM_REQUIRED = "Tick the box to confirm that the file may contain the client secret."
SECRET_PAGE_TITLE = "Postman environment with the client secret"

ViewFunc = Callable[[admin.ModelAdmin, HttpRequest, Registration], HttpResponse]


def _url_name(opts: Options[Any], name: str) -> str:
    """The admin URL name of one of the registration's pages (`name` as in EXPORT_VIEWS)."""
    return f"{opts.app_label}_{opts.model_name}_{name}"


def _url(registration: Registration, name: str) -> str:
    return reverse(f"admin:{_url_name(registration._meta, name)}", args=[registration.pk])


def _attachment(response: HttpResponse | StreamingHttpResponse, filename: str) -> Any:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _refusal(request: HttpRequest, registration: Registration, refused: exports.FinalExportRefused) -> Any:
    # 409: the registration's current state conflicts with a final export.
    return render(
        request,
        "registrations/submission_form.html",
        {
            "registration": registration,
            "problems": refused.problems,
            "not_final_message": exports.NOT_FINAL,
            "change_url": _url(registration, "change"),
        },
        status=409,
    )


# --- per-registration views ------------------------------------------------------


def submission_form_view(
    model_admin: admin.ModelAdmin, request: HttpRequest, registration: Registration
) -> Any:
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
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    registration: Registration,
    *,
    export: exports.ExportFormat,
) -> Any:
    """One registration in one format: a download, or shown when the format reads well inline."""
    try:
        text = export.render(registration)
    except exports.FinalExportRefused as refused:
        return _refusal(request, registration, refused)
    if export.inline_content_type and not request.GET.get("download"):
        return HttpResponse(text, content_type=export.inline_content_type)
    return _attachment(
        HttpResponse(text, content_type=export.content_type),
        exports.attachment_name(registration, export.suffix),
    )


@sensitive_variables("secret", "document")
def postman_environment_secret_view(
    model_admin: admin.ModelAdmin, request: HttpRequest, registration: Registration
) -> Any:
    """GET: confirmation page; POST with the box ticked: the file with the secret, audited."""
    if not request.user.has_perm(REVEAL_PERMISSION):
        raise PermissionDenied
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
    opts = model_admin.opts
    context = {
        **model_admin.admin_site.each_context(request),
        "title": SECRET_PAGE_TITLE,
        "opts": opts,
        "original": registration,
        "credential": credential,
        "server": exports.export_server(registration, credential),
        "no_credential_message": NO_CREDENTIAL_FOR_SECRET,
        "error": error,
        "confirm_field": CONFIRM_FIELD,
        "change_url": _url(registration, "change"),
    }
    return TemplateResponse(request, "registrations/postman_secret_confirm.html", context)


# --- changelist actions ----------------------------------------------------------


def _export_selected_action(export: exports.ExportFormat) -> Any:
    """The changelist action that streams the selected registrations in `export`'s format."""
    stream = export.stream
    if stream is None:
        raise ValueError(f"{export.key} cannot export many registrations")

    def action(
        model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Registration]
    ) -> StreamingHttpResponse:
        response = StreamingHttpResponse(stream(queryset), content_type=export.content_type)
        extension = export.suffix.rsplit(".", 1)[-1]
        return _attachment(response, f"registrations-{timezone.now():%Y%m%d-%H%M%S}.{extension}")

    action.__name__ = f"export_selected_{export.key}"
    return admin.action(description=export.stream_description, permissions=["view"])(action)


REGISTRATION_ACTIONS: list[Any] = [
    _export_selected_action(export) for export in exports.EXPORT_FORMATS.values() if export.stream
]


# --- URLs ------------------------------------------------------------------------

# (URL name suffix, route under the registration, view): the printable form, every
# format of EXPORT_FORMATS, and the Postman environment with the secret.
EXPORT_VIEWS: tuple[tuple[str, str, Any], ...] = (
    ("export_form", "export/form/", submission_form_view),
    *(
        (export.url_name, f"export/{export.key}/", partial(export_view, export=export))
        for export in exports.EXPORT_FORMATS.values()
    ),
    (
        "export_postman_environment_secret",
        "export/postman-environment/secret/",
        postman_environment_secret_view,
    ),
)


def _bind(model_admin: admin.ModelAdmin, view: ViewFunc, *, allow_post: bool) -> Callable[..., Any]:
    def bound(request: HttpRequest, object_id: str) -> Any:
        registration = model_admin.get_object(request, unquote(object_id))
        if registration is None:
            raise Http404
        if not model_admin.has_view_permission(request, registration):
            raise PermissionDenied
        return view(model_admin, request, registration)

    bound.__name__ = getattr(view, "__name__", "export_view")
    methods = require_http_methods(["GET", "POST"]) if allow_post else require_GET
    return model_admin.admin_site.admin_view(methods(bound))


def registration_urls(model_admin: Any) -> list[URLPattern]:
    return [
        path(
            f"<path:object_id>/{route}",
            _bind(model_admin, view, allow_post=view is postman_environment_secret_view),
            name=_url_name(model_admin.opts, name),
        )
        for name, route, view in EXPORT_VIEWS
    ]
