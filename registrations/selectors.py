"""Reads the registration rules need: the scope catalog, and a registration's validation report."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .choices import Environment
from .models import Registration, Scope
from .validators import ValidationReport, check_registration

ScopeCatalog = dict[str, list[str]]


def scope_catalog_entries() -> list[Scope]:
    """The catalog's rows, for forms that show names and descriptions."""
    return list(Scope.objects.only("name", "description", "in_staging", "in_production"))


def scope_catalog(entries: Iterable[Any] | None = None) -> ScopeCatalog:
    """The catalog as {scope name: [environments it exists in]}: what the rules take.

    From `entries` (rows already read) or, without them, one query."""
    if entries is None:
        rows: Iterable[tuple[str, bool, bool]] = Scope.objects.values_list(
            "name", "in_staging", "in_production"
        )
    else:
        rows = ((entry.name, entry.in_staging, entry.in_production) for entry in entries)
    return {
        name: [
            env
            for env, present in (
                (Environment.STAGING.value, in_staging),
                (Environment.PRODUCTION.value, in_production),
            )
            if present
        ]
        for name, in_staging, in_production in rows
    }


def registration_validation_report(
    registration: Registration, *, catalog: Mapping[str, Iterable[str]] | None = None
) -> ValidationReport:
    """Every rule applied to a registration as it stands (the catalog read when not given)."""
    return check_registration(registration, catalog=scope_catalog() if catalog is None else catalog)
