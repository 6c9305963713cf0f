"""Connecting: the dashboard, the authorization request, the callback, and the manual path."""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from core.servers import server_endpoints
from core.text import unstorable_reason

from .. import messages, selectors
from ..errors import OAuthClientError
from ..forms import CallbackStatementForm, ConnectForm, ManualStartForm, PasteForm
from ..models import CallbackKnowledge, CallbackStatement
from ..selectors import dashboard_callback_url
from ..services.authorization import (
    CODE_PASTED_URL_INVALID,
    connection_complete,
    connection_complete_from_url,
    connection_start,
)
from ..services.callback import (
    callback_knowledge,
    callback_registered,
    callback_statement_record,
    credential_redirect_uris,
)
from .access import dashboard_access, usable_credential


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
    credential = usable_credential(credential_id)
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
    credential = usable_credential(credential_id)
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
    knowledge = callback_knowledge(credential)
    return render(
        request,
        "oauthclient/manual.html",
        {
            "credential": credential,
            "endpoints": server_endpoints(credential.server),
            "callback_url": dashboard_callback_url(),
            "callback_registered": knowledge != CallbackKnowledge.UNKNOWN,
            "callback_knowledge": messages.CALLBACK_KNOWLEDGE[knowledge],
            "callback_unknown": knowledge == CallbackKnowledge.UNKNOWN,
            "statement_form": CallbackStatementForm(),
            "start_form": start_form,
            "authorization": authorization,
            "paste_form": PasteForm(),
        },
    )


@require_POST
@sensitive_post_parameters("pasted_url")
@dashboard_access
def manual_complete(request: HttpRequest) -> HttpResponse:
    form = PasteForm(request.POST)
    if not form.is_valid():
        # The form refuses text no database stores with that rule; anything else is no landing URL.
        reason = unstorable_reason(str(request.POST.get("pasted_url", "")))
        flash.error(request, reason or messages.PASTED_URL_INVALID)
        return _dashboard_page(request, status=400)
    try:
        connection = connection_complete_from_url(
            user=request.user, session=request.session, pasted_url=form.cleaned_data["pasted_url"]
        )
    except OAuthClientError as exc:
        flash.error(request, exc.message)
        if exc.code == CODE_PASTED_URL_INVALID:
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
