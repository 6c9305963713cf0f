"""Serve the portal with gunicorn, and the built-in sandbox with a gunicorn of its own.

`make serve` ends here. With PORTAL_SANDBOX_ENABLED, two servers run from
portal/gunicorn_conf.py: the portal (GUNICORN_BIND, GUNICORN_WORKERS,
GUNICORN_THREADS, PORTAL_SERVER_ROLE=portal) and the sandbox
(GUNICORN_SANDBOX_BIND, GUNICORN_SANDBOX_WORKERS, GUNICORN_SANDBOX_THREADS,
PORTAL_SERVER_ROLE=sandbox). The portal reaches the sandbox at
PORTAL_SANDBOX_URL (or PORTAL_BASE_URL/sandbox through a proxy that routes it
there). Without the sandbox, one server answers everything. A signal to this
command stops both servers; when either exits, the other is stopped too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from core.servers import CredentialServer, server_endpoints
from portal import roles

GUNICORN = [sys.executable, "-m", "gunicorn", "-c", "portal/gunicorn_conf.py", "portal.wsgi"]
BASE_DIR = Path(__file__).resolve().parents[3]
SANDBOX_DEFAULTS = {
    "GUNICORN_SANDBOX_BIND": "127.0.0.1:8001",
    "GUNICORN_SANDBOX_WORKERS": "2",
    "GUNICORN_SANDBOX_THREADS": "4",
}
SANDBOX_LINE = "Sandbox: its own gunicorn on {bind}; the portal reaches it at {url}."
ROUTE_HINT = (
    "PORTAL_SANDBOX_URL is not set: route /sandbox/ and /.well-known/oauth-authorization-server/sandbox "
    "to {bind} at the proxy (the portal's own server answers 404 there)."
)
NO_SANDBOX_LINE = "Sandbox off (PORTAL_SANDBOX_ENABLED=false): one server for everything."


def server_environments(environ: dict[str, str], sandbox_enabled: bool) -> dict[str, dict[str, str]]:
    """The environment of each gunicorn server, by role."""
    if not sandbox_enabled:
        return {roles.ALL: {**environ, "PORTAL_SERVER_ROLE": roles.ALL}}
    sandbox = {key: environ.get(key, default) for key, default in SANDBOX_DEFAULTS.items()}
    return {
        roles.SANDBOX: {
            **environ,
            "PORTAL_SERVER_ROLE": roles.SANDBOX,
            "GUNICORN_BIND": sandbox["GUNICORN_SANDBOX_BIND"],
            "GUNICORN_WORKERS": sandbox["GUNICORN_SANDBOX_WORKERS"],
            "GUNICORN_THREADS": sandbox["GUNICORN_SANDBOX_THREADS"],
        },
        roles.PORTAL: {**environ, "PORTAL_SERVER_ROLE": roles.PORTAL},
    }


class Command(BaseCommand):
    help = "Run gunicorn for the portal and, when the sandbox is on, a second gunicorn for the sandbox."

    def handle(self, *args: Any, **options: Any) -> None:
        environments = server_environments(dict(os.environ), settings.PORTAL_SANDBOX_ENABLED)
        if roles.SANDBOX in environments:
            bind = environments[roles.SANDBOX]["GUNICORN_BIND"]
            self.stdout.write(
                SANDBOX_LINE.format(bind=bind, url=server_endpoints(CredentialServer.SANDBOX).issuer)
            )
            if not settings.PORTAL_SANDBOX_URL:
                self.stdout.write(ROUTE_HINT.format(bind=bind))
        else:
            self.stdout.write(NO_SANDBOX_LINE)
        self.stdout.flush()
        servers = [subprocess.Popen(GUNICORN, cwd=BASE_DIR, env=env) for env in environments.values()]  # noqa: S603
        stopping: list[int] = []

        def stop(signum: int, frame: Any) -> None:
            stopping.append(signum)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while not stopping and all(server.poll() is None for server in servers):
            time.sleep(0.2)
        for server in servers:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
        codes = [server.wait() for server in servers]
        if not stopping and any(codes):
            sys.exit(max(codes))
