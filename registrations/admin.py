"""Admin for partner managers. Thin: every write goes through registrations.services.

The pieces owned by other modules plug in here:
- admin_exports.py:     per-registration export views and changelist export actions
- admin_credentials.py: the credential inline/admin, the reveal page, the audit admin
- admin_sandbox.py:     the "issue sandbox credentials" action
"""

from __future__ import annotations

from django.contrib import admin

from . import admin_credentials, admin_exports, admin_sandbox
from .models import Registration, Scope


@admin.register(Scope)
class ScopeAdmin(admin.ModelAdmin):
    list_display = ["name", "description", "in_staging", "in_production"]
    search_fields = ["name", "description"]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["client_name", "environment", "status", "updated_at"]
    inlines = [*admin_credentials.REGISTRATION_INLINES]
    actions = [*admin_exports.REGISTRATION_ACTIONS, *admin_sandbox.REGISTRATION_ACTIONS]

    def get_urls(self):  # type: ignore[no-untyped-def,unused-ignore]
        return [*admin_exports.registration_urls(self), *super().get_urls()]
