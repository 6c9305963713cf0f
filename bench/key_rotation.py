"""Benchmark 4: `manage.py rotate_encryption_keys` over N credentials and N token sets.

    .venv/bin/python bench/key_rotation.py [--repeat R] [--json PATH]

N = 1,000 and N = 10,000, interleaved (9,000 rows added, then deleted
again, and so on): N credentials (one encrypted
client secret each) and N oauthclient connections (an encrypted access token
and refresh token each), so 3N encrypted values. Each timed run is a complete
rotation: a new primary key is put in front and the command re-encrypts every
value; the next run puts the other key in front again, so every run rewrites
all 3N values. Linear growth means a time ratio of about 10; the bar used is
10,000/1,000 <= 12 (at most 20% worse than linear).

On the PostgreSQL bench database (bench/common.py, reset at the start), in
process through call_command with the command's default batch size.
"""

from __future__ import annotations

import argparse
import io
import secrets
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common

SIZES = (1_000, 10_000)
RATIO_LIMIT = 12.0


def _add_rows(start: int, stop: int, registration: object, user: object) -> None:
    from oauthclient.models import Connection
    from registrations.models import Credential, CredentialServer

    batch = 1000
    for first in range(start, stop, batch):
        numbers = range(first, min(first + batch, stop))
        credentials = Credential.objects.bulk_create(
            Credential(
                registration=registration,
                server=CredentialServer.PLEO_STAGING,
                client_id=str(uuid.uuid4()),
                client_secret=secrets.token_hex(15),
                secret_fingerprint=f"fp{n:08d}",
                recorded_by=user,
            )
            for n in numbers
        )
        Connection.objects.bulk_create(
            Connection(
                user=user,
                credential=credential,
                access_token=secrets.token_urlsafe(32),
                refresh_token=secrets.token_urlsafe(32),
                token_type="Bearer",
                scope="users:read",
            )
            for credential in credentials
        )


def _resize(size: int, registration: object, user: object) -> None:
    """Exactly `size` credentials and connections: add rows, or delete the newest; then VACUUM ANALYZE."""
    from django.db import connection

    from oauthclient.models import Connection
    from registrations.models import Credential

    have = Credential.objects.count()
    if have < size:
        _add_rows(have, size, registration, user)
    elif have > size:
        last = list(Credential.objects.order_by("pk").values_list("pk", flat=True)[:size])[-1]
        with connection.cursor() as cursor:
            for model, column in ((Connection, "credential_id"), (Credential, "id")):
                cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE {column} > %s", [last])  # noqa: S608
    with connection.cursor() as cursor:
        for model in (Credential, Connection):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    assert Credential.objects.count() == Connection.objects.count() == size


def _all_under_primary() -> bool:
    from core.encryption import is_encrypted_with_primary_key
    from oauthclient.models import Connection
    from registrations.models import Credential

    values = list(Credential.objects.values_list("client_secret", flat=True))
    for access, refresh in Connection.objects.values_list("access_token", "refresh_token"):
        values += [access, refresh]
    return all(is_encrypted_with_primary_key(value) for value in values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="Rotations timed per N (default 3).")
    parser.add_argument("--json", help="Write the results here (for bench/run.py).")
    args = parser.parse_args()

    common.setup_django_for_part()
    from cryptography.fernet import Fernet
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from registrations.models import Registration

    user = get_user_model().objects.create_user("bench-rotation")
    registration = Registration.objects.create(
        client_name="Bench rotation",
        client_uri="https://client.example/",
        tos_uri="https://client.example/tos",
        policy_uri="https://client.example/privacy",
        contacts=["dev@client.example"],
        redirect_uris=["https://client.example/callback"],
        scope="users:read",
    )
    keys = [Fernet.generate_key().decode(), Fernet.generate_key().decode()]
    primary = [0]

    def rotate(size: int) -> float:
        """One full rotation: the key that is not primary now goes in front."""
        primary[0] = 1 - primary[0]
        settings.PORTAL_ENCRYPTION_KEYS = [keys[primary[0]], keys[1 - primary[0]]]
        out = io.StringIO()
        started = time.perf_counter()
        call_command("rotate_encryption_keys", stdout=out)
        elapsed = time.perf_counter() - started
        assert f"Total: {2 * size} rows" in out.getvalue(), out.getvalue()
        assert _all_under_primary(), "a value was not re-encrypted with the new key"
        return elapsed

    settings.PORTAL_ENCRYPTION_KEYS = [keys[0], keys[1]]
    _resize(SIZES[0], registration, user)
    rotate(SIZES[0])  # warm-up
    # Interleaved: N = 1,000, then 10,000 (rows added), then 1,000 again (rows deleted), ...
    timings: dict[int, list[float]] = {size: [] for size in SIZES}
    for _ in range(args.repeat):
        for size in SIZES:
            _resize(size, registration, user)  # new rows under the current primary key
            timings[size].append(rotate(size))
    figures, medians = [], {}
    for size in SIZES:
        medians[size] = common.summary(timings[size])["median"]
        figures.append(
            common.figure(
                f"Rotation, {size:,} credentials + {size:,} token sets ({3 * size:,} values): time",
                timings[size],
                "s",
                digits=2,
            )
        )
        figures.append(
            common.figure(
                f"Rotation, N = {size:,}: time per encrypted value",
                [t / (3 * size) * 1e6 for t in timings[size]],
                "µs",
            )
        )
    ratio = medians[SIZES[1]] / medians[SIZES[0]]
    figures.append(
        common.single(
            "Rotation time ratio 10,000/1,000 (medians)", ratio, "", digits=2, note="ratio of the medians"
        )
    )
    targets = [
        common.target(
            "Rotation time ratio N=10,000 / N=1,000 (linear ≈ 10)",
            f"{ratio:.2f}",
            f"≤ {RATIO_LIMIT:.0f} (at most 20% above linear)",
            ratio <= RATIO_LIMIT,
        )
    ]
    common.write_results(
        args.json,
        {
            "title": "Encryption key rotation",
            "method": (
                "N credentials (encrypted client secret) and N connections (encrypted access and "
                "refresh token): 3N values. Each timed run is a full rotation (call_command, default "
                f"batch size) after putting the other key in front; {args.repeat} rounds of N = 1,000 then "
                "N = 10,000 (rows bulk-added, or the newest deleted, then VACUUM ANALYZE) after one "
                "warm-up run; every run is checked to leave all values under the new primary key. "
                "PostgreSQL bench database, in process."
            ),
            "figures": figures,
            "targets": targets,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
