"""The developer dashboard: thin views over oauthclient.services."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.pleo_api import catalog
from core.servers import server_endpoints
from registrations.models import Credential, CredentialServer

from . import messages, selectors
from .discovery import cached_server
from .errors import OAuthClientError
from .forms import (
    CallbackStatementForm,
    CompareForm,
    ConnectForm,
    ManualStartForm,
    OperationPickForm,
    PasteForm,
    TestCallForm,
)
from .models import CallbackStatement, Connection, ScopeCheck, TestCall
from .operations import operation_find, operation_request, picked_operation
from .selectors import dashboard_callback_url
from .services.connection import (
    CALLBACK_UNKNOWN,
    callback_knowledge,
    callback_registered,
    callback_statement_record,
    connection_complete,
    connection_complete_from_url,
    connection_disconnect,
    connection_introspect,
    connection_refresh,
    connection_server_refresh,
    connection_start,
    credential_redirect_uris,
)
from .services.test_call import api_request_of, test_call_rerun, test_call_send
from .shell_commands import (
    ACCESS_TOKEN_VARIABLE,
    CLIENT_SECRET_VARIABLE,
    curl_command,
    httpie_command,
    shell_request,
)

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
    return _dashboard_page(request)


@require_POST
@dashboard_access
def connect(request: HttpRequest) -> HttpResponse:
    """Start the authorization request; `try_callback` tries the portal's callback even when
    the portal does not know whether the server accepts it."""
    form = ConnectForm(request.POST)
    if not form.is_valid():
        flash.error(request, messages.CREDENTIAL_NOT_USABLE)
        return redirect("oauthclient:dashboard")
    credential = form.cleaned_data["credential"]
    if not callback_registered(credential) and not request.POST.get("try_callback"):
        flash.warning(request, messages.CALLBACK_NOT_REGISTERED.format(callback_url=dashboard_callback_url()))
        return redirect("oauthclient:manual", credential_id=credential.pk)
    try:
        authorization = connection_start(
            credential=credential, session=request.session, scopes=form.chosen_scopes()
        )
    except OAuthClientError as exc:
        flash.error(request, exc.message)
        return redirect("oauthclient:dashboard")
    return HttpResponseRedirect(authorization.url)


@require_POST
@dashboard_access
def callback_statement(request: HttpRequest, credential_id: int) -> HttpResponse:
    """A developer states that the portal's callback is registered at the client's server."""
    credential = _usable_credential(credential_id)
    form = CallbackStatementForm(request.POST)
    if form.is_valid():
        callback_statement_record(
            credential=credential, user=request.user, source=CallbackStatement.Source.STATED
        )
        flash.success(request, messages.CALLBACK_STATED)
        return redirect("oauthclient:dashboard")
    flash.error(request, messages.CALLBACK_NOT_CONFIRMED)
    return redirect("oauthclient:manual", credential_id=credential.pk)


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
            "callback_knowledge": messages.CALLBACK_KNOWLEDGE[callback_knowledge(credential)],
            "callback_unknown": callback_knowledge(credential) == CALLBACK_UNKNOWN,
            "statement_form": CallbackStatementForm(),
            "start_form": start_form,
            "authorization": authorization,
            "paste_form": PasteForm(),
        },
    )


def _dashboard_page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    return render(
        request,
        "oauthclient/dashboard.html",
        {
            "connect_form": ConnectForm(),
            "connections": selectors.connections_of(request.user),
            "callback_url": dashboard_callback_url(),
        },
        status=status,
    )


@require_POST
@dashboard_access
def manual_complete(request: HttpRequest) -> HttpResponse:
    form = PasteForm(request.POST)
    if not form.is_valid():
        flash.error(request, messages.PASTED_URL_INVALID)
        return _dashboard_page(request, status=400)
    try:
        connection = connection_complete_from_url(
            user=request.user, session=request.session, pasted_url=form.cleaned_data["pasted_url"]
        )
    except OAuthClientError as exc:
        flash.error(request, exc.message)
        if exc.code == "pasted_url_invalid":
            # What was pasted is not a URL with an answer in it: the request itself is wrong.
            return _dashboard_page(request, status=400)
        return redirect("oauthclient:dashboard")
    flash.success(request, messages.CONNECTED)
    return redirect("oauthclient:connection", pk=connection.pk)


@require_GET
@dashboard_access
def callback(request: HttpRequest) -> HttpResponse:
    try:
        connection = connection_complete(
            user=request.user,
            session=request.session,
            params=request.GET.dict(),
            callback_url=dashboard_callback_url(),
        )
    except OAuthClientError as exc:
        flash.error(request, exc.message)
        # Off the callback URL at once, so the code is not left in the address bar.
        return redirect("oauthclient:dashboard")
    flash.success(request, messages.CONNECTED)
    return redirect("oauthclient:connection", pk=connection.pk)


_ID = re.compile(r"[0-9]{1,18}")


def _own_call(connection: Connection, raw: str | None) -> TestCall | None:
    """One of the connection's test calls by the id in a query parameter; a malformed id is a 400."""
    if not raw:
        return None
    if not _ID.fullmatch(raw):
        raise BadRequest(messages.CALL_ID_INVALID)
    return connection.test_calls.filter(pk=int(raw)).first()


def _exchange_rows(connection: Connection, page: Any) -> list[dict[str, Any]]:
    client_id = connection.credential.client_id
    rows = []
    for exchange in page:
        shell = shell_request(exchange, client_id=client_id)
        rows.append(
            {
                "exchange": exchange,
                "curl": curl_command(shell) if shell else "",
                "httpie": httpie_command(shell) if shell else "",
            }
        )
    return rows


def _connection_page(
    request: HttpRequest,
    connection: Connection,
    *,
    test_call_form: TestCallForm | None = None,
    introspection: dict[str, Any] | None = None,
    status: int = 200,
    monitoring_form: Any = None,
) -> HttpResponse:
    history = selectors.connection_history(connection=connection)
    server_key = connection.credential.server
    try:
        result = _own_call(connection, request.GET.get("call"))
        prefill = _own_call(connection, request.GET.get("from"))
    except BadRequest as exc:
        flash.error(request, str(exc))
        result = prefill = None
        status = 400
    granted = connection.scope.split()
    pick_form = OperationPickForm(request.GET if "operation" in request.GET else None, granted=granted)
    scope_check = ScopeCheck.objects.filter(connection=connection).first()
    if test_call_form is None:
        if prefill is not None:
            test_call_form = TestCallForm.prefilled(api_request_of(prefill), server=server_key)
        elif pick_form.is_valid():
            key = pick_form.cleaned_data["operation"]
            picked_request = operation_request(
                catalog().operation(key), company_id=scope_check.company_id if scope_check else ""
            )
            test_call_form = TestCallForm.prefilled(picked_request, server=server_key, operation=key)
        else:
            test_call_form = TestCallForm(server=server_key)
            status = 400 if pick_form.is_bound else status
    picked = operation_find(str(test_call_form["operation"].value() or ""))
    exchanges = selectors.connection_exchanges(connection=connection, page=request.GET.get("exchanges"))
    return render(
        request,
        "oauthclient/connection.html",
        {
            "connection": connection,
            "endpoints": server_endpoints(server_key),
            "server": cached_server(server_key),
            "is_production": server_key == CredentialServer.PLEO_PRODUCTION,
            "test_call_form": test_call_form,
            "query_rows": test_call_form.rows("query"),
            "header_rows": test_call_form.rows("headers"),
            "result": result,
            "result_exchange": selectors.test_call_exchange(result) if result else None,
            "history": history,
            "chart": selectors.duration_chart(history),
            "introspection": introspection,
            "exchanges": exchanges,
            "exchange_rows": _exchange_rows(connection, exchanges),
            "access_token_variable": ACCESS_TOKEN_VARIABLE,
            "client_secret_variable": CLIENT_SECRET_VARIABLE,
            "credential_disabled": selectors.credential_disabled_status(connection),
            "monitoring_form": monitoring_form,
            "pick_form": pick_form,
            "picked": picked_operation(picked, granted) if picked else None,
            "scope_check": scope_check,
        },
        status=status,
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
def server_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    """Read the server's metadata again now."""
    connection = _own_connection(request, pk)
    server = connection_server_refresh(connection=connection)
    if server.from_metadata:
        flash.success(
            request, messages.SERVER_METADATA_READ.format(server=server.label, url=server.metadata_url)
        )
    else:
        flash.warning(
            request, messages.SERVER_METADATA_NONE.format(server=server.label, problem=server.problem)
        )
    return redirect("oauthclient:connection", pk=pk)


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
@dashboard_access
def test_call(request: HttpRequest, pk: int) -> HttpResponse:
    connection = _own_connection(request, pk)
    form = TestCallForm(request.POST, server=connection.credential.server)
    if not form.is_valid():
        return _connection_page(request, connection, test_call_form=form, status=400)
    try:
        record = test_call_send(
            connection=connection,
            user=request.user,
            request=form.api_request(),
            production_confirmed=form.cleaned_data["confirm_production"],
        )
    except OAuthClientError as exc:
        # A refused path: nothing was sent, nothing is kept.
        flash.error(request, exc.message)
        return _connection_page(request, connection, test_call_form=form)
    return _after_test_call(request, pk, record)


@require_POST
@dashboard_access
def test_call_again(request: HttpRequest, pk: int, call_id: int) -> HttpResponse:
    """Send a kept test call again, as it was."""
    connection = _own_connection(request, pk)
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
    connection = _own_connection(request, pk)
    form = CompareForm(request.GET, calls=connection.test_calls.all())
    if not form.is_valid():
        flash.error(request, messages.COMPARE_INVALID)
        return _connection_page(request, connection, status=400)
    first, second = form.cleaned_data["calls"]
    return render(
        request,
        "oauthclient/compare.html",
        {"connection": connection, "comparison": selectors.calls_compared(first, second)},
    )
