"""Benchmark 3: stream 10,000 registrations as CSV and as one JSON array.

    .venv/bin/python bench/exports.py [--rows N] [--repeat R] [--json PATH]

On the PostgreSQL bench database (bench/common.py, reset at the start). Each
measurement runs in a fresh child process, so one measurement's garbage does
not hide in the next one's: the child consumes a StreamingHttpResponse exactly
as the WSGI server does, timing it while sampling the process RSS from /proc
every 2 ms, then streams it once more under tracemalloc. Peak growth is the
larger of RSS growth and tracemalloc's peak; the bar is 50 MB.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common

LIMIT_MB = 50.0
# The formats that export many registrations (registrations.exports.EXPORT_FORMATS[...].stream).
FORMATS = ("csv", "json")
MB = 1024 * 1024
MARKER = "bench-exports "


def _rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class RssSampler(threading.Thread):
    """Peak resident set size while the export runs."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = _rss_bytes()
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, _rss_bytes())
            time.sleep(0.002)

    def stop(self) -> int:
        self._done.set()
        self.join()
        return max(self.peak, _rss_bytes())


def _create_rows(count: int) -> None:
    from registrations.models import Registration

    batch = 1000
    for start in range(0, count, batch):
        Registration.objects.bulk_create(
            [
                Registration(
                    client_name=f"{MARKER}{n:05d}, Inc.",
                    client_uri=f"https://client{n}.example/",
                    tos_uri=f"https://client{n}.example/legal/tos.html",
                    policy_uri=f"https://client{n}.example/legal/privacy.pdf",
                    contacts=[f"dev{n}@client{n}.example", f"ops{n}@client{n}.example"],
                    redirect_uris=[
                        "https://oauth.pstmn.io/v1/browser-callback",
                        f"https://client{n}.example/oauth/callback",
                    ],
                    scope="users:read users:write accounts:read",
                )
                for n in range(start, min(start + batch, count))
            ]
        )


def _consume(fmt: str, queryset: Any) -> tuple[int, int]:
    """Stream one export the way the HTTP response is sent; (chunks, bytes)."""
    from django.http import StreamingHttpResponse

    from registrations import exports

    stream = exports.EXPORT_FORMATS[fmt].stream
    assert stream is not None, fmt
    response = StreamingHttpResponse(stream(queryset))
    chunks = size = 0
    for chunk in response:  # bytes, as the WSGI server receives them
        chunks += 1
        size += len(chunk)
    response.close()
    return chunks, size


def measure(fmt: str) -> dict[str, float]:
    """Child process: one timed, RSS-sampled export, then one under tracemalloc."""
    import django

    django.setup()
    from registrations.models import Registration

    rows = Registration.objects.filter(client_name__startswith=MARKER)
    # Warm-up on a few rows: imports, the connection, query compilation.
    _consume(fmt, Registration.objects.filter(pk__in=list(rows.values_list("pk", flat=True)[:10])))
    gc.collect()

    baseline = _rss_bytes()
    sampler = RssSampler()
    sampler.start()
    started = time.perf_counter()
    chunks, size = _consume(fmt, rows)
    seconds = time.perf_counter() - started
    rss_growth = (sampler.stop() - baseline) / MB

    gc.collect()
    tracemalloc.start()
    _consume(fmt, rows)
    traced_peak = tracemalloc.get_traced_memory()[1] / MB
    tracemalloc.stop()
    # Chunks: one per row, plus the CSV header or the JSON array's closing bracket.
    return {
        "rows": chunks - 1,
        "bytes": size,
        "seconds": seconds,
        "rss_growth_mb": rss_growth,
        "tracemalloc_peak_mb": traced_peak,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5, help="Child processes per format (default 5).")
    parser.add_argument("--json", help="Write the results here (for bench/run.py).")
    parser.add_argument("--measure", choices=FORMATS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0

    common.setup_django_for_part()
    started = time.perf_counter()
    _create_rows(args.rows)
    create_seconds = time.perf_counter() - started

    runs: dict[str, list[dict[str, float]]] = {fmt: [] for fmt in FORMATS}
    for _ in range(args.repeat):
        for fmt in FORMATS:  # alternating formats
            # The child inherits DATABASE_URL and the keys from this process's environment.
            result = subprocess.run(  # noqa: S603 (our own script, fixed arguments)
                [sys.executable, __file__, "--measure", fmt],
                env=os.environ.copy(),
                capture_output=True,
                text=True,
                check=False,
                timeout=300,
            )
            if result.returncode != 0:
                sys.stderr.write(result.stderr)
                sys.exit(f"export child ({fmt}) failed")
            runs[fmt].append(json.loads(result.stdout.strip().splitlines()[-1]))

    figures = [common.single("Rows exported (each run checked)", args.rows, "")]
    targets = []
    for fmt in FORMATS:
        name = fmt.upper()
        results = runs[fmt]
        assert all(run["rows"] == args.rows for run in results), results
        growth = [max(run["rss_growth_mb"], run["tracemalloc_peak_mb"]) for run in results]
        figures += [
            common.figure(
                f"{name} export, {args.rows:,} rows: time", [r["seconds"] for r in results], "s", digits=2
            ),
            common.figure(
                f"{name} export: rows per second",
                [args.rows / r["seconds"] for r in results],
                "rows/s",
                digits=0,
            ),
            common.single(f"{name} export: size", results[0]["bytes"] / MB, "MB", digits=1, note="every run"),
            common.figure(f"{name} export: RSS growth", [r["rss_growth_mb"] for r in results], "MB"),
            common.figure(
                f"{name} export: tracemalloc peak", [r["tracemalloc_peak_mb"] for r in results], "MB"
            ),
        ]
        targets.append(
            common.target(
                f"{name} export of {args.rows:,} rows: peak memory growth",
                f"{max(growth):.1f} MB (worst of {len(growth)})",
                f"≤ {LIMIT_MB:.0f} MB",
                max(growth) <= LIMIT_MB,
            )
        )
    common.write_results(
        args.json,
        {
            "title": "Exports",
            "method": (
                f"{args.rows:,} registrations (2 contacts, 2 redirect URIs each) on the PostgreSQL bench "
                f"database, bulk-created in {create_seconds:.1f} s. Each format is streamed {args.repeat} "
                "times, each time in a fresh child process (test settings), through "
                "StreamingHttpResponse as the WSGI server reads it; memory growth is the larger of RSS "
                "growth (sampled every 2 ms) and tracemalloc's peak (a second pass)."
            ),
            "figures": figures,
            "targets": targets,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
