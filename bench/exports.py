"""Benchmark: stream 10,000 registrations as CSV and as one JSON array.

    .venv/bin/python bench/exports.py [--rows N]

Uses a throwaway SQLite database under /tmp unless DATABASE_URL is set (then the
rows it creates are deleted again afterwards). Each format is measured in a fresh
child process, so one measurement's garbage does not hide in the next one's:
the child consumes a StreamingHttpResponse exactly as the WSGI server does and
prints time, tracemalloc's peak and the peak growth of the process RSS (sampled
every few milliseconds from /proc), as `name: value` lines. The issue's bar:
growth under 50 MB.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

MARKER = "bench-exports "  # client_name prefix of the benchmark's rows
LIMIT_MB = 50.0
FORMATS = ("csv", "json")
MB = 1024 * 1024


def _setup() -> None:
    import django

    django.setup()


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


def _stream(fmt: str, queryset):  # type: ignore[no-untyped-def]
    from registrations import exports

    return exports.stream_csv(queryset) if fmt == "csv" else exports.stream_json_array(queryset)


def _consume(fmt: str, queryset) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Stream one export the way the HTTP response is sent; (chunks, bytes)."""
    from django.http import StreamingHttpResponse

    response = StreamingHttpResponse(_stream(fmt, queryset))
    chunks = size = 0
    for chunk in response:  # bytes, as the WSGI server receives them
        chunks += 1
        size += len(chunk)
    response.close()
    return chunks, size


def measure(fmt: str) -> None:
    """Child process: print this format's figures."""
    _setup()
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

    under = max(rss_growth, traced_peak) < LIMIT_MB
    # Chunks: one per row, plus the CSV header or the JSON array's closing bracket.
    print(f"{fmt}_rows: {chunks - 1}")
    print(f"{fmt}_bytes: {size}")
    print(f"{fmt}_seconds: {seconds:.2f}")
    print(f"{fmt}_rows_per_second: {(chunks - 1) / seconds:.0f}")
    print(f"{fmt}_tracemalloc_peak_mb: {traced_peak:.1f}")
    print(f"{fmt}_rss_growth_mb: {rss_growth:.1f}")
    print(f"{fmt}_growth_under_{LIMIT_MB:.0f}mb: {'yes' if under else 'no'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--measure", choices=FORMATS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure)
        return 0

    throwaway = None
    if not os.environ.get("DATABASE_URL"):
        throwaway = Path(tempfile.gettempdir()) / f"portal-bench-exports-{os.getpid()}.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{throwaway}"
    _setup()
    from django.conf import settings
    from django.core.management import call_command

    from registrations.models import Registration

    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    call_command("migrate", verbosity=0)
    ok = True
    try:
        Registration.objects.filter(client_name__startswith=MARKER).delete()
        started = time.perf_counter()
        _create_rows(args.rows)
        print(f"rows_created: {args.rows}")
        print(f"create_seconds: {time.perf_counter() - started:.2f}")
        for fmt in FORMATS:
            # The child inherits DATABASE_URL and the test settings' generated keys.
            result = subprocess.run(  # noqa: S603 (our own script, fixed arguments)
                [sys.executable, __file__, "--measure", fmt],
                env=os.environ.copy(),
                capture_output=True,
                text=True,
                check=False,
            )
            sys.stdout.write(result.stdout)
            if result.returncode != 0:
                sys.stderr.write(result.stderr)
                ok = False
            ok = ok and f"growth_under_{LIMIT_MB:.0f}mb: yes" in result.stdout
    finally:
        Registration.objects.filter(client_name__startswith=MARKER).delete()
        if throwaway is not None:
            throwaway.unlink(missing_ok=True)
    print(f"all_under_{LIMIT_MB:.0f}mb: {'yes' if ok else 'no'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
