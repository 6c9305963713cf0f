"""Benchmark 9: `manage.py probe_connections` over 1,000 due connections against the sandbox.

    .venv/bin/python bench/probes.py [--json PATH]

1,000 monitored connections of one sandbox client, each holding its own valid
sandbox access token (minted in the sandbox's tables), all due. The sandbox runs
in this process on a threaded WSGI server on 127.0.0.1 (as `runserver` serves
it); the command runs through call_command, as cron would run it. Measured: the
command's wall time and time per probe; checked: every connection probed exactly
once (one scheduled test call each, each answered 200), and a second run right
after probes nothing.

On the PostgreSQL bench database (bench/common.py, reset at the start).
"""

from __future__ import annotations

import argparse
import io
import secrets
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common

CONNECTIONS = 1_000


def _serve() -> str:
    """The portal (sandbox included) on a free 127.0.0.1 port, in a daemon thread."""
    from django.core.servers.basehttp import (
        ThreadedWSGIServer,
        WSGIRequestHandler,
        get_internal_wsgi_application,
    )

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler)
    server.set_app(get_internal_wsgi_application())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def _due_connections(base_url: str) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from oauth2_provider.models import get_access_token_model, get_application_model

    from oauthclient.models import Connection
    from registrations import examples
    from registrations.services.registration import registration_create
    from sandbox.credentials import credential_issue_sandbox

    settings.PORTAL_BASE_URL = base_url
    user_model = get_user_model()
    owner = user_model.objects.create_user("bench-probes")
    registration = registration_create(**examples.EXAMPLE_CLIENT, owner=owner)
    credential, _secret = credential_issue_sandbox(registration=registration, issued_by=owner)
    application = get_application_model().objects.get(client_id=credential.client_id)
    users = user_model.objects.bulk_create(user_model(username=f"bench-dev-{n}") for n in range(CONNECTIONS))
    expires = timezone.now() + timedelta(hours=1)
    tokens = [secrets.token_urlsafe(30) for _ in users]
    get_access_token_model().objects.bulk_create(
        get_access_token_model()(
            user=user, application=application, token=token, expires=expires, scope=registration.scope
        )
        for user, token in zip(users, tokens, strict=True)
    )
    Connection.objects.bulk_create(
        Connection(
            user=user,
            credential=credential,
            access_token=token,
            token_type="Bearer",
            scope=registration.scope,
            expires_at=expires,
            connected_at=timezone.now(),
            monitored=True,
        )
        for user, token in zip(users, tokens, strict=True)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="Write the results here (for bench/run.py).")
    args = parser.parse_args()

    common.setup_django_for_part()
    from django.core.management import call_command

    from oauthclient.models import TestCall

    _due_connections(_serve())
    out = io.StringIO()
    started = time.perf_counter()
    call_command("probe_connections", stdout=out)
    elapsed = time.perf_counter() - started
    second = io.StringIO()
    call_command("probe_connections", stdout=second)

    probes = Counter(TestCall.objects.filter(scheduled=True).values_list("connection_id", flat=True))
    answered = Counter(TestCall.objects.filter(scheduled=True).values_list("status_code", flat=True))
    durations = list(TestCall.objects.filter(scheduled=True).values_list("duration_ms", flat=True))
    once = len(probes) == CONNECTIONS and set(probes.values()) == {1}
    figures = [
        common.single(
            f"probe_connections, {CONNECTIONS:,} due connections: wall time", elapsed, "s", digits=1
        ),
        common.single(
            "Time per probe (wall time / connections)", elapsed / CONNECTIONS * 1000, "ms", digits=1
        ),
        common.figure("One probe's GET /v1/introspect, as recorded", [float(d) for d in durations], "ms"),
        common.single("Connections probed exactly once", sum(1 for n in probes.values() if n == 1), ""),
        common.single("Probes answered 200", answered[200], ""),
    ]
    targets = [
        common.target(
            "Each due connection probed exactly once, every probe answered",
            f"{sum(1 for n in probes.values() if n == 1):,} of {CONNECTIONS:,} once; {answered[200]:,} × 200",
            f"{CONNECTIONS:,} once, {CONNECTIONS:,} × 200",
            once and answered[200] == CONNECTIONS,
        ),
        common.target(
            "A second run right after probes nothing",
            second.getvalue().strip(),
            "Probed 0 connection(s)",
            second.getvalue().startswith("Probed 0 connection(s)"),
        ),
    ]
    common.write_results(
        args.json,
        {
            "title": "Connection monitoring",
            "method": (
                f"{CONNECTIONS:,} monitored connections of one sandbox client, each with its own valid "
                "sandbox access token, all due; the sandbox served in process by a threaded WSGI server "
                "on 127.0.0.1; `probe_connections` through call_command (one job). The command's summary: "
                + out.getvalue().strip()
            ),
            "figures": figures,
            "targets": targets,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
