"""`make bench`: run every benchmark part on this machine and write docs/benchmarks.md.

    .venv/bin/python bench/run.py [--only PART ...] [--output PATH] [--strict]

Parts (each a script in bench/ that also runs on its own, each in its own
process, each on a freshly created PostgreSQL bench database):

  admin      bench/admin_pages.py   changelist and change page: queries, time ratio
  http       bench/http_flows.py    OAuth round trip portal vs bare Authlib; load on gunicorn
  exports    bench/exports.py       CSV and JSON export of 10,000 registrations: time, memory
  rotation   bench/key_rotation.py  rotate_encryption_keys over 1,000 and 10,000 rows
  sandbox    bench/sandbox_api.py   sandbox API list over 10 and 10,000 records: queries; p95 under load
  queue      bench/work_queue.py    admin index with the work queue: queries, time ratio
  console    bench/console.py       test call with exchange recording on vs off; connection page queries
  probes     bench/probes.py        probe_connections over 1,000 due connections against the sandbox
  speed      bench/sandbox_speed.py the sandbox's request path: p50 of each kind as a ratio to the floor

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/
portal_bench: dropped and created again by every part). The load generator is
Python (threads + requests, bench/load.py): nothing to install beyond the
virtualenv. Exit status: 1 if a part failed to run (the report says which);
with --strict also if a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common

BENCH = Path(__file__).resolve().parent
PARTS: dict[str, tuple[str, str, int]] = {
    # key: (script, section title, timeout in seconds)
    "admin": ("admin_pages.py", "1. Admin pages", 300),
    "http": ("http_flows.py", "2 and 5. OAuth round trip and pages under load (gunicorn)", 480),
    "exports": ("exports.py", "3. Exports", 300),
    "rotation": ("key_rotation.py", "4. Encryption key rotation", 300),
    "sandbox": ("sandbox_api.py", "6. Sandbox API lists (gunicorn)", 300),
    "queue": ("work_queue.py", "7. Admin index with the work queue", 300),
    "console": ("console.py", "8. Console: recording exchanges", 300),
    "probes": ("probes.py", "9. Connection monitoring (probe_connections)", 420),
    "speed": ("sandbox_speed.py", "10. The sandbox's request path (one gunicorn)", 420),
}
ORDER = ("admin", "http", "exports", "rotation", "sandbox", "queue", "console", "probes", "speed")
_current: list[subprocess.Popen[bytes]] = []


def _first(path: str, key: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip() if ":" in line else line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return "unknown"


def machine() -> dict[str, str]:
    import psycopg

    url = common.bench_database_url()
    maintenance = urlsplit(url)._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(maintenance) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            max_connections = conn.execute("SHOW max_connections").fetchone()
        postgres = (
            f"{row[0] if row else '?'} (max_connections {max_connections[0] if max_connections else '?'})"
        )
    except psycopg.Error as exc:
        postgres = f"unreachable ({type(exc).__name__})"
    memory_kb = _first("/proc/meminfo", "MemTotal").split()[0]
    return {
        "Date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "CPU": f"{_first('/proc/cpuinfo', 'model name')}, {os.cpu_count()} logical CPUs",
        "Memory": f"{int(memory_kb) / 1024 / 1024:.1f} GiB" if memory_kb.isdigit() else "unknown",
        "OS": f"{_first('/etc/os-release', 'PRETTY_NAME')}, kernel {platform.release()}",
        "Python": platform.python_version(),
        "Django": metadata.version("django"),
        "PostgreSQL": postgres,
        "gunicorn": metadata.version("gunicorn"),
        "Authlib": metadata.version("authlib"),
        "django-oauth-toolkit": metadata.version("django-oauth-toolkit"),
        "Load generator": "Python threads + requests (bench/load.py), on the same machine",
        # Other work on the machine inflates every latency; the ratios of one part hold better.
        "Load average at the start (1, 5, 15 min)": ", ".join(f"{load:.1f}" for load in os.getloadavg()),
    }


def run_part(key: str, workdir: Path) -> tuple[dict[str, Any] | None, float, str]:
    script, title, timeout = PARTS[key]
    out = workdir / f"{key}.json"
    print(f"\n== {title} (bench/{script})", flush=True)
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, str(BENCH / script), "--json", str(out)], cwd=common.ROOT)  # noqa: S603
    _current.append(process)
    error = ""
    try:
        code = process.wait(timeout=timeout)
        if code != 0:
            error = f"exited with status {code}"
    except subprocess.TimeoutExpired:
        error = f"timed out after {timeout} s"
        _stop(process)
    finally:
        _current.remove(process)
    seconds = time.monotonic() - started
    print(f"== {key}: {seconds:.0f} s{' — FAILED: ' + error if error else ''}", flush=True)
    if error or not out.exists():
        return None, seconds, error or "no results written"
    return json.loads(out.read_text()), seconds, ""


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (the part stops its own gunicorn), then SIGKILL."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _on_signal(signum: int, frame: Any) -> None:
    for process in list(_current):
        _stop(process)
    sys.exit(128 + signum)


# Report ---------------------------------------------------------------------------


def _cell(item: dict[str, Any], key: str) -> str:
    return common.fmt(item[key], item["digits"])


def figures_table(figures: list[dict[str, Any]]) -> list[str]:
    lines = ["| figure | median | spread: min – max (IQR) | n |", "|---|---:|---|---:|"]
    for item in figures:
        unit = f" {item['unit']}" if item["unit"] else ""
        if "exact" in item:
            lines.append(f"| {item['name']} | {_cell(item, 'exact')}{unit} | {item.get('note') or '–'} | – |")
        else:
            lines.append(
                f"| {item['name']} | {_cell(item, 'median')}{unit} | {_cell(item, 'min')} – {_cell(item, 'max')} "
                f"({_cell(item, 'q1')} – {_cell(item, 'q3')}) | {item['n']} |"
            )
    return lines


def load_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| request | requests | per second | p50 | p95 | min – max | errors |",
        "|---|---:|---:|---:|---:|---|---:|",
    ]
    for row in rows:
        kinds = ", ".join(f"{k}: {v}" for k, v in row["error_kinds"].items())
        lines.append(
            f"| {row['name']} | {row['requests']:,} | {row['per_second']:.1f} | {row['p50']:.0f} ms | "
            f"{row['p95']:.0f} ms | {row['min']:.0f} – {row['max']:.0f} ms | {row['errors']}"
            f"{' (' + kinds + ')' if kinds else ''} |"
        )
    return lines


def server_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| request (time inside gunicorn) | requests | p50 | p95 | max | 5xx |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['name']} | {row['requests']:,} | {row['p50']:.0f} ms | {row['p95']:.0f} ms | "
            f"{row['max']:.0f} ms | {row['server_errors']} |"
        )
    return lines


def report(
    info: dict[str, str],
    results: dict[str, Any],
    failures: dict[str, str],
    seconds: dict[str, float],
    total: float,
) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (bench/run.py) on {info['Date']}; the whole run took "
        f"{total / 60:.1f} minutes ({', '.join(f'{k} {v:.0f} s' for k, v in seconds.items())}). "
        "Do not edit by hand: run `make bench` again.",
        "",
        "Every part runs in its own process on a PostgreSQL bench database created afresh for it. "
        "Medians are over the repeats shown as n; the spread is min – max with the interquartile range "
        "in brackets. Every ratio compares figures measured in the same run, on the same server.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *[f"| {key} | {value} |" for key, value in info.items()],
        "",
        "## Targets",
        "",
        "| part | target | measured | bar | met |",
        "|---|---|---|---|---|",
    ]
    for key in ORDER:
        if key in failures:
            lines.append(f"| {PARTS[key][1]} | (part failed: {failures[key]}) | – | – | **NO** |")
        for item in (results.get(key) or {}).get("targets", []):
            lines.append(
                f"| {PARTS[key][1].split('.')[0]} | {item['name']} | {item['measured']} | {item['target']} | "
                f"{'yes' if item['met'] else '**NO**'} |"
            )
    for key in ORDER:
        if key not in results and key not in failures:
            continue
        lines += ["", f"## {PARTS[key][1]}", ""]
        part = results.get(key)
        if part is None:
            lines.append(f"The part failed: {failures[key]}. See the output of `make bench`.")
            continue
        lines += [f"Method: {part['method'].rstrip('.')}.", "", *figures_table(part["figures"])]
        if key == "http":
            lines += http_section(part)
        lines += profile_section(part)
    lines.append("")
    return "\n".join(lines)


def profile_section(part: dict[str, Any]) -> list[str]:
    """CPU profiles of the kinds whose target was missed (top functions by cumulative time)."""
    lines: list[str] = []
    for name, rows in (part.get("profiles") or {}).items():
        lines += [
            "",
            f"### Profile: {name} ({part['profile_requests']} requests in process, top functions by "
            "cumulative time)",
            "",
            "```text",
            *rows,
            "```",
        ]
    for note in part.get("notes", []):
        lines += ["", note]
    return lines


def http_section(part: dict[str, Any]) -> list[str]:
    load = part["load"]
    lines = [
        "",
        f"The round trip: {part['pairs']} timed pairs after 2 warm-up pairs, alternating which flow goes first "
        "(ABBA), one developer's browser session for both flows. The portal's flow is what a developer's "
        "browser does (dashboard page, connect, consent, callback, connection page, test call, result page); "
        "the bare flow is an Authlib OAuth2Session with PKCE S256 whose consent is given in the same browser "
        "session, then one refresh (timed apart). Its code exchange times the sandbox's token endpoint, which "
        "checks the client secret against a salted HMAC-SHA256 (sandbox/hashers.py). "
        + part.get("overhead_note", ""),
        "",
        f"### Under load: {load['clients']} concurrent clients, {load['duration']:.0f} s per scenario",
        "",
        f"The portal's gunicorn: {load['workers']} workers × {load['threads']} threads = "
        f"{load['workers'] * load['threads']} request slots, fewer than the {load['clients']} clients; the sandbox "
        "runs in its own gunicorn (`make serve`), so a test call holding a portal slot never waits for another "
        "portal slot. PostgreSQL's max_connections must exceed the slots of both servers (each thread keeps a "
        "connection). Closed loop: each client (its own user and "
        "database session) sends its next request when the previous one is answered; latency is measured "
        "at the client, on 127.0.0.1, with the load generator sharing the machine's CPUs with the servers.",
        "",
        "- Reveal: partner managers GET the confirmation page, then POST the reveal (decrypts the secret, "
        "writes the audit record); the page must show the secret.",
        "- Test call: developers (each connected through the dashboard before the run) POST a test call "
        "(the portal GETs /sandbox/api/v2/employees over HTTP and records it), then GET the result page; "
        "every recorded test call must have succeeded.",
        "",
        *load_table(load["latency"]),
        "",
        *server_table(load["server_side"]),
        "",
        *[f"- {check}" for check in load["checks"]],
    ]
    starved = part.get("starvation")
    default = part["default_config"]
    lines += ["", "### Why the sandbox has its own server: one gunicorn for both, default settings", ""]
    if not starved:
        lines.append("Skipped (--starvation-seconds 0).")
        return lines
    slots = starved["workers"] * starved["threads"]
    verdict = (
        "**starves**: test calls wait for a free slot for their own sandbox request and fail at "
        "PORTAL_HTTP_TIMEOUT"
        if starved["failed_calls"] or starved["client_errors"]
        else "did not starve in this run"
    )
    lines += [
        f"Defaults on this machine: {default['workers']} workers (2 × CPUs + 1) × {default['threads']} threads = "
        f"{slots} slots for the same {load['clients']} test-call clients (same users and connections), "
        f"{starved['duration']:.0f} s, with the sandbox served by the same gunicorn (the layout before "
        f"`make serve` gave it its own): {verdict}. "
        "The sandbox requests themselves are quick once a thread takes them (time inside gunicorn, below): "
        "the time is lost waiting in the workers' queues behind test calls that wait for them. "
        f"{starved['calls']} test calls, {starved['failed_calls']} failed"
        + (
            f" ({', '.join(f'{k}: {v}' for k, v in starved['failures'].items())})"
            if starved["failures"]
            else ""
        )
        + f", {starved['client_errors']} client-side errors. Not a target: it is why `make serve` runs the "
        "sandbox in a gunicorn of its own.",
        "",
        *load_table(starved["latency"]),
        "",
        *server_table(starved["server_side"]),
    ]
    return lines


# --only: the parts run replace their own rows and sections; the rest of the file stays.


def _split(text: str) -> tuple[list[str], list[str], dict[str, list[str]]]:
    """A report's lines before the targets' rows, the targets' rows, and each part's section by title."""
    lines = text.rstrip("\n").splitlines()
    head_end = lines.index("## Targets") + 4  # the heading, a blank line and the table's two header lines
    rows_end = head_end
    while rows_end < len(lines) and lines[rows_end].startswith("|"):
        rows_end += 1
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines[rows_end:]:
        if line.startswith("## "):
            current = sections.setdefault(line[3:], [])
        if current is not None:
            current.append(line)
    return lines[:head_end], lines[head_end:rows_end], sections


def _prefix(key: str) -> str:
    return PARTS[key][1].split(".")[0]


def merged(old: str, new: str, rerun: set[str]) -> str:
    """The previous report with the rows and sections of the parts in `rerun` replaced by `new`'s."""
    _old_head, old_rows, old_sections = _split(old)
    new_head, new_rows, new_sections = _split(new)
    rows: list[str] = []
    body: list[str] = []
    for key in ORDER:
        source_rows, source_sections = (new_rows, new_sections) if key in rerun else (old_rows, old_sections)
        rows += [row for row in source_rows if row.split("|")[1].strip() in (_prefix(key), PARTS[key][1])]
        section = source_sections.get(PARTS[key][1], [])
        while section and not section[-1].strip():
            section = section[:-1]
        body += [*section, ""] if section else []
    note = (
        f"This run (`--only {' '.join(key for key in ORDER if key in rerun)}`) replaced those parts' rows and "
        "sections; the other parts' figures are from the previous run."
    )
    head = [*new_head[:3], "", note, *new_head[3:]]
    return "\n".join([*head, *rows, "", *body])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=ORDER, help="Run only these parts.")
    parser.add_argument("--output", default=str(common.ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--strict", action="store_true", help="Exit 1 when a target is missed.")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)

    started = time.monotonic()
    info = machine()
    if info["PostgreSQL"].startswith("unreachable"):
        print(
            f"PostgreSQL is {info['PostgreSQL']} at {urlsplit(common.bench_database_url()).netloc}: start it "
            "(e.g. pg_ctlcluster 15 main start) or set BENCH_DATABASE_URL.",
            file=sys.stderr,
        )
        return 1
    print("Machine:")
    for key, value in info.items():
        print(f"  {key}: {value}")
    results: dict[str, Any] = {}
    failures: dict[str, str] = {}
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
        for key in args.only or ORDER:
            result, took, error = run_part(key, Path(tmp))
            seconds[key] = took
            if result is None:
                failures[key] = error
            else:
                results[key] = result
    total = time.monotonic() - started
    text = report(info, results, failures, seconds, total)
    output = Path(args.output)
    if args.only and output.exists():
        text = merged(output.read_text(), text, set(args.only))
    output.parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(text)

    targets = [item for part in results.values() for item in part.get("targets", [])]
    missed = [item for item in targets if not item["met"]]
    print("\n== Targets")
    for item in targets:
        print(
            f"  [{'met' if item['met'] else 'MISSED'}] {item['name']}: {item['measured']} (target {item['target']})"
        )
    for key, error in failures.items():
        print(f"  [FAILED] part {key}: {error}")
    print(
        f"\n{len(targets) - len(missed)} of {len(targets)} targets met; {len(failures)} part(s) failed; "
        f"total {total:.0f} s. Report: {os.path.relpath(args.output, common.ROOT)}"
    )
    if failures:
        return 1
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
