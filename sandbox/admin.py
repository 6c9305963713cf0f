"""The "issue sandbox credentials" action, added to the registration admin's changelist.

Thin: credentials.py does the work. The plaintext secrets are shown once, on the
page the action answers with (not cached, never in a URL, a message or a log), and
each showing is audited like a reveal; afterwards only the credential's reveal
shows them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.debug import sensitive_variables

from core.http import client_address
from registrations.admin import add_registration_action
from registrations.models import Registration
from registrations.services.credential import REVEAL_PERMISSION

from .credentials import credential_issue_sandbox_disclosed

# The page shows the new secrets: issuing needs the reveal permission too.
ISSUE_PERMISSIONS = ("registrations.change_credential", REVEAL_PERMISSION)
ISSUE_FORBIDDEN = (
    "Issuing sandbox credentials shows the new client secret, so it needs the permissions to change "
    "credentials and to reveal client secrets."
)
TEMPLATE = "admin/sandbox/credentials_issued.html"


@admin.action(description="Issue sandbox credentials")
@sensitive_variables("secret", "issued", "context")  # the new client secrets
def issue_sandbox_credentials(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Registration]
) -> HttpResponse | None:
    if not request.user.has_perms(ISSUE_PERMISSIONS):
        modeladmin.message_user(request, ISSUE_FORBIDDEN, messages.ERROR)
        return None
    issued = []
    for registration in queryset.order_by("pk"):
        try:
            credential, secret = credential_issue_sandbox_disclosed(
                registration=registration,
                issued_by=request.user,
                remote_addr=client_address(request),
            )
        except ValidationError as exc:
            for message in exc.messages:
                modeladmin.message_user(request, message, messages.ERROR)
            continue
        issued.append({"registration": registration, "credential": credential, "client_secret": secret})
    if not issued:
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Sandbox credentials issued",
        "opts": modeladmin.model._meta,
        "issued": issued,
    }
    response = TemplateResponse(request, TEMPLATE, context)
    add_never_cache_headers(response)
    return response


add_registration_action(issue_sandbox_credentials)
