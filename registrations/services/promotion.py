"""Promote an active staging registration: create its production counterpart as a draft."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from ..models import Environment, Registration, RegistrationStatus
from ..promotion import production_carry_over
from ..selectors import scope_catalog
from ..validators import VALIDATED_FIELDS, check_registration
from .history import set_history_user

PROMOTE_NOT_STAGING = "“{registration}” is not a staging registration: only staging ones are promoted."
PROMOTE_NOT_ACTIVE = (
    "“{registration}” is {status}: a staging registration is promoted once it is active "
    "(its integration works on staging)."
)
PROMOTE_ALREADY = "“{registration}” has been promoted already: its production counterpart is “{counterpart}”."
PROMOTED_REASON = "Promoted from staging registration #{pk}"


def _refuse(message: str) -> ValidationError:
    return ValidationError({NON_FIELD_ERRORS: [ValidationError(message, code="promotion")]})


@transaction.atomic
def registration_promote(*, registration: Registration, by: Any = None) -> Registration:
    """The production counterpart of an active staging registration, as a new draft.

    What production refuses (the validators decide: http or loopback redirect URIs,
    scopes outside the production catalog, http URLs) is left out. A required field
    left with nothing is saved empty so that the readiness report asks for it; the
    admin form and every service refuse to save the counterpart again until it is
    filled in. The staging registration is locked, so it is promoted once.
    """
    staging = Registration.objects.select_for_update().get(pk=registration.pk)
    if staging.environment != Environment.STAGING:
        raise _refuse(PROMOTE_NOT_STAGING.format(registration=staging))
    if staging.status != RegistrationStatus.ACTIVE:
        raise _refuse(
            PROMOTE_NOT_ACTIVE.format(registration=staging, status=staging.get_status_display().lower())
        )
    counterpart = Registration.objects.filter(promoted_from=staging).first()
    if counterpart is not None:
        raise _refuse(PROMOTE_ALREADY.format(registration=staging, counterpart=counterpart))

    catalog = scope_catalog()
    carry = production_carry_over(staging, catalog=catalog)
    production = Registration(
        **carry.data,
        environment=Environment.PRODUCTION,
        status=RegistrationStatus.DRAFT,
        owner=staging.owner,
        promoted_from=staging,
    )
    emptied = {name for name in carry.left_out if not getattr(production, name)}
    unexpected = {
        name: messages
        for name, messages in check_registration(production, catalog=catalog).errors.items()
        if name not in emptied
    }
    if unexpected:
        raise ValidationError(unexpected)
    production.full_clean(exclude=list(VALIDATED_FIELDS))
    production._change_reason = PROMOTED_REASON.format(pk=staging.pk)  # type: ignore[attr-defined]
    set_history_user(production, by)
    production.save()
    return production
