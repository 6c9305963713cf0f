"""Benchmark 10: the sandbox's request path, as ratios to the floor of the stack.

    .venv/bin/python bench/sandbox_speed.py [--requests N] [--workers W] [--threads T]
        [--profile-requests N] [--json PATH]

One gunicorn (portal/gunicorn_conf.py, 2 workers x 2 threads, production
settings, DEBUG off, PORTAL_SERVER_ROLE=all so that the portal's test call and
the sandbox it calls share it), on the PostgreSQL bench database (reset at the
start). N sequential requests of each kind (default 200, after 10 warm-ups),
timed at the client on 127.0.0.1; the p50 of each, and its ratio to the floor:

- floor: GET /sandbox/api/v2/employees without a token (401, no query);
- discovery: GET /.well-known/oauth-authorization-server/sandbox (RFC 8414);
- token request: client authentication (HTTP Basic) + an unknown code (400 invalid_grant);
- code exchange: a real authorization code each time (grants made in the database
  beforehand, with a PKCE S256 challenge, so that no consent page is timed);
- API list: GET /sandbox/api/v2/employees?limit=10 with a valid token;
- portal test call: the dashboard's test-call POST (the portal GETs /v2/employees
  from the sandbox over HTTP and records it), against a bare GET of the same
  operation with the connection's own token.

Targets (ratios to the floor): discovery <= 1.5, token request <= 3, code
exchange <= 5, API list <= 3; the test-call POST <= 1.5 x the bare GET. For a
target missed, an in-process profile (cProfile around a django.test.Client loop
on the same settings and database) lists the top functions by cumulative time.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import hashlib
import logging
import os
import pstats
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common
from bench.http_flows import BARE_REDIRECT_URI, portal_connect, prepare, server_env
from bench.server import Browser, Gunicorn, free_port

WORKERS = 2
THREADS = 2
REQUESTS = 200
WARM_UP = 10
PROFILE_REQUESTS = 100
PROFILE_LINES = 14
LIST_PATH = "/sandbox/api/v2/employees"
DISCOVERY_PATH = "/.well-known/oauth-authorization-server/sandbox"
TOKEN_PATH = "/sandbox/oauth/token"
VERIFIER = "bench-verifier-" + "v" * 40
# (name, ratio limit, compared with)
TARGETS = (
    ("discovery", 1.5, "floor"),
    ("token request", 3.0, "floor"),
    ("code exchange", 5.0, "floor"),
    ("API list", 3.0, "floor"),
    ("portal test-call POST", 1.5, "bare GET"),
)

Request = Callable[[], requests.Response]


def _challenge() -> str:
    digest = hashlib.sha256(VERIFIER.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _grants(application: Any, user: Any, count: int) -> list[str]:
    """`count` authorization codes of `application` for `user`, as the consent page stores them."""
    from django.utils import timezone
    from oauth2_provider.models import get_grant_model

    grant_model = get_grant_model()
    codes = [secrets.token_urlsafe(30) for _ in range(count)]
    grant_model.objects.bulk_create(
        grant_model(
            application=application,
            user=user,
            code=code,
            # Long enough for the whole part; the sandbox's own grants live a minute.
            expires=timezone.now() + timedelta(hours=1),
            redirect_uri=BARE_REDIRECT_URI,
            scope="users:read",
            code_challenge=_challenge(),
            code_challenge_method="S256",
        )
        for code in codes
    )
    return codes


def _basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def _expect(response: requests.Response, status: int, what: str) -> None:
    if response.status_code != status:
        raise AssertionError(f"{what}: HTTP {response.status_code}, expected {status}: {response.text[:300]}")


def _round_robin(kinds: dict[str, tuple[Request, int]], count: int) -> dict[str, list[float]]:
    """`count` rounds of one request of each kind in turn, after the warm-ups; milliseconds, at the client.

    Taking turns, every kind sees the same state of the machine (other work on it
    slows all of them alike), so their ratios hold even when their times drift.
    """
    for name, (request, status) in kinds.items():
        for _ in range(WARM_UP):
            _expect(request(), status, name)
    times: dict[str, list[float]] = {name: [] for name in kinds}
    for _ in range(count):
        for name, (request, status) in kinds.items():
            started = time.perf_counter()
            response = request()
            times[name].append((time.perf_counter() - started) * 1000.0)
            _expect(response, status, name)
    for name, values in times.items():
        print(f"  {name}: p50 {statistics.median(values):.2f} ms", flush=True)
    return times


def _kinds(base: str, data: dict[str, Any], count: int) -> dict[str, tuple[Request, int]]:
    from django.contrib.auth import get_user_model
    from oauth2_provider.models import get_application_model

    credential = data["credential"]
    application = get_application_model().objects.get(client_id=credential.client_id)
    developer = get_user_model().objects.get(username="developer00")
    codes = iter(_grants(application, developer, count + WARM_UP))
    token = common.sandbox_access_token(user=developer, application=application)
    http = requests.Session()
    http.headers["X-Forwarded-Proto"] = "https"
    basic = _basic(credential.client_id, data["secret"])
    bearer = {"Authorization": f"Bearer {token}"}

    def exchange() -> requests.Response:
        form = {
            "grant_type": "authorization_code",
            "code": next(codes),
            "redirect_uri": BARE_REDIRECT_URI,
            "code_verifier": VERIFIER,
        }
        return http.post(base + TOKEN_PATH, data=form, headers={"Authorization": basic})

    def unknown_code() -> requests.Response:
        form = {"grant_type": "authorization_code", "code": "unknown", "redirect_uri": BARE_REDIRECT_URI}
        return http.post(base + TOKEN_PATH, data=form, headers={"Authorization": basic})

    return {
        "floor": (lambda: http.get(base + LIST_PATH, params={"limit": 10}), 401),
        "discovery": (lambda: http.get(base + DISCOVERY_PATH), 200),
        "token request": (unknown_code, 400),
        "code exchange": (exchange, 200),
        "API list": (lambda: http.get(base + LIST_PATH, params={"limit": 10}, headers=bearer), 200),
    }


def _test_call(server: Gunicorn, data: dict[str, Any]) -> tuple[Request, Request]:
    """The portal's test-call POST, and the bare GET it makes, with the connection's own token."""
    from oauthclient.models import Connection

    browser = Browser(server.base_url, data["developer_sessions"][0])
    connection_page = portal_connect(browser, data["credential"].pk, {})
    path = urlsplit(connection_page).path
    data["test_call_path"] = path + "test-call/"
    connection = Connection.objects.order_by("-pk").first()
    assert connection is not None
    token = connection.access_token
    http = requests.Session()
    http.headers.update({"X-Forwarded-Proto": "https", "Authorization": f"Bearer {token}"})

    def post() -> requests.Response:
        return browser.post(path + "test-call/", {"target": "employees", "path": ""})

    def bare() -> requests.Response:
        return http.get(server.base_url + LIST_PATH)

    return post, bare


def profile(kind: str, count: int, data: dict[str, Any]) -> list[str]:
    """The top functions by cumulative time of `count` requests of `kind`, in this process."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from oauth2_provider.models import get_application_model

    credential = data["credential"]
    application = get_application_model().objects.get(client_id=credential.client_id)
    developer = get_user_model().objects.get(username="developer00")
    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")
    basic = _basic(credential.client_id, data["secret"])
    codes = iter(_grants(application, developer, count + WARM_UP + 1))  # and one for _statements
    token = common.sandbox_access_token(user=developer, application=application)
    browser = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")
    browser.cookies["sessionid"] = data["developer_sessions"][0]
    test_call = data.get("test_call_path", "")
    calls: dict[str, Callable[[], Any]] = {
        "discovery": lambda: client.get(DISCOVERY_PATH),
        "token request": lambda: client.post(
            TOKEN_PATH,
            {"grant_type": "authorization_code", "code": "unknown", "redirect_uri": BARE_REDIRECT_URI},
            HTTP_AUTHORIZATION=basic,
        ),
        "code exchange": lambda: client.post(
            TOKEN_PATH,
            {
                "grant_type": "authorization_code",
                "code": next(codes),
                "redirect_uri": BARE_REDIRECT_URI,
                "code_verifier": VERIFIER,
            },
            HTTP_AUTHORIZATION=basic,
        ),
        "API list": lambda: client.get(LIST_PATH, {"limit": 10}, HTTP_AUTHORIZATION=f"Bearer {token}"),
        "floor": lambda: client.get(LIST_PATH, {"limit": 10}),
        "portal test-call POST": lambda: browser.post(test_call, {"target": "employees", "path": ""}),
    }
    call = calls[kind]
    logging.disable(logging.WARNING)  # the 400s' "Bad Request" lines
    for _ in range(WARM_UP):
        call()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        call()
    profiler.disable()
    return [*_profile_lines(pstats.Stats(profiler), count), "", *_statements(call)]


def _outermost(sql: str) -> str:
    """The statement with every parenthesised part (subqueries, argument lists) left out."""
    kept, depth = [], 0
    for character in sql:
        depth += character == "("
        if depth == 0:
            kept.append(character)
        depth -= character == ")" and depth > 0
    return "".join(kept)


def _statements(call: Callable[[], Any]) -> list[str]:
    """The SQL statements of one more request of the kind, by verb and table."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        call()
    kinds: Counter[str] = Counter()
    for query in queries.captured_queries:
        sql = query["sql"]
        verb = sql.split(None, 1)[0].upper() if sql.strip() else "?"
        # The statement's own table, not a subquery's (an EXISTS in the column list comes first).
        table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)', _outermost(sql), re.IGNORECASE)
        kinds[f"{verb} {table.group(1) if table else ''}".strip()] += 1
    return [
        f"{len(queries.captured_queries)} SQL statements per request (in this process):",
        *(f"{count:3d}  {kind}" for kind, count in kinds.most_common()),
    ]


# Frames every request passes through (the test client, the handler, the middleware
# chain): their cumulative time is the whole request, which says nothing.
_WRAPPERS = (
    "/django/test/",
    "/django/core/handlers/",
    "/django/utils/deprecation.py",
    "middleware",
    "/bench/",
)


# The library calls a request waits in, named on the results page with their share.
_LIBRARY_CALLS = {
    "PostgreSQL round trips (psycopg Connection.wait)": ("psycopg/connection.py", "wait"),
    "HTTP calls (requests Session.send)": ("requests/sessions.py", "send"),
    "the contract verdict's schema validation (jsonschema iter_errors)": (
        "jsonschema/validators.py",
        "iter_errors",
    ),
    "oauthlib's endpoints (oauthlib endpoint wrapper)": (
        "oauthlib/oauth2/rfc6749/endpoints/base.py",
        "wrapper",
    ),
}


def _where(filename: str) -> str:
    """A file as its package (site-packages) or its path in the repository."""
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1]
    root = str(common.ROOT) + "/"
    return filename.removeprefix(root)


def _package(filename: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    if filename.startswith(str(common.ROOT)):
        return "(the project) " + _where(filename).split("/", 1)[0]
    return "(Python: stdlib and built-ins)"


def _profile_lines(stats: pstats.Stats, count: int) -> list[str]:
    """Top functions by cumulative time, then self time by package, both per request."""
    rows = stats.stats  # type: ignore[attr-defined]
    per_request = 1000.0 / count
    lines = ["cumulative ms/request  self ms/request  function"]
    ranked = sorted(rows.items(), key=lambda item: item[1][3], reverse=True)
    whole = ranked[0][1][3] if ranked else 0.0
    shown = 0
    for (filename, line, function), (_cc, _nc, tottime, cumtime, _callers) in ranked:
        # The views and decorators around the work take (nearly) all of it too.
        if any(part in filename for part in _WRAPPERS) or cumtime > 0.8 * whole:
            continue
        lines.append(
            f"{cumtime * per_request:21.2f}  {tottime * per_request:15.2f}  {_where(filename)}:{line}({function})"
        )
        shown += 1
        if shown == PROFILE_LINES:
            break
    held = []
    for label, (suffix, function) in _LIBRARY_CALLS.items():
        cumulative = sum(
            row[3]
            for (filename, _line, name), row in rows.items()
            if filename.endswith(suffix) and name == function
        )
        if cumulative:
            held.append(f"{label}: {cumulative * per_request:.2f} ms/request ({cumulative / whole:.0%})")
    if held:
        lines += ["", "held by: " + "; ".join(held)]
    by_package: dict[str, float] = {}
    for (filename, _line, _function), (_cc, _nc, tottime, _cumtime, _callers) in rows.items():
        name = _package(filename)
        by_package[name] = by_package.get(name, 0.0) + tottime
    lines += ["", "self ms/request  package"]
    for name, tottime in sorted(by_package.items(), key=lambda item: item[1], reverse=True)[:8]:
        lines.append(f"{tottime * per_request:15.2f}  {name}")
    return lines


def secret_checks(data: dict[str, Any]) -> dict[str, list[float]]:
    """Milliseconds to check the client's secret: with the sandbox's hasher, and with PBKDF2 for scale."""
    from django.contrib.auth.hashers import check_password, make_password
    from oauth2_provider.models import get_application_model
    from oauth2_provider.settings import oauth2_settings

    stored = get_application_model().objects.get(client_id=data["credential"].client_id).client_secret
    pbkdf2 = make_password(data["secret"], hasher="pbkdf2_sha256")
    checks: dict[str, list[float]] = {}
    for name, encoded, repeat in (
        (oauth2_settings.CLIENT_SECRET_HASHER, stored, 1000),
        ("pbkdf2_sha256 (Django's password hasher)", pbkdf2, 5),
    ):
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            assert check_password(data["secret"], encoded)
            times.append((time.perf_counter() - started) * 1000.0)
        checks[name] = times
    return checks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--profile-requests", type=int, default=PROFILE_REQUESTS)
    parser.add_argument("--json", help="Write the results here (for bench/run.py).")
    args = parser.parse_args()

    database_url = common.bench_database_url()
    common.reset_database(database_url)
    workdir = Path(tempfile.mkdtemp(prefix="portal-bench-speed-"))
    try:
        return _main(args, database_url, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _main(args: argparse.Namespace, database_url: str, workdir: Path) -> int:
    port = free_port()
    env = server_env(database_url, port, workdir / "static", args.workers, args.threads)
    env["PORTAL_SERVER_ROLE"] = "all"
    os.environ.clear()
    os.environ.update(env)
    import django
    from django.core.management import call_command

    django.setup()
    logging.disable(logging.INFO)
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    data = prepare(1)
    checks = secret_checks(data)

    from django.db import connections

    connections.close_all()
    server = Gunicorn(env, port, workdir / "gunicorn.log")
    profiles: dict[str, list[str]] = {}
    try:
        server.start()
        kinds = _kinds(server.base_url, data, args.requests)
        post, bare = _test_call(server, data)
        kinds["portal test-call POST"], kinds["bare GET"] = (post, 302), (bare, 200)
        times = _round_robin(kinds, args.requests)
        p50 = {name: statistics.median(values) for name, values in times.items()}
        # Profiled while the server runs: the portal's test call calls the sandbox on it.
        for name, limit, base in TARGETS:
            if p50[name] / p50[base] > limit and args.profile_requests:
                profiles[name] = profile(name, args.profile_requests, data)
    except BaseException:
        sys.stderr.write(server.log_tail() + "\n")
        raise
    finally:
        server.stop()

    targets = []
    for name, limit, base in TARGETS:
        ratio = p50[name] / p50[base]
        met = ratio <= limit
        targets.append(
            common.target(
                f"Sandbox request path: {name} / {base} (p50)",
                f"{ratio:.2f} ({p50[name]:.1f} / {p50[base]:.1f} ms)",
                f"≤ {limit}",
                met,
            )
        )
    results = {
        "method": (
            f"one gunicorn (portal/gunicorn_conf.py, {args.workers} workers × {args.threads} threads, gthread, "
            "no keep-alive), production settings, DEBUG off, PORTAL_SERVER_ROLE=all, CONN_MAX_AGE 60, "
            f"PostgreSQL bench database, access log on; {args.requests} sequential requests of each kind after "
            f"{WARM_UP} warm-ups, timed at the client on 127.0.0.1 (a new connection each: gunicorn keeps none "
            "alive). Floor: the API without a token (401, no query). Code exchange: grants made in the database "
            "beforehand (PKCE S256), one per request. Test call: the dashboard's POST, up to its redirect to the "
            "result page (not followed: the POST sends, judges and records the call; the page after it is a GET "
            "of its own), and a bare GET of /v2/employees with the connection's token; the POST contains that "
            "GET (the portal makes it over HTTP, a new connection each as gunicorn keeps none alive). Every kind takes its turn in each round, so that a busy "
            "machine slows them alike. A target missed is profiled in process "
            "(cProfile around a django.test.Client loop, same settings and database)"
        ),
        "figures": [
            *(common.figure(f"{name}: time", values, "ms", digits=2) for name, values in times.items()),
            *(
                common.figure(f"client secret check, {name}", values, "ms", digits=3)
                for name, values in checks.items()
            ),
            *(
                common.single(f"{name} / {base} (p50 ratio)", p50[name] / p50[base], "", digits=2)
                for name, _limit, base in TARGETS
            ),
            common.single(
                "portal test-call POST − bare GET (p50): the portal's own work around the call",
                p50["portal test-call POST"] - p50["bare GET"],
                "ms",
                digits=2,
            ),
        ],
        "targets": targets,
        "profiles": profiles,
        "profile_requests": args.profile_requests,
    }
    for name, lines in profiles.items():
        print(f"  profile of {name}:")
        for line in lines:
            print(f"    {line}")
    common.write_results(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
