"""Scopes (RFC 6749 §3.3) against the scope catalog, which the caller passes in."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError

from ..choices import Environment
from .common import shown

MAX_SCOPE_LENGTH = 2000

SCOPE_REQUIRED = "Choose at least one scope."
SCOPE_TOO_LONG = f"Use at most {MAX_SCOPE_LENGTH} characters for all scopes together."
SCOPE_SPACING = "Separate scopes with single spaces, with no leading or trailing space."
SCOPE_TOKEN_SYNTAX = "“{token}” is not a valid scope token (RFC 6749 §3.3: printable ASCII without spaces, quotes or backslashes)."
SCOPE_DUPLICATE = "“{token}” is listed more than once."
SCOPE_NOT_IN_CATALOG_ERROR = (
    "“{token}” is not in the scope catalog for production: add it to the catalog first or remove it."
)
SCOPE_NOT_IN_CATALOG_WARNING = (
    "“{token}” is not in the scope catalog for staging: check the spelling with Pleo."
)

CATALOG_SCOPE_FORM = (
    "“{name}” is not in Pleo's resource:permission form (lowercase letters, digits and hyphens "
    "on each side of one colon), e.g. accounts:read."
)

# fullmatch everywhere: `$` would accept a trailing newline.
_SCOPE_TOKEN_RE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")
# Every scope Pleo documents is resource:permission; a registration may still ask for
# other RFC 6749 tokens (a warning in staging), but the catalog holds Pleo's form only.
_CATALOG_SCOPE_RE = re.compile(r"[a-z][a-z0-9-]*:[a-z][a-z0-9-]*")


def validate_scope_token(token: str) -> None:
    if not _SCOPE_TOKEN_RE.fullmatch(token):
        raise ValidationError(SCOPE_TOKEN_SYNTAX.format(token=token))


def validate_catalog_scope_name(name: str) -> None:
    """A scope catalog entry: RFC 6749 token syntax and Pleo's resource:permission form."""
    validate_scope_token(name)
    if not _CATALOG_SCOPE_RE.fullmatch(name):
        raise ValidationError(CATALOG_SCOPE_FORM.format(name=shown(name)))


def validate_scope(scope: Any, *, environment: str, catalog: Mapping[str, Iterable[str]]) -> list[str]:
    """Check a space-separated scope string against RFC 6749 §3.3 and the catalog.

    `catalog` maps each known scope name to the environments it exists in.
    """
    if not isinstance(scope, str) or scope == "":
        raise ValidationError(SCOPE_REQUIRED)
    if len(scope) > MAX_SCOPE_LENGTH:
        raise ValidationError(SCOPE_TOO_LONG)
    if scope != scope.strip(" ") or "  " in scope:
        raise ValidationError(SCOPE_SPACING)
    errors: list[str] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for token in scope.split(" "):
        if not _SCOPE_TOKEN_RE.fullmatch(token):
            errors.append(SCOPE_TOKEN_SYNTAX.format(token=shown(token)))
            continue
        if token in seen:
            errors.append(SCOPE_DUPLICATE.format(token=token))
            continue
        seen.add(token)
        if environment not in set(catalog.get(token, ())):
            if environment == Environment.PRODUCTION:
                errors.append(SCOPE_NOT_IN_CATALOG_ERROR.format(token=token))
            else:
                warnings.append(SCOPE_NOT_IN_CATALOG_WARNING.format(token=token))
    if errors:
        raise ValidationError(errors)
    return warnings
