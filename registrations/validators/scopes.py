"""Scopes (RFC 6749 §3.3) against the scope catalog, which the caller passes in.

Every environment refuses a token that is not an RFC 6749 scope token, and one that
holds template syntax: Postman resolves `{{name}}` in the exported environment (a scope
`{{clientSecret}}` would send the client secret as a scope), and other tools resolve
`{% %}` or `${ }`. A token missing from the catalog is refused in production; in
staging it is accepted with a warning when it is in Pleo's `resource:permission` form
(Pleo adds scopes over time), and refused otherwise.
"""

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
SCOPE_TEMPLATE_SYNTAX = (
    "“{token}” holds template syntax ({{{{ }}}}, {{% %}} or ${{ }}), which Postman and other tools "
    "replace with a variable's value: a scope is plain text."
)
SCOPE_NOT_PLEO_FORM = (
    "“{token}” is neither in the scope catalog nor in Pleo's resource:permission form (lowercase "
    "letters, digits and hyphens on each side of one colon, e.g. accounts:read): staging accepts "
    "a scope missing from the catalog only in that form."
)
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

# RFC 6749 §3.3: NQCHAR, printable ASCII but the space, the double quote and the backslash.
_TOKEN_CHARACTERS = r"\x21\x23-\x5b\x5d-\x7e"
# fullmatch everywhere: `$` would accept a trailing newline.
_SCOPE_TOKEN_RE = re.compile(f"[{_TOKEN_CHARACTERS}]+")
# What opens or closes a template expression in the tools an export goes to.
TEMPLATE_MARKERS = ("{{", "}}", "{%", "%}", "${")
# Both rules over a whole scope string, as a pattern a database can search (Django's
# `__regex` on SQLite and PostgreSQL alike): it matches exactly when scope_problems() finds one.
SCOPE_PROBLEM_PATTERN = "|".join([f"[^ {_TOKEN_CHARACTERS}]", *(re.escape(m) for m in TEMPLATE_MARKERS)])
# Every scope Pleo documents is resource:permission: the catalog holds that form only, and
# staging accepts a token missing from the catalog only in that form.
_CATALOG_SCOPE_RE = re.compile(r"[a-z][a-z0-9-]*:[a-z][a-z0-9-]*")


def scope_token_problem(token: str) -> str | None:
    """Why every environment refuses `token` (template syntax, or not an RFC 6749 token), or None."""
    if any(marker in token for marker in TEMPLATE_MARKERS):
        return SCOPE_TEMPLATE_SYNTAX.format(token=shown(token))
    if not _SCOPE_TOKEN_RE.fullmatch(token):
        return SCOPE_TOKEN_SYNTAX.format(token=shown(token))
    return None


def scope_problems(scope: str) -> list[str]:
    """Why every environment refuses tokens of a stored scope string, whatever the catalog:
    what no export may carry."""
    return [problem for token in scope.split(" ") if token and (problem := scope_token_problem(token))]


def validate_scope_token(token: str) -> None:
    problem = scope_token_problem(token)
    if problem:
        raise ValidationError(problem)


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
        problem = scope_token_problem(token)
        if problem:
            errors.append(problem)
            continue
        if token in seen:
            errors.append(SCOPE_DUPLICATE.format(token=token))
            continue
        seen.add(token)
        if environment in set(catalog.get(token, ())):
            continue
        if environment == Environment.PRODUCTION:
            errors.append(SCOPE_NOT_IN_CATALOG_ERROR.format(token=token))
        elif not _CATALOG_SCOPE_RE.fullmatch(token):
            errors.append(SCOPE_NOT_PLEO_FORM.format(token=token))
        else:
            warnings.append(SCOPE_NOT_IN_CATALOG_WARNING.format(token=token))
    if errors:
        raise ValidationError(errors)
    return warnings
