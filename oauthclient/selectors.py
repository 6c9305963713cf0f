"""Read-only queries for the dashboard."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from core.servers import portal_url
from registrations.models import Credential, CredentialStatus

from . import messages
from .models import Connection, TestCall

# Granted to the Developers and Partner managers groups (migration 0002); superusers have it.
USE_DASHBOARD_PERMISSION = "oauthclient.use_dashboard"
HISTORY_LENGTH = 20


def user_may_use_dashboard(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(USE_DASHBOARD_PERMISSION))


def dashboard_callback_url() -> str:
    """The portal's own redirect URI (PORTAL_BASE_URL + the callback view's path): the
    dashboard sends it, and every sandbox client is registered with it."""
    return portal_url(reverse("oauthclient:callback"))


def credentials_usable() -> QuerySet[Credential]:
    """Credentials a developer may connect with: the active ones."""
    return (
        Credential.objects.filter(status=CredentialStatus.ACTIVE)
        .select_related("registration")
        .order_by("registration__client_name", "server", "-recorded_at")
    )


def credential_disabled_status(connection: Connection) -> str:
    """The connection page's "Credential revoked" (or superseded), or "" for an active credential."""
    credential = connection.credential
    if credential.status == CredentialStatus.ACTIVE:
        return ""
    return messages.CREDENTIAL_DISABLED_STATUS.format(status=credential.get_status_display().lower())


def connections_of(user: Any) -> QuerySet[Connection]:
    return Connection.objects.filter(user=user).select_related("credential", "credential__registration")


def connection_history(*, connection: Connection, limit: int = HISTORY_LENGTH) -> list[TestCall]:
    return list(connection.test_calls.select_related("user")[:limit])


def duration_chart(calls: list[TestCall], *, width: int = 400, height: int = 80) -> dict[str, Any]:
    """Bars for an inline SVG chart: oldest left, height by duration, class by outcome."""
    calls = list(reversed(calls))
    if not calls:
        return {"bars": [], "width": width, "height": height, "max_ms": 0}
    max_ms = max((call.duration_ms or 0) for call in calls) or 1
    slot = width / max(len(calls), HISTORY_LENGTH)
    bars = []
    for index, call in enumerate(calls):
        # Failed calls without a duration still show, as a short stub.
        bar_height = max(3, round((call.duration_ms or 0) / max_ms * (height - 14)))
        bars.append(
            {
                "x": round(index * slot + 1, 1),
                "y": height - bar_height,
                "width": round(max(slot - 2, 1), 1),
                "height": bar_height,
                "ok": call.ok,
                "title": f"{call.created_at:%Y-%m-%d %H:%M:%S} · "
                f"{call.status_code or call.error_code} · {call.duration_ms if call.duration_ms is not None else '–'} ms",
            }
        )
    return {"bars": bars, "width": width, "height": height, "max_ms": max_ms}
