"""The console: send a test call, send a kept one again, compare two answers."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from .. import messages, selectors
from ..errors import OAuthClientError
from ..forms import CompareForm, TestCallForm
from ..models import Connection, TestCall
from ..services.test_call import test_call_rerun, test_call_send
from .access import dashboard_access, dashboard_connection_access, own_connection
from .connection import connection_page

# The submit button that only checks the request (its body against Pleo's documents).
CHECK_ONLY = "check"


def _after_test_call(request: HttpRequest, pk: int, record: TestCall) -> HttpResponse:
    if record.error_code:
        flash.error(request, messages.TEST_CALL_FAILED.format(reason=record.error_message))
    elif not record.ok:
        flash.error(
            request,
            messages.TEST_CALL_NOT_OK.format(status=record.status_code, duration_ms=record.duration_ms),
        )
    else:
        flash.success(
            request, messages.TEST_CALL_DONE.format(status=record.status_code, duration_ms=record.duration_ms)
        )
    return redirect(reverse("oauthclient:connection", kwargs={"pk": pk}) + f"?call={record.pk}")


@require_POST
@dashboard_connection_access
def test_call(request: HttpRequest, connection: Connection) -> HttpResponse:
    pk = connection.pk
    form = TestCallForm(request.POST, server=connection.credential.server)
    if not form.is_valid():
        return connection_page(request, connection, test_call_form=form, status=400)
    if CHECK_ONLY in request.POST:
        # Judge the body against Pleo's documents without sending anything.
        if not form.body_warnings:
            flash.success(request, messages.CONTRACT_REQUEST_FITS)
        return connection_page(request, connection, test_call_form=form)
    try:
        record = test_call_send(
            connection=connection,
            user=request.user,
            request=form.api_request(),
            production_confirmed=form.cleaned_data["confirm_production"],
            # Read with the connection a moment ago, in this request.
            credential_loaded_now=True,
        )
    except OAuthClientError as exc:
        # A path off the API base is refused before anything is sent: nothing is kept.
        form.add_error("path", exc.message)
        return connection_page(request, connection, test_call_form=form, status=400)
    return _after_test_call(request, pk, record)


@require_POST
@dashboard_access
def test_call_again(request: HttpRequest, pk: int, call_id: int) -> HttpResponse:
    """Send a kept test call again, as it was."""
    connection = own_connection(request, pk)
    call = get_object_or_404(connection.test_calls, pk=call_id)
    try:
        record = test_call_rerun(
            call=call, user=request.user, production_confirmed=bool(request.POST.get("confirm_production"))
        )
    except (OAuthClientError, ValidationError) as exc:
        flash.error(request, exc.message if isinstance(exc, OAuthClientError) else " ".join(exc.messages))
        return redirect(reverse("oauthclient:connection", kwargs={"pk": pk}) + f"?from={call.pk}")
    return _after_test_call(request, pk, record)


@require_GET
@dashboard_access
def compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Two test calls' answers side by side."""
    connection = own_connection(request, pk)
    form = CompareForm(request.GET, calls=connection.test_calls.all())
    if not form.is_valid():
        flash.error(request, messages.COMPARE_INVALID)
        return connection_page(request, connection, status=400)
    first, second = form.cleaned_data["calls"]
    return render(
        request,
        "oauthclient/compare.html",
        {"connection": connection, "comparison": selectors.calls_compared(first, second)},
    )
