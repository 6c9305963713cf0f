"""Benchmarks 2 and 5: the OAuth round trip and the pages under load, over real HTTP on gunicorn.

    .venv/bin/python bench/http_flows.py [--pairs N] [--clients C] [--duration S]
        [--workers W] [--threads T] [--starvation-seconds S] [--json PATH]

The servers `make serve` runs (`manage.py serve`): the portal's gunicorn
(portal/gunicorn_conf.py; its default workers x threads unless --workers or
--threads) and the sandbox's own gunicorn on another port (PORTAL_SANDBOX_URL
points at it), with the production settings (DJANGO_STATIC_ROOT in a temporary
directory), DJANGO_SECURE_SSL_REDIRECT=false, the sandbox on,
PORTAL_BASE_URL=http://127.0.0.1:<port>, a generated secret key and encryption
key, on the PostgreSQL bench database (reset at the start). Clients send
X-Forwarded-Proto: https as the TLS proxy would (bench/server.py).

2. Connect + test call through the portal (dashboard -> connect -> sandbox
   consent -> callback, where the portal exchanges the code -> connection page
   -> POST test call, where the portal GETs /v2/employees -> result page):
   target p50 <= 150 ms. The same flow done by a bare Authlib OAuth2Session
   (authorize URL with PKCE S256 -> consent as the same logged-in user -> token
   -> GET /sandbox/api/v2/employees, then one refresh), interleaved (ABBA); its
   code exchange times the sandbox's token endpoint: target p50 <= 15 ms.
5. C concurrent clients for S seconds each: partner managers revealing a
   secret (GET confirmation + POST reveal, which writes the audit record), then
   developers making test calls (POST test call + GET the result page). Every
   request is checked; the recorded test calls and audit records are checked
   too. Target: 0 errors. Then, unless --starvation-seconds 0, the test-call
   load again against one gunicorn (default settings) that serves the sandbox
   too, the layout before the sandbox had its own server (not a target: a
   finding).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import runpy
import secrets
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common, load
from bench.server import SERVE, Browser, Gunicorn, form_fields, free_port, session_for

TOKEN_P50_LIMIT_MS = 15.0
ROUNDTRIP_P50_LIMIT_MS = 150.0
BARE_REDIRECT_URI = "http://127.0.0.1/bench-callback"
PARTNER_MANAGERS = "Partner managers"
DEVELOPERS = "Developers"
ACCESS_LOG = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+)" (?P<status>\d{3}) \S+ (?P<ms>\d+)ms')


def server_env(
    url: str,
    port: int,
    static_root: Path,
    workers: int | None,
    threads: int | None,
    sandbox_port: int | None = None,
) -> dict[str, str]:
    """The environment of `make serve`; with `sandbox_port`, the sandbox has its own server there."""
    from cryptography.fernet import Fernet

    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GUNICORN_", "DJANGO_", "PORTAL_", "DATABASE_URL", "REDIS_URL"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings.production",
            "DATABASE_URL": url,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "PORTAL_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_DEBUG": "false",
            # The production defaults, pinned so that a local .env cannot change them.
            "DJANGO_CONN_MAX_AGE": "60",
            "PORTAL_HTTP_TIMEOUT": "10",
            "PORTAL_SANDBOX_ACCESS_TOKEN_SECONDS": "600",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "PORTAL_SANDBOX_ENABLED": "true",
            "PORTAL_BASE_URL": f"http://127.0.0.1:{port}",
            "REDIS_URL": "",  # no shared cache: sessions in the database, as without Redis in production
            # collectstatic writes here, not into the work tree's staticfiles/.
            "DJANGO_STATIC_ROOT": str(static_root),
            "GUNICORN_BIND": f"127.0.0.1:{port}",
        }
    )
    if sandbox_port is not None:
        env["GUNICORN_SANDBOX_BIND"] = f"127.0.0.1:{sandbox_port}"
        env["PORTAL_SANDBOX_URL"] = f"http://127.0.0.1:{sandbox_port}/sandbox"
    if workers is not None:
        env["GUNICORN_WORKERS"] = str(workers)
    if threads is not None:
        env["GUNICORN_THREADS"] = str(threads)
    return env


def gunicorn_defaults() -> tuple[int, int]:
    """Workers and threads that portal/gunicorn_conf.py picks when GUNICORN_* are not set."""
    saved = {
        key: os.environ.pop(key) for key in ("GUNICORN_WORKERS", "GUNICORN_THREADS") if key in os.environ
    }
    try:
        conf = runpy.run_path(str(common.ROOT / "portal" / "gunicorn_conf.py"))
    finally:
        os.environ.update(saved)
    return int(conf["workers"]), int(conf["threads"])


# Data ---------------------------------------------------------------------------


def prepare(clients: int) -> dict[str, Any]:
    """Users (with database sessions), one registration and its sandbox credential."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from registrations.services.registration import registration_create
    from sandbox.credentials import credential_issue_sandbox

    users = get_user_model()
    managers_group = Group.objects.get(name=PARTNER_MANAGERS)
    developers_group = Group.objects.get(name=DEVELOPERS)
    # No passwords: hashing 100 of them with PBKDF2 would take most of a minute. Sessions are made directly.
    managers = [users.objects.create_user(f"manager{i:02d}", is_staff=True) for i in range(clients)]
    developers = [users.objects.create_user(f"developer{i:02d}", is_staff=True) for i in range(clients + 1)]
    managers_group.user_set.add(*managers)
    developers_group.user_set.add(*developers)
    registration = registration_create(
        client_name="Bench Client",
        client_uri="https://client.example/",
        tos_uri="https://client.example/legal/tos.html",
        policy_uri="https://client.example/legal/privacy.pdf",
        contacts=["dev@client.example"],
        redirect_uris=["https://oauth.pstmn.io/v1/browser-callback", BARE_REDIRECT_URI],
        scope="users:read users:write",
        owner=managers[0],
    )
    # The sandbox client's secret is hashed as deployed (OAUTH2_PROVIDER["CLIENT_SECRET_HASHER"], sandbox/hashers.py).
    credential, secret = credential_issue_sandbox(registration=registration, issued_by=managers[0])
    return {
        "credential": credential,
        "secret": secret,
        "manager_sessions": [session_for(user) for user in managers],
        "developer_sessions": [session_for(user) for user in developers],
    }


# Flows --------------------------------------------------------------------------


def _expect(response: Any, status: int, what: str) -> Any:
    if response.status_code != status:
        raise AssertionError(f"{what}: HTTP {response.status_code}, expected {status}: {response.text[:300]}")
    return response


def _consent(browser: Browser, authorize_url: str) -> str:
    """GET the sandbox consent page, POST "Allow"; returns the redirect (with the code)."""
    page = _expect(browser.get(authorize_url), 200, "consent page")
    fields = form_fields(page.text)
    fields["allow"] = "Authorize"
    answer = browser.post(page.url, fields)
    _expect(answer, 302, "consent answer")
    return str(answer.headers["Location"])


def portal_connect(browser: Browser, credential_pk: int, steps: dict[str, float]) -> str:
    """Dashboard -> connect -> consent -> callback; returns the connection page URL."""
    mark = time.perf_counter()
    _expect(browser.get("/dashboard/"), 200, "dashboard")
    start = _expect(browser.post("/dashboard/connect/", {"credential": credential_pk}), 302, "connect")
    steps["dashboard + connect"] = time.perf_counter() - mark
    mark = time.perf_counter()
    callback = _consent(browser, start.headers["Location"])
    steps["consent (GET + POST)"] = time.perf_counter() - mark
    mark = time.perf_counter()
    landed = _expect(browser.get(callback), 302, "callback")
    location = str(landed.headers["Location"])
    if "/dashboard/connections/" not in location:
        raise AssertionError(f"callback did not connect: {location}")
    steps["callback (code exchange)"] = time.perf_counter() - mark
    return location


def portal_flow(browser: Browser, credential_pk: int) -> dict[str, float]:
    from oauthclient.models import TestCall

    steps: dict[str, float] = {}
    started = time.perf_counter()
    connection_page = portal_connect(browser, credential_pk, steps)
    mark = time.perf_counter()
    _expect(browser.get(connection_page), 200, "connection page")
    steps["connection page"] = time.perf_counter() - mark
    mark = time.perf_counter()
    path = urlsplit(connection_page).path
    posted = _expect(browser.post(path + "test-call/", {"target": "employees", "path": ""}), 302, "test call")
    steps["test call POST (GET /v2/employees)"] = time.perf_counter() - mark
    mark = time.perf_counter()
    _expect(browser.get(posted.headers["Location"]), 200, "result page")
    steps["result page"] = time.perf_counter() - mark
    steps["total"] = time.perf_counter() - started
    call_id = int(posted.headers["Location"].rsplit("call=", 1)[1])
    call = TestCall.objects.get(pk=call_id)
    if call.status_code != 200 or call.error_code:
        raise AssertionError(f"portal test call failed: {call.status_code} {call.error_code}")
    return steps


def bare_flow(browser: Browser, client_id: str, client_secret: str, sandbox: str) -> dict[str, float]:
    """What a developer's own script does with Authlib, against the same sandbox (then one refresh)."""
    from authlib.common.security import generate_token
    from authlib.integrations.requests_client import OAuth2Session

    steps: dict[str, float] = {}
    started = time.perf_counter()
    with OAuth2Session(
        client_id=client_id,
        client_secret=client_secret,
        token_endpoint_auth_method="client_secret_basic",
        redirect_uri=BARE_REDIRECT_URI,
        scope="users:read users:write",
        code_challenge_method="S256",
    ) as client:
        verifier = generate_token(64)
        url, state = client.create_authorization_url(sandbox + "/oauth/authorize", code_verifier=verifier)
        if "code_challenge=" not in url:
            raise AssertionError("no PKCE challenge in the authorize URL")
        mark = time.perf_counter()
        redirect = _consent(browser, url)
        steps["consent (GET + POST)"] = time.perf_counter() - mark
        mark = time.perf_counter()
        client.fetch_token(
            sandbox + "/oauth/token",
            authorization_response=redirect,
            state=state,
            code_verifier=verifier,
            timeout=30,
        )
        steps["token"] = time.perf_counter() - mark
        mark = time.perf_counter()
        response = client.get(sandbox + "/api/v2/employees", timeout=30)
        if response.status_code != 200 or "data" not in response.json():
            raise AssertionError(f"bare API call: HTTP {response.status_code}")
        steps["GET /v2/employees"] = time.perf_counter() - mark
        steps["total"] = time.perf_counter() - started
        mark = time.perf_counter()
        client.refresh_token(sandbox + "/oauth/token", timeout=30)
        steps["refresh (not in the total)"] = time.perf_counter() - mark
    return steps


def roundtrip(server: Gunicorn, data: dict[str, Any], pairs: int, sandbox_url: str) -> dict[str, Any]:
    credential = data["credential"]
    browser = Browser(server.base_url, data["developer_sessions"][-1])
    portal: list[dict[str, float]] = []
    bare: list[dict[str, float]] = []
    try:
        for pair in range(pairs + 2):  # two warm-up pairs
            order = ("portal", "bare") if pair % 2 == 0 else ("bare", "portal")  # ABBA
            for which in order:
                if which == "portal":
                    steps = portal_flow(browser, credential.pk)
                else:
                    steps = bare_flow(browser, credential.client_id, data["secret"], sandbox_url)
                if pair >= 2:
                    (portal if which == "portal" else bare).append(steps)
    finally:
        browser.close()
    ms = 1000.0
    portal_total = [s["total"] * ms for s in portal]
    bare_total = [s["total"] * ms for s in bare]
    ratio = common.summary(portal_total)["median"] / common.summary(bare_total)["median"]
    pair_ratios = [p / b for p, b in zip(portal_total, bare_total, strict=True)]
    figures = [
        common.figure("Portal: connect + test call, total", portal_total, "ms"),
        *[
            common.figure(f"Portal step: {name}", [s[name] * ms for s in portal], "ms")
            for name in portal[0]
            if name != "total"
        ],
        common.figure("Bare Authlib script: authorize + consent + token + GET, total", bare_total, "ms"),
        *[
            common.figure(f"Bare step: {name}", [s[name] * ms for s in bare], "ms")
            for name in bare[0]
            if name != "total"
        ],
        common.figure(
            "Portal overhead (median total difference)",
            [p - b for p, b in zip(portal_total, bare_total, strict=True)],
            "ms",
        ),
        common.single(
            "Ratio portal/bare (medians of totals)", ratio, "", digits=2, note="ratio of the medians"
        ),
        common.figure("Ratio portal/bare per interleaved pair", pair_ratios, "", digits=2),
    ]

    def med(flow: list[dict[str, float]], name: str) -> float:
        return common.summary([s[name] * ms for s in flow])["median"]

    token_p50 = med(bare, "token")
    portal_p50 = common.summary(portal_total)["median"]
    targets = [
        common.target(
            "Sandbox token endpoint (code exchange, at the client): p50",
            f"{token_p50:.1f} ms",
            f"≤ {TOKEN_P50_LIMIT_MS:.0f} ms",
            token_p50 <= TOKEN_P50_LIMIT_MS,
        ),
        common.target(
            "Connect + test call through the portal: p50",
            f"{portal_p50:.0f} ms",
            f"≤ {ROUNDTRIP_P50_LIMIT_MS:.0f} ms",
            portal_p50 <= ROUNDTRIP_P50_LIMIT_MS,
        ),
    ]

    pages = sum(med(portal, name) for name in ("dashboard + connect", "connection page", "result page"))
    hops = (med(portal, "callback (code exchange)") - med(bare, "token")) + (
        med(portal, "test call POST (GET /v2/employees)") - med(bare, "GET /v2/employees")
    )
    note = (
        f"Of the portal's {ratio:.2f}x, about {pages:.0f} ms (medians) are the pages a browser shows and a "
        f"script does not need (dashboard + connect POST, connection page, result page), and about {hops:.0f} ms "
        "are the portal's own work around the two server-to-server calls (session, state and PKCE checks, "
        "decrypting the secret and tokens, storing the connection and the test call)."
    )
    return {"figures": figures, "targets": targets, "pairs": pairs, "overhead_note": note}


# Load ---------------------------------------------------------------------------


class PgConnections(threading.Thread):
    """Peak number of server connections to the bench database, sampled every 0.25 s."""

    def __init__(self, database_url: str) -> None:
        super().__init__(daemon=True)
        parts = urlsplit(database_url)
        self.maintenance = parts._replace(path="/postgres").geturl()
        self.name_ = parts.path.lstrip("/")
        self.peak = 0
        self.max_connections = "?"
        self._done = threading.Event()

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.maintenance, autocommit=True) as conn:
            setting = conn.execute("SHOW max_connections").fetchone()
            self.max_connections = str(setting[0]) if setting else "?"
            while not self._done.is_set():
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [self.name_]
                ).fetchone()
                self.peak = max(self.peak, int(row[0]) if row else 0)
                time.sleep(0.25)

    def stop(self) -> int:
        self._done.set()
        self.join(timeout=5)
        return self.peak


def _access_log(text: str, pattern: str) -> list[tuple[int, int]]:
    """(status, ms) of the access-log lines whose path matches `pattern`."""
    found = []
    for match in ACCESS_LOG.finditer(text):
        if re.search(pattern, match["path"]):
            found.append((int(match["status"]), int(match["ms"])))
    return found


def _server_side(name: str, lines: list[tuple[int, int]]) -> dict[str, Any]:
    times = [float(ms) for _, ms in lines] or [0.0]
    return {
        "name": name,
        "requests": len(lines),
        "p50": common.percentile(times, 50),
        "p95": common.percentile(times, 95),
        "max": max(times),
        "server_errors": sum(1 for status, _ in lines if status >= 500),
    }


def _print_errors(outcome: load.LoadResult) -> None:
    for message in outcome.error_messages():
        print(f"  error: {message}")


def reveal_steps(credential_pk: int, secret: str) -> list[load.Step]:
    url = f"/admin/registrations/credential/{credential_pk}/reveal/"

    def confirm(browser: Browser, state: dict[str, Any]) -> tuple[bool, str]:
        response = browser.get(url)
        if response.status_code != 200:
            return False, f"HTTP {response.status_code}"
        return ("csrfmiddlewaretoken" in response.text and secret not in response.text), "page content"

    def reveal(browser: Browser, state: dict[str, Any]) -> tuple[bool, str]:
        response = browser.post(url)
        if response.status_code != 200:
            return False, f"HTTP {response.status_code}"
        if secret not in response.text:
            return False, "secret not shown"
        state["revealed"] = state.get("revealed", 0) + 1
        return True, ""

    return [("reveal: GET confirmation page", confirm), ("reveal: POST reveal (audited)", reveal)]


def test_call_steps() -> list[load.Step]:
    def call(browser: Browser, state: dict[str, Any]) -> tuple[bool, str]:
        response = browser.post(state["test_call_url"], {"target": "employees", "path": ""})
        location = response.headers.get("Location", "")
        if response.status_code != 302 or "?call=" not in location:
            return False, f"HTTP {response.status_code}"
        state["next"] = location
        state.setdefault("calls", []).append(int(location.rsplit("call=", 1)[1]))
        return True, ""

    def result_page(browser: Browser, state: dict[str, Any]) -> tuple[bool, str]:
        response = browser.get(state.pop("next"))
        return response.status_code == 200, f"HTTP {response.status_code}"

    return [
        ("test call: POST (portal GETs /v2/employees)", call),
        ("test call: GET result page", result_page),
    ]


def connect_all(
    server: Gunicorn, sessions: list[str], credential_pk: int
) -> tuple[list[Browser], list[dict[str, Any]]]:
    """Each developer connects through the dashboard once (8 at a time); their pages are then warm."""
    browsers = [Browser(server.base_url, key) for key in sessions]

    def one(browser: Browser) -> dict[str, Any]:
        connection_page = portal_connect(browser, credential_pk, {})
        _expect(browser.get(connection_page), 200, "connection page")
        return {"test_call_url": urlsplit(connection_page).path + "test-call/"}

    with ThreadPoolExecutor(max_workers=8) as pool:
        states = list(pool.map(one, browsers))
    return browsers, states


def _recorded_failures(states: list[dict[str, Any]]) -> dict[str, int]:
    from oauthclient.models import TestCall

    ids = [call for state in states for call in state.get("calls", [])]
    failures: dict[str, int] = {}
    for status, code in TestCall.objects.filter(pk__in=ids).values_list("status_code", "error_code"):
        if code or status != 200:
            key = code or f"HTTP {status}"
            failures[key] = failures.get(key, 0) + 1
    return failures


def load_scenarios(
    server: Gunicorn,
    data: dict[str, Any],
    database_url: str,
    clients: int,
    duration: float,
    workers_threads: int,
) -> dict[str, Any]:
    from registrations.models import SecretDisclosure

    results: dict[str, Any] = {"latency": [], "server_side": [], "checks": [], "targets": []}
    credential = data["credential"]

    # Reveal.
    managers = [Browser(server.base_url, key) for key in data["manager_sessions"][:clients]]
    states: list[dict[str, Any]] = [{} for _ in managers]
    for browser in managers:  # the CSRF cookie, as a browser has it from earlier pages
        _expect(browser.get("/admin/"), 200, "admin index")
    audits_before = SecretDisclosure.objects.count()
    pg = PgConnections(database_url)
    pg.start()
    log_start = server.log_size()
    outcome = load.run(
        managers, reveal_steps(credential.pk, data["secret"]), duration=duration, states=states
    )
    _print_errors(outcome)
    peak = pg.stop()
    log_text = server.log_slice(log_start)
    for browser in managers:
        browser.close()
    revealed = sum(state.get("revealed", 0) for state in states)
    audits = SecretDisclosure.objects.count() - audits_before
    reveal_errors = len(outcome.errors())
    results["latency"] += [outcome.latency(kind) for kind in outcome.kinds()]
    results["server_side"].append(
        _server_side("reveal: POST reveal (gunicorn access log)", _access_log(log_text, r"/reveal/$"))
    )
    results["checks"] += [
        f"Reveal: {revealed} secrets shown, {audits} audit records written ({'equal' if revealed == audits else 'MISMATCH'}).",
        f"Reveal: peak PostgreSQL connections to the bench database: {peak} (max_connections {pg.max_connections}).",
    ]
    results["targets"].append(
        common.target(
            f"Reveal under {clients} clients × {duration:.0f} s: errors",
            f"{reveal_errors} of {len(outcome.samples)} requests"
            + ("" if revealed == audits else "; audit mismatch"),
            "0",
            reveal_errors == 0 and revealed == audits,
        )
    )

    # Test calls.
    developers, states = connect_all(server, data["developer_sessions"][:clients], credential.pk)
    results["checks"].append(
        f"Test call: {clients} developers connected through the dashboard before the run."
    )
    outcome, failures, peak, log_text = _test_call_load(server, developers, states, database_url, duration)
    max_connections = pg.max_connections
    # Kept for the starvation run: the same users, sessions and connections (tokens live 10 minutes).
    data["developers"] = (developers, states)
    results["latency"] += [outcome.latency(kind) for kind in outcome.kinds()]
    results["server_side"] += [
        _server_side("test call: POST (gunicorn access log)", _access_log(log_text, r"/test-call/$")),
        _server_side(
            "sandbox GET /v2/employees (gunicorn access log)", _access_log(log_text, r"/api/v2/employees")
        ),
    ]
    recorded = sum(failures.values())
    calls = sum(len(state.get("calls", [])) for state in states)
    results["checks"] += [
        f"Test call: {calls} test calls recorded, {recorded} of them failed"
        + (f" ({', '.join(f'{k}: {v}' for k, v in failures.items())})" if failures else "")
        + ".",
        f"Test call: peak PostgreSQL connections to the bench database: {peak} (max_connections "
        f"{max_connections}): every gthread thread keeps its own connection (CONN_MAX_AGE 60) and a test "
        "call holds two at once (the portal's request and the sandbox's)"
        + (
            f". **Close to the limit**: PostgreSQL's max_connections must exceed GUNICORN_WORKERS × "
            f"GUNICORN_THREADS ({workers_threads}) plus every other client, or connections must be pooled"
            if max_connections.isdigit() and peak >= 0.8 * int(max_connections)
            else ""
        )
        + ".",
    ]
    errors = len(outcome.errors()) + recorded
    results["targets"].append(
        common.target(
            f"Test calls under {clients} clients × {duration:.0f} s ({workers_threads} portal slots): errors",
            f"{len(outcome.errors())} of {len(outcome.samples)} requests, {recorded} failed test calls",
            "0",
            errors == 0,
        )
    )
    return results


def _test_call_load(
    server: Gunicorn,
    browsers: list[Browser],
    states: list[dict[str, Any]],
    database_url: str,
    duration: float,
) -> tuple[load.LoadResult, dict[str, int], int, str]:
    for state in states:
        state.pop("calls", None)
    pg = PgConnections(database_url)
    pg.start()
    log_start = server.log_size()
    outcome = load.run(browsers, test_call_steps(), duration=duration, states=states)
    _print_errors(outcome)
    peak = pg.stop()
    return outcome, _recorded_failures(states), peak, server.log_slice(log_start)


def starvation(server: Gunicorn, data: dict[str, Any], database_url: str, duration: float) -> dict[str, Any]:
    """The test-call load against the default workers x threads, with the developers connected earlier.

    (Connecting them again here would itself risk starving: a callback holds a
    thread while it waits for the token endpoint.)
    """
    developers, states = data["developers"]
    outcome, failures, peak, log_text = _test_call_load(server, developers, states, database_url, duration)
    calls = sum(len(state.get("calls", [])) for state in states)
    return {
        "latency": [outcome.latency(kind) for kind in outcome.kinds()],
        "server_side": [
            _server_side(
                "sandbox GET /v2/employees (gunicorn access log)", _access_log(log_text, r"/api/v2/employees")
            )
        ],
        "calls": calls,
        "failed_calls": sum(failures.values()),
        "failures": failures,
        "client_errors": len(outcome.errors()),
        "peak_connections": peak,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=25, help="Timed portal/bare pairs (default 25).")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument(
        "--duration", type=float, default=30.0, help="Seconds per load scenario (default 30)."
    )
    parser.add_argument("--workers", type=int, help="The portal's workers (default: gunicorn_conf.py's).")
    parser.add_argument("--threads", type=int, help="Threads per worker (default: gunicorn_conf.py's).")
    parser.add_argument(
        "--starvation-seconds",
        type=float,
        default=20.0,
        help="Test-call load with the sandbox on the portal's own server, for this long (0: skip).",
    )
    parser.add_argument("--json", help="Write the results here (for bench/run.py).")
    args = parser.parse_args()

    database_url = common.bench_database_url()
    common.reset_database(database_url)
    workdir = Path(tempfile.mkdtemp(prefix="portal-bench-http-"))
    try:
        return _main(args, database_url, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _main(args: argparse.Namespace, database_url: str, workdir: Path) -> int:
    default_workers, default_threads = gunicorn_defaults()
    workers, threads = args.workers or default_workers, args.threads or default_threads
    port, sandbox_port = free_port(), free_port()
    env = server_env(database_url, port, workdir / "static", args.workers, args.threads, sandbox_port)
    os.environ.clear()
    os.environ.update(env)
    import django
    from django.core.management import call_command

    django.setup()
    logging.disable(logging.INFO)  # this process's own log lines (the server logs to its file)
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    data = prepare(args.clients)
    sandbox_url = env["PORTAL_SANDBOX_URL"]
    print(
        f"  make serve's servers: portal on 127.0.0.1:{port}, {workers} workers x {threads} threads; "
        f"sandbox on 127.0.0.1:{sandbox_port} (log: {workdir}/gunicorn.log)"
    )

    from django.db import connections

    connections.close_all()  # this process holds no connection while it waits (max_connections is shared)
    server = Gunicorn(
        env,
        port,
        workdir / "gunicorn.log",
        command=SERVE,
        also_ready=(sandbox_url + "/.well-known/oauth-authorization-server",),
    )
    try:
        server.start()
        trip = roundtrip(server, data, args.pairs, sandbox_url)
        loaded = load_scenarios(server, data, database_url, args.clients, args.duration, workers * threads)
        server_errors = len(re.findall(r"\[ERROR\]|Traceback", server.log_slice(0)))
    except BaseException:
        sys.stderr.write(server.log_tail() + "\n")
        raise
    finally:
        server.stop()
    loaded["checks"].append(f"Server log: {server_errors} error lines / tracebacks.")

    starved: dict[str, Any] | None = None
    if args.starvation_seconds > 0:
        # The former layout: one gunicorn with the default settings serves the portal and the sandbox.
        shared_env = server_env(database_url, port, workdir / "static", None, None)
        for key in ("DJANGO_SECRET_KEY", "PORTAL_ENCRYPTION_KEYS"):
            shared_env[key] = env[key]  # the same sessions and encrypted rows
        server = Gunicorn(shared_env, port, workdir / "gunicorn-shared.log")
        try:
            server.start()
            starved = starvation(server, data, database_url, args.starvation_seconds)
        except BaseException:
            sys.stderr.write(server.log_tail() + "\n")
            raise
        finally:
            server.stop()
        starved.update(
            {"workers": default_workers, "threads": default_threads, "duration": args.starvation_seconds}
        )
    for browser in data.get("developers", ([], []))[0]:
        browser.close()

    config = (
        f"`make serve`'s layout (manage.py serve): the portal's gunicorn with {workers} workers × {threads} "
        f"threads (gthread; {'gunicorn_conf.py defaults' if args.workers is None and args.threads is None else 'set'}: "
        f"{workers * threads} request slots for {args.clients} concurrent clients) and the sandbox's own gunicorn "
        "(defaults: 2 workers × 4 threads, PORTAL_SANDBOX_URL pointing at it); production settings with "
        "DJANGO_SECURE_SSL_REDIRECT=false, PORTAL_SANDBOX_ENABLED=true, PORTAL_BASE_URL=http://127.0.0.1:<port>, "
        "CONN_MAX_AGE 60, no Redis (sessions in PostgreSQL), PostgreSQL bench database, access log on"
    )
    results = {
        "title": "HTTP: OAuth round trip and pages under load",
        "method": config,
        "figures": trip["figures"],
        "targets": trip["targets"] + loaded["targets"],
        "load": {
            "clients": args.clients,
            "duration": args.duration,
            "workers": workers,
            "threads": threads,
            "latency": loaded["latency"],
            "server_side": loaded["server_side"],
            "checks": loaded["checks"],
        },
        "pairs": trip["pairs"],
        "overhead_note": trip["overhead_note"],
        "default_config": {"workers": default_workers, "threads": default_threads},
        "starvation": starved,
    }
    for row in loaded["latency"]:
        print(
            f"  {row['name']}: p50 {row['p50']:.0f} ms, p95 {row['p95']:.0f} ms, max {row['max']:.0f} ms, "
            f"{row['requests']} requests ({row['per_second']:.1f}/s), {row['errors']} errors {row['error_kinds'] or ''}"
        )
    for line in loaded["checks"]:
        print(f"  {line}")
    if starved:
        print(
            f"  default config {default_workers} workers x {default_threads} threads: {starved['calls']} test calls, "
            f"{starved['failed_calls']} failed {starved['failures']}, {starved['client_errors']} client errors"
        )
    common.write_results(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
