"""Registrations: check, create, update, and move through the status workflow.

Every write judges the registration once: `registration_check` applies the data,
runs `full_clean()` (with the rules' fields left to the rules) and every rule of
registrations.validators with the scope catalog read once, and returns the full
report (errors and warnings). `registration_save` writes a check that passed, so
a caller that has already shown the check (the admin form) does not judge twice.
Status changes go through `registration_transition` and the allowed-transition
table below; admin actions call the named wrappers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from .. import fields as registration_fields
from ..metadata import STRICT, DecodeMode, client_metadata_to_registration_data
from ..models import Registration, RegistrationStatus
from ..notifications import status_change_queue
from ..selectors import registration_validation_report, scope_catalog
from ..validators import VALIDATED_FIELDS, ValidationReport
from .history import set_history_user

Status = RegistrationStatus
Catalog = Mapping[str, Iterable[str]]

# What a manager may change through a form or an import; status, owner and the
# times change only through the functions below.
EDITABLE_FIELDS = registration_fields.EDITABLE_FIELDS

# from status -> the statuses it may move to. Revoked and archived are ends.
# "submitted -> draft" is for a form Pleo sends back for changes.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.READY, Status.ARCHIVED}),
    Status.READY: frozenset({Status.DRAFT, Status.SUBMITTED, Status.ARCHIVED}),
    Status.SUBMITTED: frozenset({Status.DRAFT, Status.CREDENTIALS_RECEIVED, Status.ARCHIVED}),
    Status.CREDENTIALS_RECEIVED: frozenset({Status.ACTIVE, Status.REVOKED, Status.ARCHIVED}),
    Status.ACTIVE: frozenset({Status.REVOKED, Status.ARCHIVED}),
    Status.REVOKED: frozenset(),
    Status.ARCHIVED: frozenset(),
}

TRANSITION_NOT_ALLOWED = (
    "A registration that is “{current}” cannot become “{target}”; it can become: {allowed}."
)
TRANSITION_FROM_END = "A registration that is “{current}” is closed: its status cannot change any more."
READY_NEEDS_VALID = (
    "Only a registration that passes validation can be marked ready: fix the errors listed first."
)
SUBMIT_NEEDS_VALID = (
    "This registration no longer passes validation (the rules or the scope catalog changed): "
    "fix the errors listed before submitting it."
)
UNKNOWN_FIELDS = "Not editable through registration_update: {fields}."


# What goes to Pleo must pass the rules when it goes, not only when it was saved.
_NEEDS_VALID: dict[str, str] = {Status.READY: READY_NEEDS_VALID, Status.SUBMITTED: SUBMIT_NEEDS_VALID}


def _label(status: str) -> str:
    return str(Status(status).label)


@dataclass(frozen=True)
class RegistrationCheck:
    """A registration with new values applied (not saved) and the full verdict on it."""

    registration: Registration
    changed: tuple[str, ...]  # the fields whose values the data changed
    report: ValidationReport

    @property
    def is_valid(self) -> bool:
        return self.report.is_valid


def registration_check(
    *, registration: Registration | None = None, data: Mapping[str, Any], catalog: Catalog | None = None
) -> RegistrationCheck:
    """Apply `data` (keys from EDITABLE_FIELDS) to `registration`, or to a new draft
    when None, and judge the result once. Writes nothing.

    Django's generic checks (blank, max_length, choices) for the fields the rules
    cover would repeat the rules' messages in other words; the rest keep them.
    """
    unknown = sorted(set(data) - set(EDITABLE_FIELDS))
    if unknown:
        # A programming error, not a user's: fail loudly.
        raise ValueError(UNKNOWN_FIELDS.format(fields=", ".join(unknown)))
    if registration is None:
        registration = Registration(**{**registration_fields.defaults(), **data}, status=Status.DRAFT)
        changed = tuple(EDITABLE_FIELDS)
    else:
        changed = tuple(name for name, value in data.items() if getattr(registration, name) != value)
        for name in changed:
            setattr(registration, name, data[name])
    report = ValidationReport()
    try:
        registration.full_clean(exclude=list(VALIDATED_FIELDS))
    except ValidationError as exc:
        report.errors.update({key: list(messages) for key, messages in exc.message_dict.items()})
    rules = registration_validation_report(registration, catalog=catalog)
    for key, messages in rules.errors.items():
        report.errors.setdefault(key, []).extend(messages)
    report.warnings.update(rules.warnings)
    report.incomplete.update(rules.incomplete)
    return RegistrationCheck(registration=registration, changed=changed, report=report)


@transaction.atomic
def registration_save(*, check: RegistrationCheck, owner: Any = None, by: Any = None) -> Registration:
    """Write a checked registration: a new one as a draft owned by `owner`, an existing
    one only when something changed (so history records real changes only).
    Raises ValidationError (by field) when the check found errors."""
    if not check.is_valid:
        raise ValidationError(check.report.errors)
    registration = check.registration
    if registration.pk is None:
        registration.owner = owner
        set_history_user(registration, by)
        registration.save()
    elif check.changed:
        set_history_user(registration, by)
        registration.save(update_fields=[*check.changed, "updated_at"])
    return registration


def registration_create(
    *, owner: Any = None, created_by: Any = None, catalog: Catalog | None = None, **fields: Any
) -> Registration:
    """A new draft registration from the fields of registrations.fields (the optional ones
    may be left out). Raises ValidationError (by field) when a rule fails."""
    check = registration_check(data=fields, catalog=catalog)
    return registration_save(check=check, owner=owner, by=created_by)


def registration_update(
    *,
    registration: Registration,
    data: Mapping[str, Any],
    updated_by: Any = None,
    catalog: Catalog | None = None,
) -> Registration:
    """Change editable fields (keys of `data`, from EDITABLE_FIELDS)."""
    check = registration_check(registration=registration, data=data, catalog=catalog)
    return registration_save(check=check, by=updated_by)


@dataclass(frozen=True)
class MetadataCheck:
    """An RFC 7591 document judged: its shape (registrations.metadata), then the rules."""

    check: RegistrationCheck
    shape_errors: dict[str, list[str]]
    auth_method: str

    @property
    def errors(self) -> dict[str, list[str]]:
        errors = {key: list(messages) for key, messages in self.shape_errors.items()}
        for key, messages in self.check.report.errors.items():
            # A key reported for its shape was not handed to the rules; their
            # verdict on the default in its place would only confuse.
            errors.setdefault(key, list(messages))
        return errors

    @property
    def warnings(self) -> dict[str, list[str]]:
        return self.check.report.warnings

    @property
    def is_valid(self) -> bool:
        return not self.errors


def registration_check_metadata(
    *, document: Mapping[str, Any], mode: DecodeMode = STRICT, catalog: Catalog | None = None
) -> MetadataCheck:
    """Decode client metadata in `mode` and judge the registration it describes. Writes nothing."""
    decoded = client_metadata_to_registration_data(document, mode=mode)
    check = registration_check(data=decoded.fields, catalog=scope_catalog() if catalog is None else catalog)
    return MetadataCheck(check=check, shape_errors=decoded.errors, auth_method=decoded.auth_method)


@transaction.atomic
def registration_transition(*, registration: Registration, to_status: str, by: Any = None) -> Registration:
    """Move a registration to `to_status` if TRANSITIONS allows it.

    - ready and submitted: only when the registration passes validation (errors by field);
    - submitted: records `submitted_at`.
    The owner is told by email once the change commits (registrations.notifications).
    The row is locked so two managers cannot both move it from the same status.
    """
    current = Registration.objects.select_for_update().only("status").get(pk=registration.pk).status
    allowed = TRANSITIONS[current]
    if to_status not in allowed:
        if not allowed:
            message = TRANSITION_FROM_END.format(current=_label(current))
        else:
            message = TRANSITION_NOT_ALLOWED.format(
                current=_label(current),
                target=_label(to_status),
                allowed=", ".join(f"“{_label(s)}”" for s in Status.values if s in allowed),
            )
        raise ValidationError({"status": [ValidationError(message, code="transition")]})
    update_fields = ["status", "updated_at"]
    if to_status in _NEEDS_VALID:
        report = registration_validation_report(registration)
        if not report.is_valid:
            raise ValidationError({NON_FIELD_ERRORS: [_NEEDS_VALID[to_status]], **report.errors})
    if to_status == Status.SUBMITTED:
        registration.submitted_at = timezone.now()
        update_fields.append("submitted_at")
    registration.status = to_status
    set_history_user(registration, by)
    registration.save(update_fields=update_fields)
    status_change_queue(registration=registration, from_status=current, by=by)
    return registration


def registration_mark_ready(*, registration: Registration, by: Any = None) -> Registration:
    return registration_transition(registration=registration, to_status=Status.READY, by=by)


def registration_reopen(*, registration: Registration, by: Any = None) -> Registration:
    """Back to draft, for more editing (from ready, or when Pleo sends it back)."""
    return registration_transition(registration=registration, to_status=Status.DRAFT, by=by)


def registration_submit(*, registration: Registration, by: Any = None) -> Registration:
    return registration_transition(registration=registration, to_status=Status.SUBMITTED, by=by)


def registration_mark_credentials_received(*, registration: Registration, by: Any = None) -> Registration:
    return registration_transition(registration=registration, to_status=Status.CREDENTIALS_RECEIVED, by=by)


def registration_activate(*, registration: Registration, by: Any = None) -> Registration:
    return registration_transition(registration=registration, to_status=Status.ACTIVE, by=by)


def registration_revoke(*, registration: Registration, by: Any = None) -> Registration:
    return registration_transition(registration=registration, to_status=Status.REVOKED, by=by)


def registration_archive(*, registration: Registration, by: Any = None) -> Registration:
    return registration_transition(registration=registration, to_status=Status.ARCHIVED, by=by)
