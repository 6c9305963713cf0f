"""The scope catalog's admin, and the registration list's filter by scope."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from ..forms import StorableTextFormMixin
from ..models import Scope


def scope_token_q(token: str) -> Q:
    """Registrations whose space-separated scope holds `token` as a whole token
    (users:read must not match users:readwrite). Portable: no regex."""
    return (
        Q(scope=token)
        | Q(scope__startswith=f"{token} ")
        | Q(scope__endswith=f" {token}")
        | Q(scope__contains=f" {token} ")
    )


class ScopeListFilter(admin.SimpleListFilter):
    title = "scope"
    parameter_name = "scope"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(name, name) for name in Scope.objects.values_list("name", flat=True)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        token = self.value()
        return queryset.filter(scope_token_q(token)) if token else queryset


class ScopeForm(StorableTextFormMixin, forms.ModelForm):
    class Meta:
        model = Scope
        fields = ["name", "description", "in_staging", "in_production"]


@admin.register(Scope)
class ScopeAdmin(admin.ModelAdmin):
    form = ScopeForm
    list_display = ["name", "description", "in_staging", "in_production"]
    list_filter = ["in_staging", "in_production"]
    search_fields = ["name", "description"]
