"""The non-secret fingerprint of a client secret, and recomputing the stored ones.

The fingerprint is a keyed hash (HMAC-SHA256 under a key derived from the newest
encryption key, `core.encryption.keyed_digest`) plus the secret's last four
characters. Keyed, so that a database dump or a screenshot of it cannot be used to
test guesses of the secret offline; the last four are what managers compare with
the secret in 1Password.

This module is used by migrations too: it works on the models it is given.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.db.models import Case, Value, When
from django.views.decorators.debug import sensitive_variables

from core.encryption import DecryptionError, decrypt, keyed_digest

from .validators.credentials import MIN_CLIENT_SECRET_LENGTH

FINGERPRINT_PREFIX = "hmac:"
DIGEST_LENGTH = 16  # hex characters shown: 64 bits tell any two secrets apart
BATCH_SIZE = 500
RECOMPUTED_LINE = "Credential fingerprints: {changed} of {total} recomputed with the newest key."


@sensitive_variables()
def secret_fingerprint(secret: str) -> str:
    """Non-secret: a keyed hash prefix plus the last four characters.

    The last four are shown only for a secret long enough that they leave at least
    twelve unknown characters (every secret recorded now is).
    """
    digest = FINGERPRINT_PREFIX + keyed_digest(secret)[:DIGEST_LENGTH]
    return f"{digest} …{secret[-4:]}" if len(secret) >= MIN_CLIENT_SECRET_LENGTH else digest


def _update(model: type[models.Model], key: str, values: dict[Any, str]) -> None:
    if values:
        whens = [When(**{key: pk}, then=Value(fingerprint)) for pk, fingerprint in values.items()]
        model._base_manager.filter(**{f"{key}__in": list(values)}).update(
            secret_fingerprint=Case(*whens, output_field=models.CharField())
        )


@sensitive_variables()
def fingerprints_recompute(
    *, credential_model: type[models.Model], history_model: type[models.Model] | None = None
) -> tuple[int, int]:
    """Recompute every stored fingerprint (and its copies in the history); returns (changed, total).

    A secret that no configured key opens gets an empty fingerprint: an unkeyed or
    stale one must not stay, and that secret cannot be used anyway.
    """
    changed = total = 0
    last_pk: Any = None
    while True:
        with transaction.atomic():
            queryset = credential_model._base_manager.select_for_update().order_by("pk")
            if last_pk is not None:
                queryset = queryset.filter(pk__gt=last_pk)
            batch = list(queryset.values_list("pk", "client_secret", "secret_fingerprint")[:BATCH_SIZE])
            if not batch:
                break
            last_pk = batch[-1][0]
            total += len(batch)
            updates = {}
            for pk, token, stored in batch:
                try:
                    fingerprint = secret_fingerprint(decrypt(token)) if token else ""
                except DecryptionError:
                    fingerprint = ""
                if fingerprint != stored:
                    updates[pk] = fingerprint
            _update(credential_model, "pk", updates)
            if history_model is not None:
                # The history keeps a copy per change; a credential's secret never changes.
                _update(history_model, "id", updates)
            changed += len(updates)
    return changed, total


def fingerprints_recompute_after_key_rotation(**kwargs: Any) -> str:
    """Receiver of core.signals.encryption_keys_rotated: the fingerprint key follows the newest key."""
    from .models import Credential

    changed, total = fingerprints_recompute(
        credential_model=Credential, history_model=Credential.history.model
    )
    return RECOMPUTED_LINE.format(changed=changed, total=total)
