"""`{% monitoring_panel connection %}`: the monitoring card of the connection page."""

from __future__ import annotations

from typing import Any

from django import template

from ..forms import MonitoringForm
from ..selectors import monitoring_timeline

register = template.Library()


@register.inclusion_tag("oauthclient/includes/monitoring.html", takes_context=True)
def monitoring_panel(
    context: template.Context, connection: Any, form: MonitoringForm | None = None
) -> dict[str, Any]:
    return {
        "connection": connection,
        "form": form or MonitoringForm.for_connection(connection),
        "timeline": monitoring_timeline(connection=connection),
        "csrf_token": context.get("csrf_token"),
    }
