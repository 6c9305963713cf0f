"""Benchmark 1: admin pages whose cost must not grow with the data.

    .venv/bin/python bench/admin_pages.py [--repeat N] [--json PATH]

- Registrations changelist with 100 and with 10,000 rows (the page shows 100
  either way): queries per request (must be equal) and the median time ratio
  10,000/100 (target <= 1.5).
- Registration change page of a registration with 20 redirect URIs and 10
  credentials, and of one with 1 and 1: queries per request (must be equal).

In process, through Django's test client (no HTTP server: the figure is the
view's own cost), logged in as a partner manager, on the PostgreSQL bench
database (see bench/common.py), reset at the start.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common

SIZES = (100, 10_000)
CHANGELIST_RATIO_LIMIT = 1.5
ROUNDS = 5


def _registration(n: int, owner: object, *, redirect_uris: int = 1) -> object:
    from registrations.models import Registration

    return Registration(
        client_name=f"Bench client {n:05d}",
        client_uri=f"https://client{n}.example/",
        tos_uri=f"https://client{n}.example/legal/tos.html",
        policy_uri=f"https://client{n}.example/legal/privacy.pdf",
        contacts=[f"dev{n}@client{n}.example"],
        redirect_uris=[f"https://client{n}.example/oauth/callback/{i}" for i in range(redirect_uris)],
        scope="users:read users:write",
        owner=owner,
    )


def _resize(total: int, owner: object) -> None:
    """Grow the table to `total` registrations (bulk insert) or shrink it back (delete the newest)."""
    from django.db import connection

    from registrations.models import Registration

    have = Registration.objects.count()
    if have < total:
        Registration.objects.bulk_create(
            (_registration(n, owner) for n in range(have, total)), batch_size=1000
        )
        statement = f"ANALYZE {Registration._meta.db_table}"  # as autovacuum would after a bulk load
    else:
        keep = list(Registration.objects.order_by("pk").values_list("pk", flat=True)[:total])
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {Registration._meta.db_table} WHERE id > %s", [keep[-1]])  # noqa: S608
        statement = f"VACUUM ANALYZE {Registration._meta.db_table}"  # no dead rows left to scan
    with connection.cursor() as cursor:
        cursor.execute(statement)
    assert Registration.objects.count() == total


def _credentials(registration: object, count: int, recorded_by: object) -> None:
    from registrations.models import Credential, CredentialServer, CredentialStatus

    Credential.objects.bulk_create(
        Credential(
            registration=registration,
            server=CredentialServer.PLEO_STAGING,
            client_id=str(uuid.uuid4()),
            client_secret=f"{i:030x}",
            secret_fingerprint=f"fp{i:08d}",
            received_note="1Password, bench",
            status=CredentialStatus.ACTIVE if i == count - 1 else CredentialStatus.SUPERSEDED,
            recorded_by=recorded_by,
        )
        for i in range(count)
    )


def _same(counts: set[int]) -> str:
    return "the same on every request" if len(counts) == 1 else f"varied: {sorted(counts)}"


def _request(client: object, url: str) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, len(captured)


def _measure(
    client: object, urls: dict[str, str], repeat: int, *, warmups: int = 2
) -> dict[str, tuple[list[float], set[int]]]:
    """Time each URL `repeat` times, interleaved, after warm-up requests."""
    for url in urls.values():
        for _ in range(warmups):
            _request(client, url)
    timings: dict[str, tuple[list[float], set[int]]] = {key: ([], set()) for key in urls}
    for _ in range(repeat):
        for key, url in urls.items():
            elapsed, queries = _request(client, url)
            timings[key][0].append(elapsed)
            timings[key][1].add(queries)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=25, help="Requests timed per page (default 25).")
    parser.add_argument("--json", help="Write the results here (for bench/run.py).")
    args = parser.parse_args()

    common.setup_django_for_part()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()  # the test client's host "testserver"
    manager = get_user_model().objects.create_user("bench-manager", is_staff=True)
    manager.groups.add(Group.objects.get(name="Partner managers"))
    client = Client()
    client.force_login(manager)

    figures, targets = [], []
    changelist = reverse("admin:registrations_registration_changelist")
    # Interleaved in blocks (100 rows, then 10,000, then back to 100, ...), so that a slow
    # spell of the machine does not land on one size only.
    per_block = max(1, args.repeat // ROUNDS)
    samples: dict[int, tuple[list[float], set[int]]] = {size: ([], set()) for size in SIZES}
    for _ in range(ROUNDS):
        for size in SIZES:
            _resize(size, manager)
            timings, queries = _measure(client, {"changelist": changelist}, per_block, warmups=1)[
                "changelist"
            ]
            samples[size][0].extend(timings)
            samples[size][1].update(queries)
    medians, counts = {}, {}
    for size in SIZES:
        timings, queries = samples[size]
        medians[size] = common.summary(timings)["median"]
        counts[size] = queries
        figures.append(common.figure(f"Changelist, {size:,} rows: time", timings, "ms"))
        figures.append(
            common.single(f"Changelist, {size:,} rows: queries", max(queries), "", note=_same(queries))
        )
    ratio = medians[SIZES[1]] / medians[SIZES[0]]
    figures.append(
        common.single(
            "Changelist time ratio 10,000/100 (medians)", ratio, "", digits=2, note="ratio of the medians"
        )
    )
    same = len(counts[SIZES[0]] | counts[SIZES[1]]) == 1
    targets.append(
        common.target(
            "Changelist queries, 100 vs 10,000 rows",
            f"{max(counts[SIZES[0]])} vs {max(counts[SIZES[1]])}",
            "equal",
            same,
        )
    )
    targets.append(
        common.target(
            "Changelist time ratio 10,000/100",
            f"{ratio:.2f}",
            f"≤ {CHANGELIST_RATIO_LIMIT}",
            ratio <= CHANGELIST_RATIO_LIMIT,
        )
    )

    from registrations.models import Registration

    big = _registration(90_001, manager, redirect_uris=20)
    small = _registration(90_002, manager, redirect_uris=1)
    big.save()  # type: ignore[attr-defined]
    small.save()  # type: ignore[attr-defined]
    _credentials(big, 10, manager)
    _credentials(small, 1, manager)
    assert len(Registration.objects.get(pk=big.pk).redirect_uris) == 20  # type: ignore[attr-defined]
    pages = {
        "big": reverse("admin:registrations_registration_change", args=[big.pk]),  # type: ignore[attr-defined]
        "small": reverse("admin:registrations_registration_change", args=[small.pk]),  # type: ignore[attr-defined]
    }
    measured = _measure(client, pages, args.repeat)
    labels = {"big": "20 redirect URIs, 10 credentials", "small": "1 redirect URI, 1 credential"}
    for key in ("small", "big"):
        timings, queries = measured[key]
        figures.append(common.figure(f"Change page, {labels[key]}: time", timings, "ms"))
        figures.append(
            common.single(f"Change page, {labels[key]}: queries", max(queries), "", note=_same(queries))
        )
    small_q, big_q = measured["small"][1], measured["big"][1]
    targets.append(
        common.target(
            "Change page queries, 1+1 vs 20 URIs + 10 credentials",
            f"{max(small_q)} vs {max(big_q)}",
            "equal",
            len(small_q | big_q) == 1,
        )
    )
    common.write_results(
        args.json,
        {
            "title": "Admin pages",
            "method": (
                "In process (Django test client, no HTTP server), partner manager logged in, "
                f"PostgreSQL bench database. Changelist: {ROUNDS} rounds, each {per_block} timed requests "
                "with 100 rows then with 10,000 (bulk insert + ANALYZE; back to 100 by DELETE + VACUUM "
                "ANALYZE), after one warm-up request each time; the page shows 100 rows per page. Change "
                f"pages: {args.repeat} timed requests each after 2 warm-ups, the two pages alternately"
            ),
            "figures": figures,
            "targets": targets,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
