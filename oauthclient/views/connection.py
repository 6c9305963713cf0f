"""The connection page and its actions: refresh, introspect, disconnect, read the metadata again."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.pleo_api import catalog
from core.servers import server_endpoints
from registrations.models import CredentialServer

from .. import messages, selectors
from ..discovery import cached_server
from ..errors import OAuthClientError
from ..forms import EMPTY_ROWS, OperationPickForm, TestCallForm
from ..models import Connection, ScopeCheck, TestCall
from ..operations import operation_find, operation_request, picked_operation
from ..parameters import parameter_fields, recent_ids
from ..services.test_call import api_request_of
from ..services.tokens import (
    connection_disconnect,
    connection_introspect,
    connection_refresh,
    connection_server_refresh,
)
from ..shell_commands import (
    ACCESS_TOKEN_VARIABLE,
    CLIENT_SECRET_VARIABLE,
    curl_command,
    httpie_command,
    javascript_snippet,
    python_snippet,
    shell_request,
)
from .access import dashboard_access, own_connection

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


def _snippets(connection: Connection, exchange: Any) -> list[tuple[str, str, str]]:
    """The result's request as (key, label, code): cURL, HTTPie, Python and JavaScript."""
    shell = shell_request(exchange, client_id=connection.credential.client_id) if exchange else None
    if shell is None:
        return []
    return [
        ("curl", "cURL", curl_command(shell)),
        ("httpie", "HTTPie", httpie_command(shell)),
        ("python", "Python (requests)", python_snippet(shell)),
        ("javascript", "JavaScript (fetch)", javascript_snippet(shell)),
    ]


def _parameters(connection: Connection, form: TestCallForm, operation: Any) -> dict[str, Any]:
    if operation is None or form["target"].value() not in (None, "", "custom"):
        return {}
    query = form.rows("query")[: -EMPTY_ROWS or None]
    path_fields, query_fields, rest = parameter_fields(
        operation, query=query, path_values=form.path_values(), ids=recent_ids(connection, operation)
    )
    return {
        "path_fields": path_fields,
        "query_fields": query_fields,
        "query_rows": [*rest, *[("", "")] * EMPTY_ROWS],
    }


def connection_page(
    request: HttpRequest,
    connection: Connection,
    *,
    test_call_form: TestCallForm | None = None,
    introspection: dict[str, Any] | None = None,
    status: int = 200,
    monitoring_form: Any = None,
) -> HttpResponse:
    """The connection page: the server, the console (a form as posted, or prefilled from a kept
    call or a picked operation), the history, the exchanges, monitoring and the scope check."""
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
    result_exchange = selectors.test_call_last_api_exchange(result) if result else None
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
            "result_exchange": result_exchange,
            "result_snippets": _snippets(connection, result_exchange),
            "contract_summary": selectors.connection_contract_summary(connection=connection),
            "body_warning_text": messages.CONTRACT_REQUEST_WARNING,
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
            **_parameters(connection, test_call_form, picked),
        },
        status=status,
    )


@require_GET
@dashboard_access
def connection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return connection_page(request, own_connection(request, pk))


@require_POST
@dashboard_access
def connection_refresh_now(request: HttpRequest, pk: int) -> HttpResponse:
    connection = own_connection(request, pk)
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
    connection = own_connection(request, pk)
    try:
        introspection = connection_introspect(connection=connection)
    except OAuthClientError as exc:
        flash.error(request, exc.message)
        return redirect("oauthclient:connection", pk=pk)
    flash.success(
        request, messages.INTROSPECT_DONE.format(server=server_endpoints(connection.credential.server).label)
    )
    return connection_page(request, connection, introspection=introspection)


@require_POST
@dashboard_access
def connection_disconnect_now(request: HttpRequest, pk: int) -> HttpResponse:
    connection = own_connection(request, pk)
    flash.info(request, connection_disconnect(connection=connection))
    return redirect("oauthclient:connection", pk=pk)


@require_POST
@dashboard_access
def server_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    """Read the server's metadata again now."""
    connection = own_connection(request, pk)
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
