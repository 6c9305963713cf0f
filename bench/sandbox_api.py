"""Benchmark 6: the sandbox API's lists cost the same whatever the number of records.

    .venv/bin/python bench/sandbox_api.py [--clients N] [--rate R] [--open-duration S]
        [--sweep R1,R2,...] [--sweep-duration S] [--duration S] [--json PATH]

- Queries per request of `GET /sandbox/api/v2/employees` (first page, and a page
  after a cursor) for a sandbox company with 10 employees and one with 10,000:
  must be equal (keyset pagination: an index range, not a scan).
- Latency under load, against gunicorn with the production settings and
  portal/gunicorn_conf.py's default workers and threads. N clients (default 20,
  one connection each, bearer tokens) page through the 10,000 employees (limit
  20, following `endCursor`, back to the first page at the end):
  - open loop, the target: page requests arrive on a schedule (Poisson, R per
    second in all, default 40: each of the 20 clients asks for a page every half
    second on average, an integration syncing a list and handling each page
    before the next) for S seconds, each timed from when it was due, so a request
    that waits for a busy client or server counts its wait (no coordinated
    omission): p95 <= 50 ms, no errors. Open loop because the load a server meets
    is set by its clients' pace, not by its own speed: a closed loop offers
    whatever the server absorbs, and its latency is clients / throughput.
  - a sweep of the same open loop at a few rates (shorter runs), and the highest
    of them at which p95 <= 50 ms: the capacity around the target (not a target).
  - closed loop (each client sends its next page as soon as the last one is
    answered, no pause): the saturation throughput and its latency (not a
    target; the load generator shares the server's CPUs).

On the PostgreSQL bench database (see bench/common.py), reset at the start.
Tokens are made directly in the database (the OAuth flow is benchmark 2's).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import secrets
import shutil
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common, load
from bench.http_flows import server_env
from bench.server import Browser, Gunicorn, free_port

SIZES = (10, 10_000)
P95_LIMIT_MS = 50.0
OPEN_RATE = 40.0  # requests per second, all clients together (see the module docstring)
SWEEP_RATES = (20.0, 30.0, 40.0, 50.0, 60.0, 80.0, 100.0)
# A sweep stops at the first rate far past the limit: beyond it the backlog only grows.
SWEEP_STOP_MS = 4 * P95_LIMIT_MS
LIST_PATH = "/sandbox/api/v2/employees"
PAGE = 20


def _company_with_employees(count: int, user: Any) -> Any:
    from sandbox.api.records import record_build
    from sandbox.api.resources import RESOURCES
    from sandbox.models import SandboxCompany, SandboxRecord

    company = SandboxCompany.objects.create(id=uuid.uuid4(), name=f"Bench company {count}")
    company.members.add(user)
    employee = RESOURCES["employee"]
    records = (
        record_build(
            company=company,
            resource=employee,
            document={
                "id": str(uuid.uuid5(company.id, str(n))),
                "companyId": str(company.id),
                "firstName": "Bench",
                "lastName": f"Employee {n}",
                "email": f"employee{n}@bench.example",
                "code": f"EMP-{n:06d}",
            },
        )
        for n in range(count)
    )
    SandboxRecord.objects.bulk_create(records, batch_size=2000)
    return company


def prepare(clients: int) -> dict[str, Any]:
    """One user per company size and one per load client (members of the 10,000 company)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from oauth2_provider.models import get_application_model

    users = get_user_model()
    application = get_application_model().objects.create(
        name="Bench API client",
        client_type="confidential",
        authorization_grant_type="authorization-code",
        redirect_uris="https://client.example/callback",
        client_secret=secrets.token_urlsafe(20),
    )
    tokens: dict[int, str] = {}
    companies = {}
    for size in SIZES:
        user = users.objects.create_user(f"bench-{size}")
        companies[size] = _company_with_employees(size, user)
        tokens[size] = common.sandbox_access_token(user=user, application=application)
    big = companies[SIZES[-1]]
    load_tokens = []
    for n in range(clients):
        user = users.objects.create_user(f"bench-client-{n:02d}")
        big.members.add(user)
        load_tokens.append(common.sandbox_access_token(user=user, application=application))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sandbox_sandboxrecord")  # as autovacuum would after a bulk load
    return {"tokens": tokens, "load_tokens": load_tokens}


def query_counts(tokens: dict[int, str]) -> dict[int, dict[str, int]]:
    """Queries of the first page and of the page after it, per company size (Django test client)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts: dict[int, dict[str, int]] = {}
    for size, token in tokens.items():
        client = Client(
            HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1"
        )
        client.get(LIST_PATH, {"limit": 5})  # warm: the first request loads the catalog
        with CaptureQueriesContext(connection) as first:
            response = client.get(LIST_PATH, {"limit": 5})
        assert response.status_code == 200, response.content[:300]
        cursor = response.json()["pagination"]["endCursor"]
        with CaptureQueriesContext(connection) as after:
            response = client.get(LIST_PATH, {"limit": 5, "after": cursor})
        assert response.status_code == 200, response.content[:300]
        counts[size] = {"first page": len(first), "after a cursor": len(after)}
    return counts


def list_step() -> list[load.Step]:
    return [("GET /v2/employees page (10,000 records)", _page)]


def _rates(text: str) -> tuple[float, ...]:
    return tuple(float(value) for value in text.split(",") if value.strip())


def _page(browser: Browser, state: dict[str, Any]) -> tuple[bool, str]:
    params: dict[str, Any] = {"limit": PAGE}
    if state.get("after"):
        params["after"] = state["after"]
    response = browser.get(LIST_PATH, params=params)
    if response.status_code != 200:
        return False, f"status {response.status_code}: {response.text[:200]}"
    body = response.json()
    if not body["data"]:
        return False, "empty page"
    pagination = body["pagination"]
    state["after"] = pagination["endCursor"] if pagination["hasNextPage"] else None
    return True, ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument(
        "--rate",
        type=float,
        default=OPEN_RATE,
        help=f"Open loop: requests per second (default {OPEN_RATE:.0f}).",
    )
    parser.add_argument(
        "--open-duration", type=float, default=30.0, help="Seconds of the open-loop run (default 30)."
    )
    parser.add_argument(
        "--sweep",
        type=_rates,
        default=SWEEP_RATES,
        help="Open-loop rates to sweep, comma-separated (default "
        + ",".join(f"{rate:.0f}" for rate in SWEEP_RATES)
        + ").",
    )
    parser.add_argument(
        "--sweep-duration", type=float, default=10.0, help="Seconds per swept rate (default 10)."
    )
    parser.add_argument(
        "--duration", type=float, default=20.0, help="Seconds of the closed-loop run (default 20)."
    )
    parser.add_argument("--json", help="Write the results here (for bench/run.py).")
    args = parser.parse_args()

    database_url = common.bench_database_url()
    common.reset_database(database_url)
    workdir = Path(tempfile.mkdtemp(prefix="portal-bench-sandbox-"))
    try:
        return _main(args, database_url, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _main(args: argparse.Namespace, database_url: str, workdir: Path) -> int:
    port = free_port()
    env = server_env(database_url, port, workdir / "static", None, None)
    os.environ.clear()
    os.environ.update(env)
    import django
    from django.core.management import call_command

    django.setup()
    logging.disable(logging.INFO)
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    data = prepare(args.clients)
    counts = query_counts(data["tokens"])

    from django.db import connections

    connections.close_all()
    server = Gunicorn(env, port, workdir / "gunicorn.log")
    browsers = []
    for token in data["load_tokens"]:
        browser = Browser(server.base_url, "")
        browser.http.headers["Authorization"] = f"Bearer {token}"
        browsers.append(browser)
    states: list[dict[str, Any]] = [{} for _ in browsers]
    step = list_step()[0]
    sweep: list[tuple[float, dict[str, Any]]] = []
    try:
        server.start()
        # Warm each worker (catalog loaded, connections open) before measuring.
        load.run(browsers, [step], duration=3.0, states=states)
        judged = load.run_open(browsers, step, rate=args.rate, duration=args.open_duration, states=states)
        for rate in args.sweep:
            swept = load.run_open(
                browsers, step, rate=rate, duration=args.sweep_duration, states=states, seed=2
            )
            sweep.append((rate, swept.latency(step[0])))
            print(f"  open loop, {rate:.0f}/s: p95 {sweep[-1][1]['p95']:.1f} ms", flush=True)
            if sweep[-1][1]["p95"] > SWEEP_STOP_MS:
                break
        outcome = load.run(browsers, [step], duration=args.duration, states=states)
        server_errors = len(re.findall(r"\[ERROR\]|Traceback", server.log_slice(0)))
    except BaseException:
        sys.stderr.write(server.log_tail() + "\n")
        raise
    finally:
        server.stop()
        for browser in browsers:
            browser.close()

    kind = step[0]
    latency = outcome.latency(kind)
    target = judged.latency(kind)
    within = [rate for rate, swept in sweep if swept["p95"] <= P95_LIMIT_MS and swept["errors"] == 0]
    small, big = counts[SIZES[0]], counts[SIZES[-1]]
    from bench.http_flows import gunicorn_defaults

    workers, threads = gunicorn_defaults()
    pace = args.clients / args.rate
    results = {
        "method": (
            "queries counted in process (Django test client, PostgreSQL) for a company with 10 and one with "
            "10,000 employees; then loads on gunicorn, latency measured at the client on 127.0.0.1, the load "
            "generator sharing the machine's CPUs with the server: an open loop (Poisson arrivals at a fixed "
            "total rate, each request timed from when it was due, so waiting for a busy client or server counts: "
            "no coordinated omission) at the target rate and at a few other rates, then a closed loop (no "
            "pause), whose latency is only clients / throughput: it shows the saturation throughput"
        ),
        "config": (
            f"gunicorn {workers} workers × {threads} threads (portal/gunicorn_conf.py defaults), production "
            f"settings, PostgreSQL bench database; {args.clients} clients (one connection each) paging through "
            f"10,000 employees {PAGE} at a time. Open loop: {args.rate:.0f} requests/s in all (each client a "
            f"page every {pace:.2f} s on average) for {args.open_duration:.0f} s; sweep "
            f"{', '.join(f'{rate:.0f}' for rate, _ in sweep)} requests/s, {args.sweep_duration:.0f} s each. "
            f"Closed loop: {args.duration:.0f} s, no pause"
        ),
        "figures": [
            *(
                common.single(f"queries, {size:,} employees, {page}", value, "")
                for size, pages in counts.items()
                for page, value in pages.items()
            ),
            common.single(f"open loop {args.rate:.0f}/s: requests", target["requests"], ""),
            common.single(f"open loop {args.rate:.0f}/s: p50", target["p50"], "ms", digits=1),
            common.single(f"open loop {args.rate:.0f}/s: p95", target["p95"], "ms", digits=1),
            common.single(f"open loop {args.rate:.0f}/s: errors", target["errors"], ""),
            *(
                common.single(f"sweep, open loop {rate:.0f}/s: p95", swept["p95"], "ms", digits=1)
                for rate, swept in sweep
            ),
            common.single(
                f"sweep: highest rate with p95 ≤ {P95_LIMIT_MS:.0f} ms", max(within, default=0), "/s"
            ),
            common.single("closed loop (saturation): requests", latency["requests"], ""),
            common.single(
                "closed loop (saturation): requests per second", latency["per_second"], "/s", digits=1
            ),
            common.single("closed loop (saturation): p50", latency["p50"], "ms", digits=1),
            common.single("closed loop (saturation): p95", latency["p95"], "ms", digits=1),
            common.single("closed loop (saturation): errors", latency["errors"], ""),
            common.single("server log: error lines / tracebacks", server_errors, ""),
        ],
        "targets": [
            common.target(
                "Sandbox list, 10 vs 10,000 records: queries per request",
                f"{small['first page']} vs {big['first page']} (first page), "
                f"{small['after a cursor']} vs {big['after a cursor']} (after a cursor)",
                "equal",
                small == big,
            ),
            common.target(
                f"Sandbox list over 10,000 records, {args.clients} concurrent clients, open loop at "
                f"{args.rate:.0f} requests/s: p95",
                f"{target['p95']:.1f} ms ({target['requests']} requests, {target['errors']} errors)",
                f"≤ {P95_LIMIT_MS:.0f} ms, 0 errors",
                target["p95"] <= P95_LIMIT_MS and target["errors"] == 0,
            ),
        ],
    }
    common.write_results(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
