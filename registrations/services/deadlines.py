"""Record the day Pleo shared a registration's credentials (the 1Password link)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..deadlines import credentials_shared_errors
from ..models import Registration
from .history import set_history_user

FIELD = "credentials_shared_on"


@transaction.atomic
def registration_record_credentials_shared(
    *, registration: Registration, shared_on: date | None, by: Any = None
) -> Registration:
    """Set (or clear, with None) the share date; the retrieval deadline follows from it.

    Raises ValidationError on `credentials_shared_on` when the registration has not
    been submitted, is closed, or the date is in the future or before submission.
    Only this field is cleaned (clean_fields, not full_clean): the registration's
    other fields are not changing, and the validators judge them when they do, so a
    registration that a newer rule would refuse can still have its date recorded.
    """
    locked = Registration.objects.select_for_update().get(pk=registration.pk)
    if locked.credentials_shared_on == shared_on:
        registration.credentials_shared_on = shared_on
        return registration
    errors = credentials_shared_errors(
        status=locked.status,
        submitted_at=locked.submitted_at,
        shared_on=shared_on,
        today=timezone.localdate(),
    )
    if errors:
        raise ValidationError({FIELD: errors})
    registration.credentials_shared_on = shared_on
    registration.clean_fields(exclude=[f.name for f in Registration._meta.fields if f.name != FIELD])
    set_history_user(registration, by)
    registration.save(update_fields=[FIELD, "updated_at"])
    return registration
