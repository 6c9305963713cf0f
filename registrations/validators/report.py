"""The whole registration: every rule applied, errors and warnings collected by field.

Pure: the scope catalog is passed in (registrations.selectors reads it), so one
save reads it once and judges once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from core.text import UNSTORABLE_CODE, json_unstorable_reason

from ..choices import ApplicationType, Environment
from ..fields import FIELDS, Kind, RegistrationField
from .common import REQUIRED
from .contacts import validate_contacts
from .redirect_uris import validate_redirect_uris
from .scopes import validate_scope
from .text import validate_client_name, validate_subject_type_preference
from .uris import validate_web_uri

CHOICE_INVALID = "Choose {choices}."
ENVIRONMENT_INVALID = CHOICE_INVALID.format(choices=" or ".join(Environment.values))
APPLICATION_TYPE_INVALID = CHOICE_INVALID.format(choices=" or ".join(ApplicationType.values))
PRODUCTION_ASKS_FOR = "Pleo asks for this in production: add {what}."

# Every field that check_registration judges, required-ness and length included:
# callers skip Django's generic checks for these so one message is shown, not two.
VALIDATED_FIELDS = tuple(f.name for f in FIELDS if f.kind != Kind.BOOLEAN)

# Text fields with a rule of their own; any other text field is only checked for presence.
_TEXT_RULES: dict[str, Callable[[Any], None]] = {
    "client_name": validate_client_name,
    "subject_type_preference": validate_subject_type_preference,
}


@dataclass
class ValidationReport:
    """Errors block saving; warnings are shown next to the field and do not.

    `incomplete` names empty optional fields that Pleo asks for in production
    (the field table's `production_asks_for`); like warnings they do not block
    saving, and the readiness report counts them as failures.
    """

    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    incomplete: dict[str, list[str]] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def add_error(self, field_name: str, exc: ValidationError) -> None:
        self.errors.setdefault(field_name, []).extend(exc.messages)

    def add_warnings(self, field_name: str, messages: list[str]) -> None:
        if messages:
            self.warnings.setdefault(field_name, []).extend(messages)


def _is_empty(value: Any) -> bool:
    return value in ("", None)


def _judge(
    spec: RegistrationField,
    value: Any,
    *,
    environment: str,
    application_type: str,
    catalog: Mapping[str, Iterable[str]],
) -> list[str]:
    """One field's rule: raises ValidationError, returns warnings. Text that cannot be stored
    is refused first, whatever the field: its other rules would only name it in their words."""
    unstorable = json_unstorable_reason(value)
    if unstorable:
        raise ValidationError(unstorable, code=UNSTORABLE_CODE)
    if spec.kind == Kind.URI:
        if spec.required or not _is_empty(value):
            validate_web_uri(value, environment=environment)
    elif spec.kind == Kind.TEXT:
        rule = _TEXT_RULES.get(spec.name)
        if rule is not None:
            rule(value)
        elif spec.required and (not isinstance(value, str) or not value.strip()):
            raise ValidationError(REQUIRED)
    elif spec.kind == Kind.EMAILS:
        validate_contacts(value)
    elif spec.kind == Kind.REDIRECT_URIS:
        return validate_redirect_uris(value, environment=environment, application_type=application_type)
    elif spec.kind == Kind.SCOPE:
        return validate_scope(value, environment=environment, catalog=catalog)
    elif spec.kind == Kind.CHOICE and spec.choices is not None and value not in spec.choices.values:
        raise ValidationError(CHOICE_INVALID.format(choices=" or ".join(spec.choices.values)))
    return []


def check_registration(registration: Any, *, catalog: Mapping[str, Iterable[str]]) -> ValidationReport:
    """Apply every rule to a registration (saved or not) and collect the results.

    `catalog` maps each scope name to the environments it exists in
    (registrations.selectors.scope_catalog).
    """
    environment = registration.environment
    if environment not in Environment.values:
        environment = Environment.PRODUCTION  # judge the rest by the stricter rules
    application_type = registration.application_type
    if application_type not in ApplicationType.values:
        application_type = ApplicationType.WEB
    report = ValidationReport()
    for spec in FIELDS:
        try:
            warnings = _judge(
                spec,
                getattr(registration, spec.name),
                environment=environment,
                application_type=application_type,
                catalog=catalog,
            )
        except ValidationError as exc:
            report.add_error(spec.name, exc)
        else:
            report.add_warnings(spec.name, warnings)
        asked_for = environment == Environment.PRODUCTION and spec.production_asks_for
        if asked_for and _is_empty(getattr(registration, spec.name)):
            report.incomplete[spec.name] = [PRODUCTION_ASKS_FOR.format(what=spec.production_asks_for)]
    return report
