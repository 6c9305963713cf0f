"""Registrations: create, update, and move through the status workflow.

Every write calls `full_clean()`, so the rules in registrations.validators hold
whatever the caller (admin, import, demo data, shell). Status changes go
through `registration_transition` and the allowed-transition table below;
admin actions call the named wrappers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import ApplicationType, Environment, Registration, RegistrationStatus
from ..notifications import status_change_queue
from ..validators import VALIDATED_FIELDS

Status = RegistrationStatus

# What a manager may change through a form or an import; status, owner and the
# times change only through the functions below.
EDITABLE_FIELDS = (
    "client_name",
    "client_uri",
    "logo_uri",
    "tos_uri",
    "policy_uri",
    "contacts",
    "initiation_uri",
    "settings_uri",
    "redirect_uris",
    "scope",
    "pkce_supported",
    "subject_type_preference",
    "application_type",
    "environment",
)

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


def _set_history_user(registration: Registration, user: Any) -> None:
    # simple_history reads `_history_user` when there is no request (commands, shell).
    if user is not None:
        registration._history_user = user  # type: ignore[attr-defined]


def registration_full_clean(registration: Registration) -> None:
    """`full_clean()`, with the validators as the only judge of the fields they cover.

    Django's generic checks (blank, max_length, choices) for those fields would
    repeat the validators' messages in other words; the rest keep them.
    """
    registration.full_clean(exclude=list(VALIDATED_FIELDS))


@transaction.atomic
def registration_create(
    *,
    client_name: str,
    client_uri: str,
    tos_uri: str,
    policy_uri: str,
    contacts: list[str],
    redirect_uris: list[str],
    scope: str,
    logo_uri: str = "",
    initiation_uri: str = "",
    settings_uri: str = "",
    pkce_supported: bool = True,
    subject_type_preference: str = "",
    application_type: str = ApplicationType.WEB,
    environment: str = Environment.STAGING,
    owner: Any = None,
    created_by: Any = None,
) -> Registration:
    """A new draft registration. Raises ValidationError (by field) when a rule fails."""
    registration = Registration(
        client_name=client_name,
        client_uri=client_uri,
        logo_uri=logo_uri,
        tos_uri=tos_uri,
        policy_uri=policy_uri,
        contacts=contacts,
        initiation_uri=initiation_uri,
        settings_uri=settings_uri,
        redirect_uris=redirect_uris,
        scope=scope,
        pkce_supported=pkce_supported,
        subject_type_preference=subject_type_preference,
        application_type=application_type,
        environment=environment,
        status=Status.DRAFT,
        owner=owner,
    )
    registration_full_clean(registration)
    _set_history_user(registration, created_by)
    registration.save()
    return registration


@transaction.atomic
def registration_update(
    *, registration: Registration, data: Mapping[str, Any], updated_by: Any = None
) -> Registration:
    """Change editable fields (keys of `data`, from EDITABLE_FIELDS); saves only when
    something changed, so history records real changes only."""
    unknown = sorted(set(data) - set(EDITABLE_FIELDS))
    if unknown:
        # A programming error, not a user's: fail loudly.
        raise ValueError(UNKNOWN_FIELDS.format(fields=", ".join(unknown)))
    changed = [name for name, value in data.items() if getattr(registration, name) != value]
    for name in changed:
        setattr(registration, name, data[name])
    registration_full_clean(registration)
    if changed:
        _set_history_user(registration, updated_by)
        registration.save(update_fields=[*changed, "updated_at"])
    return registration


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
        report = registration.validation_report()
        if not report.is_valid:
            raise ValidationError({NON_FIELD_ERRORS: [_NEEDS_VALID[to_status]], **report.errors})
    if to_status == Status.SUBMITTED:
        registration.submitted_at = timezone.now()
        update_fields.append("submitted_at")
    registration.status = to_status
    _set_history_user(registration, by)
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
