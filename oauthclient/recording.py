"""Recording the HTTP exchanges the portal makes for a connection.

A `Recorder` collects drafts while a service talks to a server: a requests
transport adapter mounted on the service's session sees each request as sent
(after Authlib added client authentication or the bearer token) and each answer
as received. Nothing is stored until `Recorder.save`, which passes every draft
through `redaction.redact_exchange` first. `PORTAL_EXCHANGES_KEPT` (per
connection) bounds what is kept; 0 turns recording off.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import requests
from django.conf import settings
from django.db.models import CharField, JSONField, Model, Subquery, TextField
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from requests.adapters import HTTPAdapter

from core.redaction import redact_exchange, redact_text

from .models import Connection, Exchange, TestCall

# Bodies longer than this are cut (after redaction, so that no secret's prefix survives).
BODY_LIMIT = 64 * 1024
ERROR_LIMIT = 500
PRUNE_EVERY = 20
Row = TypeVar("Row", bound=Model)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value: Any) -> Any:
    """Text every database stores (core.text): NUL characters (a binary answer, say) and
    unpaired surrogates (a JSON escape such as "\\ud800", decoded) become U+FFFD.

    What the portal sends is refused before it is sent when it holds such text; what a
    server answers is kept with the replacement, so that recording it cannot fail.
    """
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, list | tuple):
        return [storable(item) for item in value]
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    return value


def fit_to_columns(instance: Row) -> Row:
    """`instance` with every text storable and no longer than its column (PostgreSQL
    refuses a longer value; a long query string can make a URL longer than its column)."""
    for column in instance._meta.concrete_fields:
        if isinstance(column, CharField | TextField | JSONField):
            value = storable(getattr(instance, column.attname))
            if isinstance(column, CharField) and column.max_length and isinstance(value, str):
                value = value[: column.max_length]
            setattr(instance, column.attname, value)
    return instance


def recording_enabled() -> bool:
    return int(settings.PORTAL_EXCHANGES_KEPT) > 0


def body_text(body: Any) -> str:
    if body is None:
        return ""
    if isinstance(body, bytes | bytearray):
        return bytes(body[: BODY_LIMIT * 4]).decode("utf-8", errors="replace")
    return str(body)


@dataclass
class ExchangeDraft:
    """An exchange as it happened, not yet redacted: lives in memory (or the user's session)."""

    kind: str
    method: str
    url: str
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    request_body: str = ""
    status_code: int | None = None
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: str = ""
    duration_ms: int | None = None
    error: str = ""
    created_at: datetime = field(default_factory=timezone.now)

    def as_session_data(self) -> dict[str, Any]:
        return {**asdict(self), "created_at": self.created_at.isoformat()}

    @classmethod
    def from_session_data(cls, data: dict[str, Any]) -> ExchangeDraft:
        return cls(**{**data, "created_at": datetime.fromisoformat(data["created_at"])})


class RecordingAdapter(HTTPAdapter):
    """requests' transport with a draft for every request it sends (answered or not)."""

    def __init__(self, recorder: Recorder, kind: str) -> None:
        super().__init__(max_retries=0)
        self.recorder = recorder
        self.kind = kind

    @sensitive_variables("request", "draft", "response")
    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, stream: bool = False, **kwargs: Any
    ) -> requests.Response:
        draft = ExchangeDraft(
            kind=self.kind,
            method=str(request.method or ""),
            url=str(request.url or ""),
            request_headers=[(str(name), str(value)) for name, value in request.headers.items()],
            request_body=body_text(request.body),
        )
        self.recorder.add(draft)
        started = time.monotonic()
        try:
            response = super().send(request, stream=stream, **kwargs)
            draft.status_code = response.status_code
            draft.response_headers = [(str(name), str(value)) for name, value in response.headers.items()]
            if not stream:
                # requests reads it right after this returns anyway; a streamed body is
                # read (bounded) by the caller, who hands it over with `draft.response_body`.
                draft.response_body = body_text(response.content)
        except requests.exceptions.RequestException as exc:
            draft.error = f"{type(exc).__name__}: {exc}"[:ERROR_LIMIT]
            raise
        finally:
            draft.duration_ms = round((time.monotonic() - started) * 1000)
        return response


class Recorder:
    """Collects the exchanges of one action, then stores them redacted on its connection."""

    def __init__(self, *, secrets: Iterable[str] = ()) -> None:
        self.enabled = recording_enabled()
        self.drafts: list[ExchangeDraft] = []
        self.secrets: list[str] = []
        self.remember(*secrets)

    def remember(self, *secrets: str | None) -> None:
        """Values that must never be stored, wherever they turn up (tokens, codes, the secret)."""
        self.secrets.extend(secret for secret in secrets if secret and secret not in self.secrets)

    def add(self, draft: ExchangeDraft) -> ExchangeDraft:
        if self.enabled:
            self.drafts.append(draft)
        return draft

    def mount(self, session: requests.Session, kind: str) -> requests.Session:
        """Record every request `session` sends as an exchange of `kind`."""
        if self.enabled:
            adapter = RecordingAdapter(self, kind)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
        return session

    def last(self) -> ExchangeDraft | None:
        return self.drafts[-1] if self.drafts else None

    def save(self, *, connection: Connection, test_call: TestCall | None = None) -> list[Exchange]:
        """Store the drafts redacted on `connection` and drop what exceeds the kept number."""
        if not self.enabled or not self.drafts:
            self.drafts = []
            return []
        rows = [self._row(draft, connection=connection, test_call=test_call) for draft in self.drafts]
        self.drafts = []
        Exchange.objects.bulk_create(rows)
        if any(row.pk is None or row.pk % PRUNE_EVERY == 0 for row in rows):
            prune(connection=connection)
        return rows

    @sensitive_variables("draft")
    def _row(self, draft: ExchangeDraft, *, connection: Connection, test_call: TestCall | None) -> Exchange:
        redacted = redact_exchange(
            url=draft.url,
            request_headers=draft.request_headers,
            request_body=draft.request_body,
            response_headers=draft.response_headers,
            response_body=draft.response_body,
            secrets=self.secrets,
        )
        redacted.pop("query")
        for name in ("request_body", "response_body"):
            if len(redacted[name]) > BODY_LIMIT:
                redacted[name] = redacted[name][:BODY_LIMIT] + "\n… (cut)"
        exchange = Exchange(
            connection=connection,
            test_call=test_call,
            kind=draft.kind,
            created_at=draft.created_at,
            method=draft.method,
            status_code=draft.status_code,
            duration_ms=draft.duration_ms,
            error=redact_text(draft.error, secrets=self.secrets),
            **redacted,
        )
        return fit_to_columns(exchange)


def prune(*, connection: Connection) -> int:
    """Delete a connection's exchanges beyond the newest PORTAL_EXCHANGES_KEPT (one statement)."""
    kept = int(settings.PORTAL_EXCHANGES_KEPT)
    newest = Exchange.objects.filter(connection=connection).order_by("-id").values("id")
    deleted, _ = Exchange.objects.filter(
        connection=connection, id__lte=Subquery(newest[kept : kept + 1])
    ).delete()
    return deleted
