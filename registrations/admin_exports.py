"""Export views and actions for RegistrationAdmin (see admin.py).

Thin: each view loads the registration, checks the view permission and hands the
work to registrations.exports. The only way a client secret reaches a file is the
"Postman environment with secret" page: reveal permission, POST with CSRF and an
explicit confirmation, audited by the credential service.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods

from core.http import client_address

from . import exports
from .metadata import registration_to_client_metadata
from .models import Registration
from .services.credential import REVEAL_PERMISSION

JSON_TYPE = "application/json"
MARKDOWN_TYPE = "text/markdown; charset=utf-8"
PLAIN_TYPE = "text/plain; charset=utf-8"
CSV_TYPE = "text/csv; charset=utf-8"

CONFIRM_FIELD = "confirm"
CONFIRM_REQUIRED = "Tick the box to confirm that the file may contain the client secret."
SECRET_PAGE_TITLE = "Postman environment with the client secret"

ViewFunc = Callable[[admin.ModelAdmin, HttpRequest, Registration], HttpResponse]


def _attachment(response: HttpResponse | StreamingHttpResponse, filename: str) -> Any:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _url(registration: Registration, name: str) -> str:
    opts = registration._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}", args=[registration.pk])


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
    try:
        report = exports.check_final(registration)
    except exports.FinalExportRefused as refused:
        return _refusal(request, registration, refused)
    context = exports.submission_form_context(registration, report)
    context.update(
        change_url=_url(registration, "change"),
        markdown_url=_url(registration, "export_markdown"),
        json_url=_url(registration, "export_json"),
    )
    return render(request, "registrations/submission_form.html", context)


def markdown_view(model_admin: admin.ModelAdmin, request: HttpRequest, registration: Registration) -> Any:
    try:
        text = exports.registration_markdown(registration)
    except exports.FinalExportRefused as refused:
        return _refusal(request, registration, refused)
    if request.GET.get("download"):
        return _attachment(
            HttpResponse(text, content_type=MARKDOWN_TYPE), exports.attachment_name(registration, "form.md")
        )
    # Browsers download text/markdown; text/plain shows it for copying.
    return HttpResponse(text, content_type=PLAIN_TYPE)


def json_view(model_admin: admin.ModelAdmin, request: HttpRequest, registration: Registration) -> Any:
    text = exports.render_json(registration_to_client_metadata(registration))
    return _attachment(
        HttpResponse(text, content_type=JSON_TYPE),
        exports.attachment_name(registration, "client-metadata.json"),
    )


def postman_collection_view(
    model_admin: admin.ModelAdmin, request: HttpRequest, registration: Registration
) -> Any:
    document = exports.postman_collection(registration, exports.export_credential(registration))
    return _attachment(
        HttpResponse(exports.render_json(document), content_type=JSON_TYPE),
        exports.attachment_name(registration, "postman-collection.json"),
    )


def postman_environment_view(
    model_admin: admin.ModelAdmin, request: HttpRequest, registration: Registration
) -> Any:
    """Without the secret, always (the secret has its own confirmation page)."""
    credential = exports.export_credential(registration)
    document = exports.postman_environment(registration, credential)
    return _attachment(
        HttpResponse(exports.render_json(document), content_type=JSON_TYPE),
        exports.attachment_name(registration, "postman-environment.json"),
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
            secret = exports.disclose_secret_for_export(
                registration, credential, user=request.user, remote_addr=client_address(request)
            )
            document = exports.postman_environment(registration, credential, client_secret=secret)
            response = HttpResponse(exports.render_json(document), content_type=JSON_TYPE)
            response["Cache-Control"] = "no-store"
            return _attachment(response, exports.attachment_name(registration, "postman-environment.json"))
        error = CONFIRM_REQUIRED
    opts = model_admin.opts
    context = {
        **model_admin.admin_site.each_context(request),
        "title": SECRET_PAGE_TITLE,
        "opts": opts,
        "original": registration,
        "credential": credential,
        "server": exports.export_server(registration, credential),
        "no_credential_message": exports.NO_CREDENTIAL_FOR_SECRET,
        "error": error,
        "confirm_field": CONFIRM_FIELD,
        "change_url": _url(registration, "change"),
    }
    return TemplateResponse(request, "registrations/postman_secret_confirm.html", context)


# --- changelist actions ----------------------------------------------------------


def _timestamped(name: str, extension: str) -> str:
    return f"{name}-{timezone.now():%Y%m%d-%H%M%S}.{extension}"


@admin.action(description="Export selected as CSV", permissions=["view"])
def export_selected_csv(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Registration]
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(exports.stream_csv(queryset), content_type=CSV_TYPE)
    return _attachment(response, _timestamped("registrations", "csv"))


@admin.action(
    description="Export selected as one JSON array (import_registration reads it)", permissions=["view"]
)
def export_selected_json(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Registration]
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(exports.stream_json_array(queryset), content_type=JSON_TYPE)
    return _attachment(response, _timestamped("registrations", "json"))


REGISTRATION_ACTIONS: list[Any] = [export_selected_csv, export_selected_json]


# --- URLs ------------------------------------------------------------------------

# (URL name suffix, route under the registration, view)
EXPORT_VIEWS: tuple[tuple[str, str, ViewFunc], ...] = (
    ("export_form", "export/form/", submission_form_view),
    ("export_markdown", "export/markdown/", markdown_view),
    ("export_json", "export/json/", json_view),
    ("export_postman_collection", "export/postman-collection/", postman_collection_view),
    ("export_postman_environment", "export/postman-environment/", postman_environment_view),
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

    bound.__name__ = view.__name__
    methods = require_http_methods(["GET", "POST"]) if allow_post else require_GET
    return model_admin.admin_site.admin_view(methods(bound))


def registration_urls(model_admin: Any) -> list[URLPattern]:
    info = (model_admin.opts.app_label, model_admin.opts.model_name)
    return [
        path(
            f"<path:object_id>/{route}",
            _bind(model_admin, view, allow_post=view is postman_environment_secret_view),
            name="{}_{}_".format(*info) + name,
        )
        for name, route, view in EXPORT_VIEWS
    ]
