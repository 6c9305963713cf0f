"""A scripted authorization server and API on 127.0.0.1 with Pleo's paths: each endpoint
answers from its queue of scripted replies, else with a sensible success."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.loopback import LoopbackServer

CLIENT_ID = "6f1b5f0e-4a8e-4f5c-9d63-2b7f0f3c8a11"
CLIENT_SECRET = "0123456789abcdef0123456789abcd"
METADATA_PATH = "/.well-known/oauth-authorization-server"


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list → JSON; bytes/str → as is
    content_type: str = "application/json"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    form: dict[str, str]
    body: bytes = b""

    def basic_auth(self) -> tuple[str, str] | None:
        value = self.headers.get("authorization", "")
        if not value.lower().startswith("basic "):
            return None
        user, _, password = base64.b64decode(value[6:]).decode().partition(":")
        return user, password


class FakeServer(LoopbackServer):
    """Pleo's paths on one port: /oauth/* (authorization server) and /api/* (API).

    Each endpoint answers from its queue of scripted replies, else with a sensible
    success. Every request is recorded in `seen` for assertions.
    """

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.replies: dict[str, deque[Reply]] = {}
        self.issued = 0
        self.lock = threading.Lock()
        super().__init__()
        # RFC 8414 metadata to publish (None: none, as Pleo).
        self.metadata: dict[str, Any] | None = None

    def publish_metadata(self, **overrides: Any) -> dict[str, Any]:
        """Publish metadata at Pleo's paths, revocation included, `iss` promised."""
        self.metadata = {
            "issuer": self.base_url,
            "authorization_endpoint": self.base_url + "/oauth/authorize",
            "token_endpoint": self.base_url + "/oauth/token",
            "introspection_endpoint": self.base_url + "/oauth/token/introspect",
            "revocation_endpoint": self.base_url + "/oauth/revoke",
            "authorization_response_iss_parameter_supported": True,
            **overrides,
        }
        return self.metadata

    def script(self, path: str, *replies: Reply) -> None:
        self.replies.setdefault(path, deque()).extend(replies)

    def requests_to(self, path: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.path == path]

    def next_tokens(self) -> dict[str, Any]:
        with self.lock:
            self.issued += 1
            number = self.issued
        return {
            "access_token": f"fake-access-{number}-{'a' * 24}",
            "refresh_token": f"fake-refresh-{number}-{'r' * 24}",
            "token_type": "Bearer",
            "expires_in": 600,
            "scope": "users:read users:write",
        }

    def default_reply(self, path: str, seen: Seen) -> Reply:
        if path == METADATA_PATH and self.metadata is not None:
            return Reply(body=self.metadata)
        if path == "/oauth/revoke":
            return Reply(body={})
        if path == "/oauth/token":
            return Reply(body=self.next_tokens())
        if path == "/oauth/token/introspect":
            return Reply(
                body={"active": True, "client_id": CLIENT_ID, "scope": "users:read", "token_type": "Bearer"}
            )
        if path.startswith("/api/"):
            if not seen.headers.get("authorization", "").startswith("Bearer fake-access-"):
                return Reply(status=401, body={"error": "invalid_token"})
            if path == "/api/v1/introspect":
                return Reply(body={"client_id": CLIENT_ID, "subject": "urn:pleo:company:demo"})
            if path == "/api/v2/employees":
                return Reply(body={"data": [{"id": "e1", "firstName": "Ada"}], "pagination": {}})
            return Reply(status=404, body={"error": "not_found"})
        return Reply(status=404, body={"error": "not_found"})

    def respond(self, handler: BaseHTTPRequestHandler) -> None:
        method = handler.command
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        seen = Seen(
            method=method,
            path=parts.path,
            query=dict(parse_qsl(parts.query)),
            headers={key.lower(): value for key, value in handler.headers.items()},
            form=dict(parse_qsl(raw.decode(errors="replace"))),
            body=raw,
        )
        with self.lock:
            self.seen.append(seen)
            queue = self.replies.get(parts.path)
            reply = queue.popleft() if queue else None
        reply = reply or self.default_reply(parts.path, seen)
        if reply.delay:
            time.sleep(reply.delay)
        body = reply.body
        if isinstance(body, dict | list):
            payload = json.dumps(body).encode()
        elif isinstance(body, str):
            payload = body.encode()
        else:
            payload = body or b""
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", reply.content_type)
            handler.send_header("Content-Length", str(len(payload)))
            for key, value in reply.headers.items():
                handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)
