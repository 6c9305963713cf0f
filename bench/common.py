"""Shared by the benchmark parts: the bench database, statistics, results files.

Every part works on a dedicated PostgreSQL database (BENCH_DATABASE_URL, by
default postgres://postgres@127.0.0.1:5432/portal_bench), dropped and created
again (then migrated) at the start of the part, so that no part sees another's
rows. The name must contain "bench": the database is destroyed without asking.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import statistics
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"


def bench_database_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    name = urlsplit(url).path.lstrip("/")
    if urlsplit(url).scheme not in ("postgres", "postgresql", "pgsql") or "bench" not in name:
        sys.exit(
            f"BENCH_DATABASE_URL must be a PostgreSQL database whose name contains 'bench' (got {name!r})."
        )
    return url


def reset_database(url: str) -> None:
    """DROP (forcing other sessions off) and CREATE the bench database."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def bench_environment(url: str) -> dict[str, str]:
    """Environment for an in-process part: test settings (fast hashing, no manifest) on PostgreSQL.

    Connections persist as in production (CONN_MAX_AGE 60), so a request does
    not pay for a new PostgreSQL connection.
    """
    from cryptography.fernet import Fernet

    return {
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": url,
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        "PORTAL_ENCRYPTION_KEYS": os.environ.get("PORTAL_ENCRYPTION_KEYS") or Fernet.generate_key().decode(),
        "DJANGO_CONN_MAX_AGE": "60",
        "DJANGO_LOG_LEVEL": "WARNING",
        # Set explicitly: a developer's .env (DJANGO_DEBUG=true after `make run`) must not apply here.
        "DJANGO_DEBUG": "false",
        "REDIS_URL": "",
    }


def setup_django_for_part() -> str:
    """Reset the bench database, point Django at it (test settings), set up and migrate."""
    url = bench_database_url()
    reset_database(url)
    os.environ.update(bench_environment(url))
    import django
    from django.core.management import call_command

    # whitenoise looks for STATIC_ROOT, which only collectstatic fills; not needed in process.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    return url


# Statistics -----------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sample."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values: Sequence[float]) -> dict[str, float]:
    """Median, min, max, quartiles and count of repeated measurements."""
    values = list(values)
    quartiles = statistics.quantiles(values, n=4) if len(values) >= 2 else [values[0]] * 3
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "q1": quartiles[0],
        "q3": quartiles[2],
        "n": len(values),
    }


def figure(
    name: str, values: Sequence[float], unit: str, *, digits: int = 1, note: str = ""
) -> dict[str, Any]:
    """One measured figure: its repeats summarised (median, min, max, quartiles)."""
    return {"name": name, "unit": unit, "digits": digits, "note": note, **summary(values)}


def single(name: str, value: float, unit: str, *, digits: int = 0, note: str = "") -> dict[str, Any]:
    """A figure that is one exact number (a count), not a sample."""
    return {"name": name, "unit": unit, "digits": digits, "note": note, "exact": value}


def target(name: str, measured: str, bar: str, met: bool) -> dict[str, Any]:
    return {"name": name, "measured": measured, "target": bar, "met": bool(met)}


def write_results(path: str | None, results: dict[str, Any]) -> None:
    """The part's results as JSON (for bench/run.py) and as plain lines on stdout."""
    for item in results.get("figures", []):
        print(f"  {format_figure(item)}")
    for item in results.get("targets", []):
        print(
            f"  [{'met' if item['met'] else 'MISSED'}] {item['name']}: {item['measured']} (target {item['target']})"
        )
    if path:
        Path(path).write_text(json.dumps(results, indent=2))


def fmt(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}"


def format_figure(item: dict[str, Any]) -> str:
    unit = f" {item['unit']}" if item["unit"] else ""
    if "exact" in item:
        return f"{item['name']}: {fmt(item['exact'], item['digits'])}{unit}"
    digits = item["digits"]
    return (
        f"{item['name']}: median {fmt(item['median'], digits)}{unit} "
        f"(min–max {fmt(item['min'], digits)}–{fmt(item['max'], digits)}, n={item['n']})"
    )


def sandbox_access_token(*, user: Any, application: Any, scope: str = "users:read") -> str:
    """A sandbox access token written straight to the database, valid for two hours."""
    from datetime import timedelta

    from django.utils import timezone
    from oauth2_provider.models import get_access_token_model

    token = secrets.token_urlsafe(30)
    get_access_token_model().objects.create(
        user=user,
        application=application,
        token=token,
        scope=scope,
        expires=timezone.now() + timedelta(hours=2),
    )
    return token
