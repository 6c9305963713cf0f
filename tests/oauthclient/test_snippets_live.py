"""Copy as cURL, HTTPie, Python and JavaScript: each snippet of a console call, run against the live
sandbox with the token in $PLEO_ACCESS_TOKEN, gets the status the console got."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from oauthclient.models import Connection, Exchange, ExchangeKind, TestCall
from oauthclient.services.test_call import ApiRequest, test_call_send
from oauthclient.shell_commands import (
    ACCESS_TOKEN_VARIABLE,
    curl_command,
    httpie_command,
    javascript_snippet,
    python_snippet,
    shell_request,
)
from sandbox.credentials import credential_issue_sandbox
from tests.factories import make_registration

from .live import connection_id, log_in

RUN_TIMEOUT = 30
REQUESTS = {
    "a read": ApiRequest(path="/v2/employees", query=(("limit", "2"),)),
    "a search with a body": ApiRequest(
        method="POST",
        path="/v1/vendors:search",
        headers=(("X-Request-Id", "snippet-1"),),
        body=json.dumps({"name": 'Søren\'s "quoted" vendor'}),
    ),
    "a refused token scope": ApiRequest(path="/v1/chart-of-accounts"),
}


@pytest.fixture
def connection(live: Any, live_developer: Any) -> Connection:
    registration = make_registration(scope="users:read vendors:read")
    credential, _secret = credential_issue_sandbox(registration=registration, issued_by=live_developer)
    browser = log_in(live.url, live_developer.username)
    page = browser.connect(credential)
    browser.session.close()
    return Connection.objects.get(pk=connection_id(page.url))


@pytest.fixture(params=sorted(REQUESTS))
def console_call(request: Any, connection: Connection, live_developer: Any) -> tuple[TestCall, Exchange]:
    call = test_call_send(
        connection=connection,
        user=live_developer,
        request=REQUESTS[request.param],
        production_confirmed=False,
    )
    exchange = call.exchanges.get(kind=ExchangeKind.TEST_CALL)
    return call, exchange


def _run(command: list[str], connection: Connection, env_extra: dict[str, str] | None = None) -> str:
    environment = {
        **os.environ,
        ACCESS_TOKEN_VARIABLE: Connection.objects.get(pk=connection.pk).access_token,
        **(env_extra or {}),
    }
    done = subprocess.run(  # noqa: S603  (the test's own commands)
        command, capture_output=True, text=True, timeout=RUN_TIMEOUT, env=environment, check=True
    )
    return done.stdout


def _shell(exchange: Exchange) -> Any:
    shell = shell_request(exchange, client_id=exchange.connection.credential.client_id)
    assert shell is not None
    return shell


def test_the_python_snippet_gets_the_consoles_status(console_call):
    call, exchange = console_call

    output = _run([sys.executable, "-c", python_snippet(_shell(exchange))], exchange.connection)

    assert int(output.splitlines()[0]) == call.status_code


def test_the_javascript_snippet_gets_the_consoles_status(console_call, tmp_path: Path):
    call, exchange = console_call
    script = tmp_path / "snippet.mjs"
    script.write_text(javascript_snippet(_shell(exchange)), encoding="utf-8")

    output = _run(["node", str(script)], exchange.connection)

    assert int(output.splitlines()[0]) == call.status_code


def test_the_curl_command_gets_the_consoles_status(console_call):
    call, exchange = console_call
    command = curl_command(_shell(exchange)) + " -o /dev/null -w '%{http_code}'"

    output = _run(["bash", "-c", command], exchange.connection)

    assert int(output) == call.status_code


def test_the_httpie_command_gets_the_consoles_status(console_call, tmp_path: Path):
    call, exchange = console_call
    # HTTPie from the suite's own virtualenv, with a configuration directory of its own.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    command = httpie_command(_shell(exchange)) + " --print=h"

    output = _run(
        ["bash", "-c", command],
        exchange.connection,
        env_extra={"PATH": path, "HTTPIE_CONFIG_DIR": str(tmp_path)},
    )

    assert int(output.split()[1]) == call.status_code


def test_no_snippet_holds_the_token(console_call):
    _call, exchange = console_call
    token = Connection.objects.get(pk=exchange.connection.pk).access_token
    shell = _shell(exchange)

    for snippet in (
        python_snippet(shell),
        javascript_snippet(shell),
        curl_command(shell),
        httpie_command(shell),
    ):
        assert token not in snippet
        assert ACCESS_TOKEN_VARIABLE in snippet
