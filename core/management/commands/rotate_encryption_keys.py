"""Re-encrypt every EncryptedTextField value of every model with the newest key.

Procedure: put a new key at the front of PORTAL_ENCRYPTION_KEYS (keep the old
ones after it), restart, run this command, then drop the old keys. Afterwards
it sends `encryption_keys_rotated`, so that apps recompute what they derive from
the newest key (the credentials' keyed fingerprints).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.db.models import Case, Value, When

from core.encryption import (
    Ciphertext,
    DecryptionError,
    EncryptedTextField,
    EncryptionKeyError,
    get_multifernet,
    is_encrypted_with_primary_key,
    reencrypt_with_primary_key,
)
from core.signals import encryption_keys_rotated

DEFAULT_BATCH_SIZE = 500
CANNOT_DECRYPT_ROW = (
    "Cannot decrypt {model}.{field} of row pk={pk}: no key in PORTAL_ENCRYPTION_KEYS opens it. "
    "Rows in earlier batches are already re-encrypted (that is safe); put back the key this value "
    "was written with and run the command again."
)
MODEL_LINE = "{model}: {changed} of {total} rows re-encrypted"
TOTAL_LINE = "Total: {changed} rows re-encrypted with the newest key."


def encrypted_models() -> list[tuple[type[models.Model], list[EncryptedTextField]]]:
    """Every concrete model with encrypted columns, including those that apps add later."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue  # its concrete model is listed too
        fields = [
            field
            for field in model._meta.concrete_fields
            if isinstance(field, EncryptedTextField) and field.model is model
        ]
        if fields:
            found.append((model, fields))
    return found


class Command(BaseCommand):
    help = "Re-encrypt every encrypted value with the newest key in PORTAL_ENCRYPTION_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Rows read and locked per transaction (default {DEFAULT_BATCH_SIZE}).",
        )

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            get_multifernet()
        except EncryptionKeyError as exc:
            raise CommandError(str(exc)) from None
        total = 0
        for model, fields in encrypted_models():
            changed, rows = self._rotate_model(model, fields, batch_size)
            self.stdout.write(MODEL_LINE.format(model=model._meta.label, changed=changed, total=rows))
            total += changed
        for _receiver, line in encryption_keys_rotated.send(sender=self.__class__):
            if line:
                self.stdout.write(str(line))
        self.stdout.write(self.style.SUCCESS(TOTAL_LINE.format(changed=total)))

    def _rotate_model(
        self, model: type[models.Model], fields: list[EncryptedTextField], batch_size: int
    ) -> tuple[int, int]:
        # _base_manager: a default manager that filters rows must not hide them from rotation.
        manager = model._base_manager
        attnames = [field.attname for field in fields]
        changed_rows = rows = 0
        last_pk: Any = None
        while True:
            with transaction.atomic():
                # Keyset pagination; rows are locked so that a concurrent write of a
                # new value is not overwritten with the re-encrypted old one.
                queryset = manager.select_for_update().order_by("pk")
                if last_pk is not None:
                    queryset = queryset.filter(pk__gt=last_pk)
                batch = list(queryset.values_list("pk", *attnames)[:batch_size])
                if not batch:
                    break
                last_pk = batch[-1][0]
                rows += len(batch)
                changed_pks: set[Any] = set()
                for position, field in enumerate(fields, start=1):
                    updates = self._reencrypted(model, field, [(row[0], row[position]) for row in batch])
                    self._write(manager, field, updates)
                    changed_pks.update(pk for pk, _ in updates)
                changed_rows += len(changed_pks)
        return changed_rows, rows

    def _reencrypted(
        self, model: type[models.Model], field: EncryptedTextField, values: list[tuple[Any, Any]]
    ) -> list[tuple[Any, Ciphertext]]:
        updates = []
        for pk, token in values:
            if not token or is_encrypted_with_primary_key(token):
                continue  # empty, or already under the newest key: untouched (idempotent)
            try:
                updates.append((pk, Ciphertext(reencrypt_with_primary_key(token))))
            except DecryptionError:
                # Names the row, never the ciphertext.
                raise CommandError(
                    CANNOT_DECRYPT_ROW.format(model=model._meta.label, field=field.name, pk=pk)
                ) from None
        return updates

    def _write(self, manager: Any, field: EncryptedTextField, updates: list[tuple[Any, Ciphertext]]) -> None:
        # One UPDATE … CASE per chunk; Ciphertext values are stored as they are
        # (get_prep_value), so nothing is decrypted or encrypted twice.
        chunk = max(1, connection.ops.bulk_batch_size(["pk", "pk", field.attname], updates) or len(updates))
        for start in range(0, len(updates), chunk):
            part = updates[start : start + chunk]
            whens = [When(pk=pk, then=Value(token, output_field=field)) for pk, token in part]
            manager.filter(pk__in=[pk for pk, _ in part]).update(
                **{field.attname: Case(*whens, output_field=field)}
            )
