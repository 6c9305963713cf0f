"""Benchmark 8: what recording the dashboard's HTTP exchanges costs.

    .venv/bin/python bench/console.py [--calls N] [--json PATH]

- A test call as a developer makes it (POST to the dashboard's test-call view, which
  calls GET /v2/employees on the built-in sandbox, served over HTTP on 127.0.0.1 by a
  WSGI server thread) with recording on (PORTAL_EXCHANGES_KEPT=200: the exchange is
  redacted, stored, and old ones pruned) versus off (0): median time ratio, target
  <= 1.10. Also the service alone against a bare JSON API on 127.0.0.1, for scale.
- The connection page with 10 and with 500 stored exchanges: queries per request
  (must be equal) and time.

In process on the PostgreSQL bench database (see bench/common.py), reset at the start.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common

RATIO_LIMIT = 1.10
ROUNDS = 10
PAGE_SIZES = (10, 500)
# An API answer of a realistic size: a page of 20 employees.
ANSWER = json.dumps(
    {
        "data": [
            {"id": f"e{n}", "firstName": "Ada", "lastName": "Lovelace", "code": f"EMP-{n}"} for n in range(20)
        ]
    }
).encode()


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def get_wsgi_application() -> Any:
    from django.core.wsgi import get_wsgi_application as application

    return application()


class Api(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)


def _connection(api_base: str) -> Any:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from oauthclient.models import Connection
    from registrations.examples import EXAMPLE_CLIENT
    from registrations.models import Registration
    from registrations.services.credential import credential_record

    settings.PLEO_STAGING_API_URL = api_base + "/api"
    settings.PLEO_STAGING_AUTH_URL = api_base
    user = get_user_model().objects.create_user("bench-developer", is_staff=True)
    user.groups.add(Group.objects.get(name="Developers"))
    registration = Registration(**{**EXAMPLE_CLIENT, "contacts": list(EXAMPLE_CLIENT["contacts"])})
    registration.full_clean()
    registration.save()
    credential = credential_record(
        registration=registration,
        server="pleo_staging",
        client_id="6f1b5f0e-4a8e-4f5c-9d63-2b7f0f3c8a11",
        client_secret="bench-secret-0123456789abcdef",
        token_endpoint_auth_method="client_secret_basic",
    )
    return Connection.objects.create(
        user=user,
        credential=credential,
        access_token="bench-access-" + "a" * 40,
        refresh_token="bench-refresh-" + "r" * 40,
        token_type="Bearer",
        scope="users:read",
        expires_at=timezone.now() + timedelta(days=1),
        connected_at=timezone.now(),
    )


def _sandbox_connection(base_url: str, user: Any) -> Any:
    """A sandbox credential and a connection holding a real sandbox access token."""
    from django.conf import settings
    from django.utils import timezone
    from oauth2_provider.models import get_access_token_model, get_application_model

    from oauthclient.models import Connection
    from registrations.examples import EXAMPLE_CLIENT
    from registrations.models import Registration
    from sandbox.credentials import credential_issue_sandbox

    settings.PORTAL_BASE_URL = base_url
    settings.PORTAL_SANDBOX_ENABLED = True
    registration = Registration(
        **{
            **EXAMPLE_CLIENT,
            "contacts": list(EXAMPLE_CLIENT["contacts"]),
            "client_name": "Bench sandbox client",
        }
    )
    registration.full_clean()
    registration.save()
    credential, _secret = credential_issue_sandbox(registration=registration)
    token = "bench-sandbox-access-" + "s" * 30
    get_access_token_model().objects.create(
        user=user,
        application=get_application_model().objects.get(client_id=credential.client_id),
        token=token,
        scope="users:read users:write",
        expires=timezone.now() + timedelta(days=1),
    )
    return Connection.objects.create(
        user=user,
        credential=credential,
        access_token=token,
        token_type="Bearer",
        scope="users:read users:write",
        expires_at=timezone.now() + timedelta(days=1),
        connected_at=timezone.now(),
    )


def _time_dashboard_calls(client: Any, connection: Any, calls: int) -> list[float]:
    url = f"/dashboard/connections/{connection.pk}/test-call/"
    timings = []
    for _ in range(calls):
        started = time.perf_counter()
        response = client.post(url, {"target": "employees"})
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 302, response.status_code
    return timings


def _time_calls(connection: Any, calls: int) -> list[float]:
    from oauthclient.services.test_call import test_call_run

    timings = []
    for _ in range(calls):
        started = time.perf_counter()
        call = test_call_run(connection=connection, user=connection.user, path="/v2/employees")
        timings.append((time.perf_counter() - started) * 1000)
        assert call.status_code == 200, call.error_message
    return timings


def _page_queries(client: Any, url: str, repeat: int) -> tuple[list[float], set[int]]:
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    timings, counts = [], set()
    for _ in range(repeat + 2):
        with CaptureQueriesContext(db) as captured:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.status_code
        timings.append(elapsed)
        counts.add(len(captured))
    return timings[2:], counts


def _fill_exchanges(connection: Any, total: int) -> None:
    from oauthclient.models import Exchange, ExchangeKind

    Exchange.objects.filter(connection=connection).delete()
    Exchange.objects.bulk_create(
        Exchange(
            connection=connection,
            kind=ExchangeKind.TEST_CALL,
            method="GET",
            url=f"https://api.example/v2/employees?offset={n}",
            request_headers=[["Accept", "application/json"], ["Authorization", "Bearer [redacted]…aaaa"]],
            status_code=200,
            response_headers=[["Content-Type", "application/json"]],
            response_body=ANSWER.decode(),
            duration_ms=12,
        )
        for n in range(total)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300, help="Test calls timed per mode (default 300).")
    parser.add_argument("--json", help="Write the results here (for bench/run.py).")
    args = parser.parse_args()

    common.setup_django_for_part()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    portal = make_server(
        "127.0.0.1", 0, get_wsgi_application(), server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    threading.Thread(target=portal.serve_forever, daemon=True).start()
    figures, targets = [], []
    per_round = max(1, args.calls // ROUNDS)
    try:
        connection = _connection(f"http://127.0.0.1:{server.server_address[1]}")
        sandbox = _sandbox_connection(f"http://127.0.0.1:{portal.server_address[1]}", connection.user)
        client = Client()
        client.force_login(connection.user)
        measured = {
            "dashboard": lambda count: _time_dashboard_calls(client, sandbox, count),
            "service": lambda count: _time_calls(connection, count),
        }
        names = {
            "dashboard": "Test call through the dashboard, sandbox API",
            "service": "test_call_run alone, bare JSON API",
        }
        for key, run in measured.items():
            run(20)  # warm-up: connections, caches
            # Interleaved rounds, so that a slow spell of the machine lands on both modes.
            samples: dict[int, list[float]] = {200: [], 0: []}
            for _ in range(ROUNDS):
                for kept in samples:
                    settings.PORTAL_EXCHANGES_KEPT = kept
                    samples[kept].extend(run(per_round))
            on, off = (common.summary(samples[kept])["median"] for kept in (200, 0))
            ratio = on / off
            figures.append(common.figure(f"{names[key]}, recording on", samples[200], "ms", digits=2))
            figures.append(common.figure(f"{names[key]}, recording off", samples[0], "ms", digits=2))
            figures.append(common.single(f"{names[key]}: time ratio on/off (medians)", ratio, "", digits=3))
            if key == "dashboard":
                targets.append(
                    common.target(
                        "Test call with recording on vs off",
                        f"{ratio:.3f}",
                        f"≤ {RATIO_LIMIT}",
                        ratio <= RATIO_LIMIT,
                    )
                )

        settings.PORTAL_EXCHANGES_KEPT = max(PAGE_SIZES)
        client = Client()
        client.force_login(connection.user)
        url = f"/dashboard/connections/{connection.pk}/"
        counts: dict[int, set[int]] = {}
        for size in PAGE_SIZES:
            _fill_exchanges(connection, size)
            timings, counts[size] = _page_queries(client, url, 20)
            figures.append(common.figure(f"Connection page, {size} exchanges: time", timings, "ms"))
            figures.append(
                common.single(f"Connection page, {size} exchanges: queries", max(counts[size]), "")
            )
        small, big = (counts[size] for size in PAGE_SIZES)
        targets.append(
            common.target(
                f"Connection page queries, {PAGE_SIZES[0]} vs {PAGE_SIZES[1]} exchanges",
                f"{max(small)} vs {max(big)}",
                "equal",
                len(small | big) == 1,
            )
        )
    finally:
        server.shutdown()
        portal.shutdown()
    common.write_results(
        args.json,
        {
            "title": "Console: recording exchanges",
            "method": (
                "In process, PostgreSQL bench database. Test calls: the dashboard's test-call view (Django test "
                "client) calling the built-in sandbox's GET /v2/employees over HTTP (the portal served by a "
                "WSGI thread on 127.0.0.1), and test_call_run alone against a bare JSON API on 127.0.0.1 (a "
                f"20-item page); {ROUNDS} interleaved rounds of {per_round} calls with recording on (200 kept) "
                "and off, after 20 warm-up calls. Connection page: Django test client, "
                "developer logged in, 20 timed requests after 2 warm-ups, with 10 then 500 stored exchanges "
                "(the page shows 50 per page)"
            ),
            "figures": figures,
            "targets": targets,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
