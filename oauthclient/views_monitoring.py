"""Turning monitoring on or off from the connection page (thin: services.monitoring does it)."""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from .errors import OAuthClientError
from .forms import MonitoringForm
from .services.monitoring import connection_set_monitoring
from .views import _connection_page, _own_connection, dashboard_access

MONITORING_ON = "Monitoring is on: the scheduled probe makes GET {path}."
MONITORING_OFF = "Monitoring is off."


@require_POST
@dashboard_access
def monitoring(request: HttpRequest, pk: int) -> HttpResponse:
    connection = _own_connection(request, pk)
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
            flash.success(request, MONITORING_ON.format(path=path) if on else MONITORING_OFF)
            return redirect("oauthclient:connection", pk=pk)
    return _connection_page(request, connection, monitoring_form=form)
