"""Benchmark: the registrations changelist in admin with 100 and with 10,000 rows.

    .venv/bin/python bench/changelist.py [--repeat N]

Uses a throwaway SQLite file under /tmp unless DATABASE_URL is set (then that
database is migrated and filled: point it at a scratch database). Prints plain
`name: value` lines: median/min/max time in milliseconds and the query count of
one changelist request, for each size. The page shows 100 rows either way; the
query count must be the same for both sizes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
_SCRATCH = None
if not os.environ.get("DATABASE_URL"):
    _SCRATCH = Path(tempfile.mkdtemp(prefix="portal-bench-")) / "bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{_SCRATCH}"

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from registrations.models import Registration  # noqa: E402

SIZES = (100, 10_000)
BENCH_PREFIX = "Bench client "


def _fill(total: int, owner: object) -> None:
    missing = total - Registration.objects.count()
    Registration.objects.bulk_create(
        (
            Registration(
                client_name=f"{BENCH_PREFIX}{n}",
                client_uri="https://client.example/",
                tos_uri="https://client.example/legal/tos.html",
                policy_uri="https://client.example/legal/privacy.pdf",
                contacts=["name.surname@example.io"],
                redirect_uris=["https://oauth.pstmn.io/v1/browser-callback"],
                scope="users:read users:write",
                owner=owner,
            )
            for n in range(missing)
        ),
        batch_size=1000,
    )


def _measure(client: Client, url: str, repeat: int) -> tuple[list[float], int]:
    client.get(url)  # warm-up
    timings = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        queries = len(captured)
    return timings, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="Requests timed per size (default 20).")
    args = parser.parse_args()

    setup_test_environment()  # lets the test Client use host "testserver"
    call_command("migrate", verbosity=0, interactive=False)
    user_model = get_user_model()
    admin = user_model.objects.filter(username="bench-admin").first() or user_model.objects.create_superuser(
        "bench-admin", "bench@example.io", "bench-password"
    )
    if Registration.objects.exclude(client_name__startswith=BENCH_PREFIX).exists():
        sys.exit("DATABASE_URL holds real registrations: point it at a scratch database.")
    Registration.objects.all().delete()
    client = Client()
    client.force_login(admin)
    url = reverse("admin:registrations_registration_changelist")

    print(f"database: {connection.vendor}")
    print(f"requests_per_size: {args.repeat}")
    counts = {}
    for size in SIZES:
        _fill(size, admin)
        timings, queries = _measure(client, url, args.repeat)
        counts[size] = queries
        print(f"rows_{size}_median_ms: {statistics.median(timings):.1f}")
        print(f"rows_{size}_min_ms: {min(timings):.1f}")
        print(f"rows_{size}_max_ms: {max(timings):.1f}")
        print(f"rows_{size}_queries: {queries}")
    print(f"queries_constant: {'yes' if len(set(counts.values())) == 1 else 'NO'}")
    if _SCRATCH is not None:
        for path in _SCRATCH.parent.glob("*"):
            path.unlink()
        _SCRATCH.parent.rmdir()


if __name__ == "__main__":
    main()
