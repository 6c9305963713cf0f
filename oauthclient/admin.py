"""Read-only admin views of connections and test calls; tokens are never shown."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest

from . import messages
from .models import Connection, TestCall
from .services.retention import RECORDING_BATCH

# access_token and refresh_token are left out on purpose.
CONNECTION_FIELDS = (
    "user",
    "credential",
    "status",
    "token_type",
    "scope",
    "expires_at",
    "connected_at",
    "refreshed_at",
    "refresh_count",
    "last_error_code",
    "last_error_description",
    "created_at",
    "updated_at",
)
TEST_CALL_FIELDS = (
    "connection",
    "user",
    "created_at",
    "method",
    "url",
    "status_code",
    "duration_ms",
    "response_size",
    "refreshed",
    "excerpt",
    "error_code",
    "error_message",
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Connection)
class ConnectionAdmin(ReadOnlyAdmin):
    list_display = ("id", "user", "credential", "status", "expires_at", "refresh_count", "updated_at")
    list_filter = ("status", "credential__server")
    fields = CONNECTION_FIELDS
    readonly_fields = CONNECTION_FIELDS


@admin.register(TestCall)
class TestCallAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "user",
        "connection",
        "method",
        "url",
        "status_code",
        "duration_ms",
        "error_code",
    )
    list_filter = ("status_code", "error_code")
    fields = TEST_CALL_FIELDS
    readonly_fields = TEST_CALL_FIELDS

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        note = messages.TEST_CALLS_KEPT_NOTE.format(
            kept=settings.PORTAL_TEST_CALLS_KEPT,
            days=settings.PORTAL_TEST_CALLS_KEPT_DAYS,
            batch=RECORDING_BATCH,
        )
        return super().changelist_view(request, {**(extra_context or {}), "retention_note": note})
