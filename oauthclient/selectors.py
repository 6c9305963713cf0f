"""Read-only queries for the dashboard."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from core.pleo_api import catalog
from core.servers import portal_url, server_endpoints
from registrations.models import Credential, CredentialStatus, Registration
from registrations.readiness import StagingEvidence

from . import messages
from .models import SUCCESSFUL_CALL, Connection, ContractState, Exchange, ExchangeKind, TestCall
from .services.retention import with_calls_held

# Granted to the Developers and Partner managers groups (migration 0002); superusers have it.
USE_DASHBOARD_PERMISSION = "oauthclient.use_dashboard"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
HISTORY_LENGTH = 20
EVIDENCE_FOUND = "{method} {url} answered {status} on {when} UTC ({how} on {server})."


def _permission_backends() -> list[str]:
    """The authentication backends that answer permission questions (the login throttle's
    backend only refuses logins)."""
    return [path for path in settings.AUTHENTICATION_BACKENDS if hasattr(import_string(path), "has_perm")]


def user_may_use_dashboard(user: Any) -> bool:
    """`user.has_perm(USE_DASHBOARD_PERMISSION)` as ModelBackend answers it, in one query
    instead of the two that load all of the user's and their groups' permissions: every
    dashboard request asks. With other permission backends, has_perm itself."""
    if not (user.is_authenticated and user.is_active):
        return False
    if _permission_backends() != [MODEL_BACKEND]:
        return bool(user.has_perm(USE_DASHBOARD_PERMISSION))
    if user.is_superuser:
        return True
    app_label, codename = USE_DASHBOARD_PERMISSION.split(".")
    return (
        Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        .filter(Q(user=user) | Q(group__user=user))
        .exists()
    )


def _dashboard_permission_held(user: Any) -> Exists | None:
    """The one-query permission check as an expression to fold into another query, or None
    when ModelBackend alone cannot answer it (other backends: ask has_perm)."""
    if _permission_backends() != [MODEL_BACKEND]:
        return None
    app_label, codename = USE_DASHBOARD_PERMISSION.split(".")
    return Exists(
        Permission.objects.filter(content_type__app_label=app_label, codename=codename).filter(
            Q(user=user) | Q(group__user=user)
        )
    )


def connection_with_access(user: Any, pk: int) -> tuple[Connection | None, bool]:
    """The user's connection `pk` (or None) and whether the user may use the dashboard, read in
    one query when ModelBackend answers the permission (user_may_use_dashboard's rule), with
    the count of test calls that a call's recording prunes by (retention.with_calls_held)."""
    if not (user.is_authenticated and user.is_active):
        return None, False
    held = None if user.is_superuser else _dashboard_permission_held(user)
    if held is None:
        allowed = user_may_use_dashboard(user)
        return (connections_of(user).filter(pk=pk).first() if allowed else None), allowed
    found = with_calls_held(connections_of(user).filter(pk=pk)).annotate(dashboard_allowed=held).first()
    if found is None:
        # No such connection of theirs: whether it is a 403 or a 404 takes the check on its own.
        return None, user_may_use_dashboard(user)
    return found, bool(found.dashboard_allowed)


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


# Each exchange shows its raw request and response (up to 64 KB each): ten keep the page light.
EXCHANGES_PER_PAGE = 10


def connection_exchanges(*, connection: Connection, page: str | int | None) -> Page:
    """A page of the connection's newest PORTAL_EXCHANGES_KEPT exchanges, newest first.

    Two queries whatever the count (older rows wait for the next batch deletion).
    """
    kept = max(int(settings.PORTAL_EXCHANGES_KEPT), 0)
    exchanges = Exchange.objects.filter(connection=connection).order_by("-created_at", "-id")[:kept]
    return Paginator(exchanges, EXCHANGES_PER_PAGE).get_page(page)


def test_call_last_api_exchange(call: TestCall) -> Exchange | None:
    """The last API exchange of a test call (after a refresh and a retry, the retry's)."""
    return call.exchanges.filter(kind=ExchangeKind.TEST_CALL).order_by("-id").first()


@dataclass(frozen=True)
class HeaderRow:
    name: str
    first: str
    second: str

    @property
    def differs(self) -> bool:
        return self.first != self.second


@dataclass(frozen=True)
class Comparison:
    first: TestCall
    second: TestCall
    headers: list[HeaderRow]
    body_diff: list[tuple[str, str]]  # (css class, line)

    @property
    def same_status(self) -> bool:
        return (self.first.status_code, self.first.error_code) == (
            self.second.status_code,
            self.second.error_code,
        )


def _answer(call: TestCall) -> tuple[dict[str, str], str]:
    exchange = test_call_last_api_exchange(call)
    if exchange is None:
        return {}, call.excerpt
    headers = {str(name).lower(): str(value) for name, value in exchange.response_headers}
    return headers, exchange.response_body


def calls_compared(first: TestCall, second: TestCall) -> Comparison:
    """Two calls' answers side by side: status, each header, and a line diff of the bodies."""
    first_headers, first_body = _answer(first)
    second_headers, second_body = _answer(second)
    headers = [
        HeaderRow(name, first_headers.get(name, ""), second_headers.get(name, ""))
        for name in sorted(set(first_headers) | set(second_headers))
    ]
    diff = difflib.unified_diff(
        first_body.splitlines(),
        second_body.splitlines(),
        f"call {first.pk}",
        f"call {second.pk}",
        lineterm="",
    )
    styles = {"+": "diff-added", "-": "diff-removed", "@": "diff-hunk"}
    body_diff = [
        ("diff-hunk" if line.startswith(("---", "+++")) else styles.get(line[:1], "diff-same"), line)
        for line in diff
    ]
    return Comparison(first=first, second=second, headers=headers, body_diff=body_diff)


TIMELINE_DAYS = 30


def monitoring_timeline(
    *, connection: Connection, now: datetime | None = None, width: int = 600, height: int = 120
) -> dict[str, Any]:
    """The scheduled probes of the last TIMELINE_DAYS days as points of an inline SVG chart:
    time left to right, response time bottom to top, class by outcome (failures on the baseline)."""
    now = now or timezone.now()
    since = now - timedelta(days=TIMELINE_DAYS)
    calls = list(
        connection.test_calls.filter(scheduled=True, created_at__gte=since)
        .only("created_at", "duration_ms", "status_code", "error_code")
        .order_by("created_at", "id")
    )
    span = (now - since).total_seconds()
    baseline = height - 6
    max_ms = max((call.duration_ms or 0 for call in calls if call.ok), default=0) or 1
    points = []
    for call in calls:
        x = round((call.created_at - since).total_seconds() / span * (width - 8) + 4, 1)
        y = round(baseline - (call.duration_ms or 0) / max_ms * (height - 24), 1) if call.ok else baseline
        outcome = f"{call.status_code or call.error_code}"
        took = f"{call.duration_ms} ms" if call.duration_ms is not None else "no answer"
        points.append(
            {
                "x": x,
                "y": y,
                "ok": call.ok,
                "title": f"{call.created_at:%Y-%m-%d %H:%M} · {outcome} · {took}",
            }
        )
    return {
        "points": points,
        "width": width,
        "height": height,
        "baseline": baseline,
        "max_ms": max_ms if any(call.ok for call in calls) else 0,
        "days": TIMELINE_DAYS,
        "probes": len(calls),
        "failures": sum(1 for call in calls if not call.ok),
        "since": since,
    }


def staging_evidence(registration: Registration, since: datetime) -> StagingEvidence | None:
    """The latest successful test call with any credential of `registration` since `since` (readiness report)."""
    call = (
        TestCall.objects.filter(
            SUCCESSFUL_CALL, connection__credential__registration=registration, created_at__gte=since
        )
        .select_related("connection__credential")
        .order_by("-created_at")
        .first()
    )
    if call is None:
        return None
    server = server_endpoints(call.connection.credential.server).label
    return StagingEvidence(
        True,
        EVIDENCE_FOUND.format(
            method=call.method,
            url=call.url,
            status=call.status_code,
            when=f"{call.created_at:%Y-%m-%d %H:%M}",
            server=server,
            how="a scheduled probe" if call.scheduled else "a test call",
        ),
    )


@dataclass(frozen=True)
class ContractSummaryRow:
    """A catalog operation this connection called: how its answers fared against Pleo's documents."""

    operation: str
    name: str
    matches: int
    deviates: int
    last_state: str
    last_call: int

    @property
    def last_matches(self) -> bool:
        return self.last_state == ContractState.MATCHES


def connection_contract_summary(*, connection: Connection) -> list[ContractSummaryRow]:
    """Per operation called, the judged answers that matched and deviated, and the last verdict
    (one query, whatever the number of calls)."""
    counted = (
        connection.test_calls.exclude(contract_operation="")
        .filter(contract_state__in=(ContractState.MATCHES, ContractState.DEVIATES))
        .values("contract_operation", "contract_state")
        .annotate(calls=Count("id"), last=Max("id"))
    )
    rows: dict[str, dict[str, Any]] = {}
    for entry in counted:
        row = rows.setdefault(entry["contract_operation"], {"last": 0, "last_state": "", "by_state": {}})
        row["by_state"][entry["contract_state"]] = entry["calls"]
        if entry["last"] > row["last"]:
            row["last"], row["last_state"] = entry["last"], entry["contract_state"]
    api = catalog()
    names = {operation.key: operation.name for operation in api.operations}
    order = {operation.key: index for index, operation in enumerate(api.operations)}
    return [
        ContractSummaryRow(
            operation=key,
            name=names.get(key, key),
            matches=row["by_state"].get(ContractState.MATCHES, 0),
            deviates=row["by_state"].get(ContractState.DEVIATES, 0),
            last_state=row["last_state"],
            last_call=row["last"],
        )
        for key, row in sorted(rows.items(), key=lambda item: order.get(item[0], len(order)))
    ]
