"""Copy as cURL, HTTPie, Python and JavaScript: a recorded exchange as code a developer can run.

Credentials never appear in a command: the access token, the client secret, the
refresh token, the code and the code verifier are shell variables the developer
sets ($PLEO_ACCESS_TOKEN, $CLIENT_SECRET, ...). Every literal is quoted with
shlex.quote; a variable is appended in double quotes so that the shell expands it.
The Python (requests) and JavaScript (fetch, Node 20 or later) snippets read the same
variables from the environment; their literals are JSON strings, which both languages read.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from urllib.parse import parse_qsl

from .models import Exchange, ExchangeKind

ACCESS_TOKEN_VARIABLE = "PLEO_ACCESS_TOKEN"
CLIENT_SECRET_VARIABLE = "CLIENT_SECRET"
# Form fields of token requests whose values are credentials, and the variable each becomes.
FORM_VARIABLES = {
    "client_secret": CLIENT_SECRET_VARIABLE,
    "code": "AUTHORIZATION_CODE",
    "code_verifier": "CODE_VERIFIER",
    "refresh_token": "PLEO_REFRESH_TOKEN",
    "token": ACCESS_TOKEN_VARIABLE,
}
# Headers requests adds on its own; the shell tools add theirs.
_TRANSPORT_HEADERS = {
    "user-agent",
    "accept-encoding",
    "connection",
    "content-length",
    "host",
    "authorization",
}
COPYABLE_KINDS = (ExchangeKind.TEST_CALL, ExchangeKind.CODE_EXCHANGE, ExchangeKind.REFRESH)


@dataclass(frozen=True)
class Word:
    """One shell argument: a literal, optionally followed by a variable."""

    literal: str
    variable: str = ""

    def quoted(self) -> str:
        text = shlex.quote(self.literal) if self.literal else ""
        return text + (f'"${self.variable}"' if self.variable else "")


@dataclass(frozen=True)
class ShellRequest:
    method: str
    url: str
    headers: list[Word]
    user: Word | None = None
    json_body: str = ""
    form: list[Word] | None = None


def _line(parts: list[str]) -> str:
    return " \\\n  ".join(parts)


def curl_command(request: ShellRequest) -> str:
    parts = [f"curl -sS -X {request.method} {shlex.quote(request.url)}"]
    parts += [f"-H {header.quoted()}" for header in request.headers]
    if request.user is not None:
        parts.append(f"-u {request.user.quoted()}")
    if request.json_body:
        parts.append(f"--data-raw {shlex.quote(request.json_body)}")
    parts += [f"--data-urlencode {field.quoted()}" for field in request.form or []]
    return _line(parts)


def httpie_command(request: ShellRequest) -> str:
    parts = [
        f"http --ignore-stdin{' --form' if request.form else ''} {request.method} {shlex.quote(request.url)}"
    ]
    parts += [
        Word(header.literal.replace(": ", ":", 1), header.variable).quoted() for header in request.headers
    ]
    if request.user is not None:
        parts.append(f"-a {request.user.quoted()}")
    if request.json_body:
        parts.append(f"--raw {shlex.quote(request.json_body)}")
    parts += [field.quoted() for field in request.form or []]
    return _line(parts)


def shell_request(exchange: Exchange, *, client_id: str) -> ShellRequest | None:
    """The exchange as a shell request, or None for kinds that are not worth copying."""
    if exchange.kind not in COPYABLE_KINDS:
        return None
    headers = [
        Word(f"{name}: {value}")
        for name, value in exchange.request_headers
        if str(name).lower() not in _TRANSPORT_HEADERS
    ]
    if exchange.kind == ExchangeKind.TEST_CALL:
        headers.insert(0, Word("Authorization: Bearer ", ACCESS_TOKEN_VARIABLE))
        return ShellRequest(
            method=exchange.method, url=exchange.url, headers=headers, json_body=exchange.request_body
        )
    basic = any(
        str(name).lower() == "authorization" and str(value).lower().startswith("basic")
        for name, value in exchange.request_headers
    )
    form = [
        Word(f"{name}=", FORM_VARIABLES[name]) if name in FORM_VARIABLES else Word(f"{name}={value}")
        for name, value in parse_qsl(exchange.request_body, keep_blank_values=True)
    ]
    headers = [header for header in headers if not header.literal.lower().startswith("content-type")]
    return ShellRequest(
        method=exchange.method,
        url=exchange.url,
        headers=headers,
        user=Word(f"{client_id}:", CLIENT_SECRET_VARIABLE) if basic else None,
        form=form,
    )


def _literal(text: str) -> str:
    """A string literal Python and JavaScript both read (JSON's, with every non-ASCII escaped)."""
    return json.dumps(text)


def _header_entry(header: Word, *, indent: str, environment: str) -> str:
    """`"Name": "value"` for a headers object literal; a variable is read from the environment
    with `environment` (a format string taking the variable's name)."""
    name, _, value = header.literal.partition(":")
    literal = _literal(value.strip() if not header.variable else value.lstrip())
    if header.variable:
        literal += " + " + environment.format(header.variable)
    return f"{indent}{_literal(name.strip())}: {literal},"


def _python_header(header: Word) -> str:
    return _header_entry(header, indent=" " * 8, environment='os.environ["{}"]')


def python_snippet(request: ShellRequest) -> str:
    """The request with Python's requests; prints the status and the body."""
    lines = [
        "import os",
        "",
        "import requests",
        "",
        "response = requests.request(",
        f"    {_literal(request.method)},",
        f"    {_literal(request.url)},",
        "    headers={",
        *(_python_header(header) for header in request.headers),
        "    },",
    ]
    if request.json_body:
        lines.append(f"    data={_literal(request.json_body)}.encode(),")
    # The console follows no redirect (the token would go along): the snippet neither.
    lines += [
        "    allow_redirects=False,",
        "    timeout=30,",
        ")",
        "print(response.status_code)",
        "print(response.text)",
    ]
    return "\n".join(lines)


def _javascript_header(header: Word) -> str:
    return _header_entry(header, indent=" " * 4, environment="process.env.{}")


def javascript_snippet(request: ShellRequest) -> str:
    """The request with fetch, as an ES module (top-level await: save it as a .mjs file)."""
    lines = [
        f"const response = await fetch({_literal(request.url)}, {{",
        f"  method: {_literal(request.method)},",
        "  headers: {",
        *(_javascript_header(header) for header in request.headers),
        "  },",
    ]
    if request.json_body:
        lines.append(f"  body: {_literal(request.json_body)},")
    lines += [
        '  redirect: "manual",',
        "});",
        "console.log(response.status);",
        "console.log(await response.text());",
    ]
    return "\n".join(lines)
