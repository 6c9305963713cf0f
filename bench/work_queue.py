"""Benchmark 7: the admin index with the partner managers' work queue, 100 vs 10,000 registrations.

    .venv/bin/python bench/work_queue.py [--repeat N] [--json PATH]

The registrations are spread over every place of the queue (drafts, ready,
waiting for Pleo, credentials to retrieve, overdue, retrieved, active, closed),
with Pleo credentials for the retrieved and active ones and a connection
(half of them failing) for each active one. Targets: the same number of
queries at both sizes, and a median time ratio 10,000/100 of at most 1.5.

In process, through Django's test client, logged in as a partner manager, on
the PostgreSQL bench database (see bench/common.py), reset at the start.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common
from bench.admin_pages import ROUNDS, SIZES, _measure, _registration, _same

INDEX_RATIO_LIMIT = 1.5
# n % 10 -> the registration's place in the queue.
PLACES = (
    "draft",
    "draft",
    "ready",
    "waiting",
    "to_retrieve",
    "overdue",
    "retrieved",
    "active",
    "archived",
    "revoked",
)
STATUS_OF_PLACE = {
    "waiting": "submitted",
    "to_retrieve": "submitted",
    "overdue": "submitted",
    "retrieved": "credentials_received",
}


def _place(n: int) -> str:
    return PLACES[n % len(PLACES)]


def _queue_registration(n: int, owner: object) -> object:
    from django.utils import timezone

    registration = _registration(n, owner)
    place = _place(n)
    today = timezone.localdate()
    registration.status = STATUS_OF_PLACE.get(place, place)  # type: ignore[attr-defined]
    if place not in ("draft", "ready"):
        registration.submitted_at = timezone.now() - timedelta(days=20 + n % 30)  # type: ignore[attr-defined]
    shared_days_ago = {"to_retrieve": n % 7, "overdue": 8 + n % 20, "retrieved": 10, "active": 12}
    if place in shared_days_ago:
        registration.credentials_shared_on = today - timedelta(days=shared_days_ago[place])  # type: ignore[attr-defined]
    return registration


def _grow(have: int, total: int, owner: object) -> None:
    from oauthclient.models import Connection, ConnectionStatus
    from registrations.models import Credential, Registration

    created = Registration.objects.bulk_create(
        (_queue_registration(n, owner) for n in range(have, total)), batch_size=1000
    )
    with_credentials = [r for r in created if _place(_number(r)) in ("retrieved", "active")]
    credentials = Credential.objects.bulk_create(
        (
            Credential(
                registration=registration,
                server="pleo_staging",
                client_id=f"bench-{registration.pk}",
                client_secret=f"{registration.pk:030x}",
                secret_fingerprint=f"fp{registration.pk:08d}",
                received_note="1Password, bench",
                recorded_by=owner,
            )
            for registration in with_credentials
        ),
        batch_size=1000,
    )
    Connection.objects.bulk_create(
        (
            Connection(
                user=owner,
                credential=credential,
                status=ConnectionStatus.NEEDS_REAUTHORIZATION if i % 2 else ConnectionStatus.CONNECTED,
            )
            for i, credential in enumerate(credentials)
            if _place(_number(credential.registration)) == "active"
        ),
        batch_size=1000,
    )


def _number(registration: object) -> int:
    match = re.search(r"(\d+)$", registration.client_name)  # type: ignore[attr-defined]
    assert match
    return int(match.group(1))


def _resize(total: int, owner: object) -> None:
    """Grow to `total` registrations (with their credentials and connections) or shrink back."""
    from django.db import connection

    from oauthclient.models import Connection
    from registrations.models import Credential, Registration

    have = Registration.objects.count()
    tables = [Registration._meta.db_table, Credential._meta.db_table, Connection._meta.db_table]
    if have < total:
        _grow(have, total, owner)
        statements = [f"ANALYZE {table}" for table in tables]
    else:
        keep = list(Registration.objects.order_by("pk").values_list("pk", flat=True)[:total])[-1]
        Connection.objects.filter(credential__registration_id__gt=keep).delete()
        Credential.objects.filter(registration_id__gt=keep).delete()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {Registration._meta.db_table} WHERE id > %s", [keep])  # noqa: S608
        statements = [f"VACUUM ANALYZE {table}" for table in tables]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    assert Registration.objects.count() == total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=25, help="Requests timed per size (default 25).")
    parser.add_argument("--json", help="Write the results here (for bench/run.py).")
    args = parser.parse_args()

    common.setup_django_for_part()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()
    manager = get_user_model().objects.create_user("bench-manager", is_staff=True)
    manager.groups.add(Group.objects.get(name="Partner managers"))
    client = Client()
    client.force_login(manager)
    index = reverse("admin:index")

    per_block = max(1, args.repeat // ROUNDS)
    samples: dict[int, tuple[list[float], set[int]]] = {size: ([], set()) for size in SIZES}
    drafts_shown: dict[int, str] = {}
    for _ in range(ROUNDS):
        for size in SIZES:
            _resize(size, manager)
            page = client.get(index).content.decode()
            shown = re.search(r'data-queue="drafts">.*?work-queue-count">(\d+)<', page, re.S)
            drafts_shown[size] = shown.group(1) if shown else "missing"
            timings, queries = _measure(client, {"index": index}, per_block, warmups=1)["index"]
            samples[size][0].extend(timings)
            samples[size][1].update(queries)
    figures, targets = [], []
    medians = {}
    for size in SIZES:
        timings, queries = samples[size]
        medians[size] = common.summary(timings)["median"]
        assert drafts_shown[size] == str(size // 5), (size, drafts_shown[size])  # the queue counted them all
        figures.append(
            common.figure(f"Admin index with the work queue, {size:,} registrations: time", timings, "ms")
        )
        figures.append(
            common.single(
                f"Admin index, {size:,} registrations: queries", max(queries), "", note=_same(queries)
            )
        )
    ratio = medians[SIZES[1]] / medians[SIZES[0]]
    figures.append(
        common.single(
            "Admin index time ratio 10,000/100 (medians)", ratio, "", digits=2, note="ratio of the medians"
        )
    )
    small, large = samples[SIZES[0]][1], samples[SIZES[1]][1]
    targets.append(
        common.target(
            "Admin index (work queue) queries, 100 vs 10,000 registrations",
            f"{max(small)} vs {max(large)}",
            "equal",
            len(small | large) == 1,
        )
    )
    targets.append(
        common.target(
            "Admin index (work queue) time ratio 10,000/100",
            f"{ratio:.2f}",
            f"≤ {INDEX_RATIO_LIMIT}",
            ratio <= INDEX_RATIO_LIMIT,
        )
    )
    common.write_results(
        args.json,
        {
            "title": "Admin index with the work queue",
            "method": (
                "In process (Django test client), partner manager logged in, PostgreSQL bench database. "
                f"{ROUNDS} rounds, each {per_block} timed requests of /admin/ with 100 registrations then with "
                "10,000 (spread over every place of the queue, with their Pleo credentials and connections; "
                "bulk insert + ANALYZE, back to 100 by DELETE + VACUUM ANALYZE), after one warm-up request "
                "each time"
            ),
            "figures": figures,
            "targets": targets,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
