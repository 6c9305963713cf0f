"""Recompute every stored secret fingerprint as a keyed hash (registrations.fingerprints).

The earlier fingerprints were an unkeyed SHA-256 prefix, which lets anyone holding one
test guesses of the secret offline; they are replaced in the credentials and in their
history. This needs PORTAL_ENCRYPTION_KEYS (to decrypt each secret and to derive the
fingerprint key): when there are credentials and no usable key, the migration stops
with that message and nothing changes; set the keys and run `migrate` again. A secret
that no configured key opens gets an empty fingerprint.
"""

from typing import Any

from django.db import migrations

from core.encryption import EncryptionKeyError, get_multifernet
from registrations.fingerprints import fingerprints_recompute

KEYS_NEEDED = (
    "Recomputing the credentials' secret fingerprints needs PORTAL_ENCRYPTION_KEYS: {error} "
    "Set the keys and run migrate again."
)


def recompute(apps: Any, schema_editor: Any) -> None:
    credential_model = apps.get_model("registrations", "Credential")
    if not credential_model.objects.exists():
        return
    try:
        get_multifernet()
    except EncryptionKeyError as exc:
        raise EncryptionKeyError(KEYS_NEEDED.format(error=exc)) from None
    fingerprints_recompute(
        credential_model=credential_model,
        history_model=apps.get_model("registrations", "HistoricalCredential"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0006_secret_disclosure_issue_kind"),
    ]

    # Backwards keeps the keyed fingerprints: the unkeyed ones are not worth restoring.
    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
