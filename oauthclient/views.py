"""The developer dashboard: thin views over oauthclient.services."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.servers import server_endpoints
from registrations.models import Credential

from . import messages, selectors
from .errors import OAuthClientError
from .forms import ConnectForm, ManualStartForm, PasteForm, TestCallForm
from .models import Connection
from .selectors import dashboard_callback_url
from .services.connection import (
    callback_registered,
    connection_complete,
    connection_complete_from_url,
    connection_disconnect,
    connection_introspect,
    connection_refresh,
    connection_start,
    credential_redirect_uris,
)
from .services.test_call import test_call_run

View = Callable[..., HttpResponse]
logger = logging.getLogger(__name__)


def database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    """503 with a plain message instead of a 500 when the database fails mid-request.

    Each service writes in its own transaction, so what failed was not saved. The page
    reads nothing more from the database: pending flash messages stay unread, because
    reading them would write the session.
    """
    logger.error("Database unavailable on %s: %s", request.path, type(exc).__name__, exc_info=exc)
    response = render(
        request,
        "oauthclient/database_unavailable.html",
        {"message": messages.DATABASE_UNAVAILABLE, "messages": []},
        status=503,
    )
    response["Retry-After"] = "30"
    return response


def dashboard_access(view: View) -> View:
    """Logged-in members of Developers or Partner managers (or superusers) only.

    A database that fails during the view is answered with a 503 page (database_unavailable).
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            if not selectors.user_may_use_dashboard(request.user):
                raise PermissionDenied(messages.DASHBOARD_FORBIDDEN)
            return view(request, *args, **kwargs)
        except (OperationalError, InterfaceError) as exc:
            return database_unavailable(request, exc)

    return wrapped


def _own_connection(request: HttpRequest, pk: int) -> Connection:
    # Someone else's connection is indistinguishable from a missing one.
    return get_object_or_404(selectors.connections_of(request.user), pk=pk)


def _usable_credential(pk: int) -> Credential:
    return get_object_or_404(selectors.credentials_usable(), pk=pk)


@require_GET
@dashboard_access
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "oauthclient/dashboard.html",
        {
            "connect_form": ConnectForm(),
            "connections": selectors.connections_of(request.user),
            "callback_url": dashboard_callback_url(),
        },
    )


@require_POST
@dashboard_access
def connect(request: HttpRequest) -> HttpResponse:
    form = ConnectForm(request.POST)
    if not form.is_valid():
        flash.error(request, messages.CREDENTIAL_NOT_USABLE)
        return redirect("oauthclient:dashboard")
    credential = form.cleaned_data["credential"]
    if not callback_registered(credential):
        flash.warning(request, messages.CALLBACK_NOT_REGISTERED.format(callback_url=dashboard_callback_url()))
        return redirect("oauthclient:manual", credential_id=credential.pk)
    try:
        authorization = connection_start(credential=credential, session=request.session)
    except OAuthClientError as exc:
        flash.error(request, exc.message)
        return redirect("oauthclient:dashboard")
    return HttpResponseRedirect(authorization.url)


@dashboard_access
def manual(request: HttpRequest, credential_id: int) -> HttpResponse:
    """The manual path: authorize with a registered redirect URI, paste where the browser lands."""
    credential = _usable_credential(credential_id)
    start_form = ManualStartForm(request.POST or None, redirect_uris=credential_redirect_uris(credential))
    authorization = None
    if request.method == "POST" and start_form.is_valid():
        try:
            authorization = connection_start(
                credential=credential,
                session=request.session,
                redirect_uri=start_form.cleaned_data["redirect_uri"],
            )
        except OAuthClientError as exc:
            flash.error(request, exc.message)
    return render(
        request,
        "oauthclient/manual.html",
        {
            "credential": credential,
            "endpoints": server_endpoints(credential.server),
            "callback_url": dashboard_callback_url(),
            "callback_registered": callback_registered(credential),
            "start_form": start_form,
            "authorization": authorization,
            "paste_form": PasteForm(),
        },
    )


@require_POST
@dashboard_access
def manual_complete(request: HttpRequest) -> HttpResponse:
    form = PasteForm(request.POST)
    if not form.is_valid():
        flash.error(request, messages.PASTED_URL_INVALID)
        return redirect("oauthclient:dashboard")
    try:
        connection = connection_complete_from_url(
            user=request.user, session=request.session, pasted_url=form.cleaned_data["pasted_url"]
        )
    except OAuthClientError as exc:
        flash.error(request, exc.message)
        return redirect("oauthclient:dashboard")
    flash.success(request, messages.CONNECTED)
    return redirect("oauthclient:connection", pk=connection.pk)


@require_GET
@dashboard_access
def callback(request: HttpRequest) -> HttpResponse:
    try:
        connection = connection_complete(
            user=request.user, session=request.session, params=request.GET.dict()
        )
    except OAuthClientError as exc:
        flash.error(request, exc.message)
        # Off the callback URL at once, so the code is not left in the address bar.
        return redirect("oauthclient:dashboard")
    flash.success(request, messages.CONNECTED)
    return redirect("oauthclient:connection", pk=connection.pk)


def _connection_page(
    request: HttpRequest,
    connection: Connection,
    *,
    test_call_form: TestCallForm | None = None,
    introspection: dict[str, Any] | None = None,
    monitoring_form: Any = None,
) -> HttpResponse:
    history = selectors.connection_history(connection=connection)
    result = None
    call_id = request.GET.get("call", "")
    if call_id.isdigit():
        result = connection.test_calls.filter(pk=int(call_id)).first()
    return render(
        request,
        "oauthclient/connection.html",
        {
            "connection": connection,
            "endpoints": server_endpoints(connection.credential.server),
            "test_call_form": test_call_form or TestCallForm(),
            "result": result,
            "history": history,
            "chart": selectors.duration_chart(history),
            "introspection": introspection,
            "monitoring_form": monitoring_form,
        },
    )


@require_GET
@dashboard_access
def connection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _connection_page(request, _own_connection(request, pk))


@require_POST
@dashboard_access
def connection_refresh_now(request: HttpRequest, pk: int) -> HttpResponse:
    connection = _own_connection(request, pk)
    try:
        connection_refresh(connection=connection, force=True)
    except OAuthClientError as exc:
        flash.error(request, exc.message)
    else:
        flash.success(request, messages.REFRESHED)
    return redirect("oauthclient:connection", pk=pk)


@require_POST
@dashboard_access
def connection_introspect_now(request: HttpRequest, pk: int) -> HttpResponse:
    connection = _own_connection(request, pk)
    try:
        introspection = connection_introspect(connection=connection)
    except OAuthClientError as exc:
        flash.error(request, exc.message)
        return redirect("oauthclient:connection", pk=pk)
    flash.success(
        request, messages.INTROSPECT_DONE.format(server=server_endpoints(connection.credential.server).label)
    )
    return _connection_page(request, connection, introspection=introspection)


@require_POST
@dashboard_access
def connection_disconnect_now(request: HttpRequest, pk: int) -> HttpResponse:
    connection = _own_connection(request, pk)
    flash.info(request, connection_disconnect(connection=connection))
    return redirect("oauthclient:connection", pk=pk)


@require_POST
@dashboard_access
def test_call(request: HttpRequest, pk: int) -> HttpResponse:
    connection = _own_connection(request, pk)
    form = TestCallForm(request.POST)
    if not form.is_valid():
        return _connection_page(request, connection, test_call_form=form)
    try:
        record = test_call_run(connection=connection, user=request.user, path=form.path_to_call())
    except OAuthClientError as exc:
        # A refused path: nothing was sent, nothing is kept.
        flash.error(request, exc.message)
        return _connection_page(request, connection, test_call_form=form)
    if record.error_code:
        flash.error(request, messages.TEST_CALL_FAILED.format(reason=record.error_message))
    else:
        flash.success(
            request, messages.TEST_CALL_DONE.format(status=record.status_code, duration_ms=record.duration_ms)
        )
    return redirect(reverse("oauthclient:connection", kwargs={"pk": pk}) + f"?call={record.pk}")
