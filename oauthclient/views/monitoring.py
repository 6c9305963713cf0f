"""Turning monitoring on or off from the connection page (thin: services.monitoring does it)."""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from .. import messages
from ..errors import OAuthClientError
from ..forms import MonitoringForm
from ..services.monitoring import connection_set_monitoring
from .access import dashboard_access, own_connection
from .connection import connection_page


@require_POST
@dashboard_access
def monitoring(request: HttpRequest, pk: int) -> HttpResponse:
    connection = own_connection(request, pk)
    form = MonitoringForm(request.POST, prefix="monitoring")
    if form.is_valid():
        path = form.path_to_call()
        try:
            connection_set_monitoring(
                connection=connection, monitored=form.cleaned_data["monitored"], path=path
            )
        except OAuthClientError as exc:
            form.add_error("path", exc.message)
        else:
            on = form.cleaned_data["monitored"]
            flash.success(
                request, messages.MONITORING_ON.format(path=path) if on else messages.MONITORING_OFF
            )
            return redirect("oauthclient:connection", pk=pk)
    return connection_page(request, connection, monitoring_form=form)
