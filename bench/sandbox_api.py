"""Benchmark 6: the sandbox API's lists cost the same whatever the number of records.

    .venv/bin/python bench/sandbox_api.py [--clients N] [--duration S] [--json PATH]

- Queries per request of `GET /sandbox/api/v2/employees` (first page, and a page
  after a cursor) for a sandbox company with 10 employees and one with 10,000:
  must be equal (keyset pagination: an index range, not a scan).
- Latency under load: N concurrent clients (default 20) for S seconds, each
  walking the 10,000 employees page by page (limit 20, following `endCursor`,
  back to the first page at the end) with a bearer token, against gunicorn with
  the production settings and portal/gunicorn_conf.py's default workers and
  threads: p95 <= 50 ms, no errors.

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
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common, load
from bench.http_flows import server_env
from bench.server import Browser, Gunicorn, free_port

SIZES = (10, 10_000)
P95_LIMIT_MS = 50.0
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


def _token(user: Any, application: Any) -> str:
    from django.utils import timezone
    from oauth2_provider.models import get_access_token_model

    token = secrets.token_urlsafe(30)
    get_access_token_model().objects.create(
        user=user,
        application=application,
        token=token,
        scope="users:read",
        expires=timezone.now() + timedelta(hours=2),
    )
    return token


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
        tokens[size] = _token(user, application)
    big = companies[SIZES[-1]]
    load_tokens = []
    for n in range(clients):
        user = users.objects.create_user(f"bench-client-{n:02d}")
        big.members.add(user)
        load_tokens.append(_token(user, application))
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
    def page(browser: Browser, state: dict[str, Any]) -> tuple[bool, str]:
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

    return [("GET /v2/employees page (10,000 records)", page)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=30.0, help="Seconds of load (default 30).")
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
    try:
        server.start()
        # Warm each worker (catalog loaded, connections open) before measuring.
        load.run(browsers, list_step(), duration=3.0)
        outcome = load.run(browsers, list_step(), duration=args.duration)
        server_errors = len(re.findall(r"\[ERROR\]|Traceback", server.log_slice(0)))
    except BaseException:
        sys.stderr.write(server.log_tail() + "\n")
        raise
    finally:
        server.stop()
        for browser in browsers:
            browser.close()

    kind = outcome.kinds()[0]
    latency = outcome.latency(kind)
    small, big = counts[SIZES[0]], counts[SIZES[-1]]
    from bench.http_flows import gunicorn_defaults

    workers, threads = gunicorn_defaults()
    results = {
        "method": (
            "queries counted in process (Django test client, PostgreSQL) for a company with 10 and one with "
            "10,000 employees; then a closed-loop load on gunicorn, latency measured at the client on "
            "127.0.0.1, the load generator sharing the machine's CPUs with the server"
        ),
        "config": (
            f"gunicorn {workers} workers × {threads} threads (portal/gunicorn_conf.py defaults), production "
            f"settings, PostgreSQL bench database; {args.clients} clients for {args.duration:.0f} s, each "
            f"paging through 10,000 employees {PAGE} at a time (closed loop, no pause)"
        ),
        "figures": [
            *(
                common.single(f"queries, {size:,} employees, {page}", value, "")
                for size, pages in counts.items()
                for page, value in pages.items()
            ),
            common.single(f"{kind}: requests", latency["requests"], ""),
            common.single(f"{kind}: requests per second", latency["per_second"], "/s", digits=1),
            common.single(f"{kind}: p50", latency["p50"], "ms", digits=1),
            common.single(f"{kind}: p95", latency["p95"], "ms", digits=1),
            common.single(f"{kind}: errors", latency["errors"], ""),
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
                f"Sandbox list over 10,000 records, {args.clients} concurrent clients: p95",
                f"{latency['p95']:.1f} ms ({latency['requests']} requests, {latency['errors']} errors)",
                f"≤ {P95_LIMIT_MS:.0f} ms, 0 errors",
                latency["p95"] <= P95_LIMIT_MS and latency["errors"] == 0,
            ),
        ],
    }
    common.write_results(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
