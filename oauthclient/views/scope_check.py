"""Running the scope check from the connection page (thin: services.scope_check does it)."""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import messages
from ..errors import OAuthClientError
from ..services.scope_check import connection_check_scopes, scope_check_summary
from .access import dashboard_access, own_connection


@require_POST
@dashboard_access
def scope_check(request: HttpRequest, pk: int) -> HttpResponse:
    connection = own_connection(request, pk)
    try:
        check = connection_check_scopes(connection=connection, user=request.user)
    except OAuthClientError as exc:
        flash.error(request, exc.message)
    else:
        passed, exercised = scope_check_summary(check)
        report = flash.success if passed == exercised else flash.error
        report(request, messages.SCOPE_CHECK_DONE.format(passed=passed, exercised=exercised))
    return redirect(reverse("oauthclient:connection", kwargs={"pk": pk}) + "#scope-check")
