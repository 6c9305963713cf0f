"""The RFC 8414 metadata document, built once per configuration and served from memory.

The document changes only with the issuer (settings) and the scope catalog
(`registrations.Scope`, edited by managers): it is kept, serialised, under a key
of both, and rebuilt when either changes. The issuer's part is read from the
settings on every request. The catalog's part is a version token in Django's
cache, replaced whenever a scope is saved or deleted: with a shared cache
(REDIS_URL) every process and server sees the change on its next request; with
the per-process default cache, the process that saved the scope does, and the
others within MAX_AGE_SECONDS, when each rebuilds its copy anyway. Only the
advertised `scopes_supported` can lag so; the scopes a client may be granted are
always read from the catalog itself (`scopes.CatalogScopes`).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection

from core.servers import ServerEndpoints

from .selectors import sandbox_endpoints, sandbox_server_metadata

CATALOG_VERSION_KEY = "sandbox:scope-catalog-version"
MAX_AGE_SECONDS = 60.0


@dataclass(frozen=True)
class _Built:
    key: tuple[ServerEndpoints, str | None]
    body: bytes
    built_at: float


_built: _Built | None = None
_lock = threading.Lock()


def scope_catalog_changed(**kwargs: Any) -> None:
    """Receiver of Scope's post_save and post_delete: every copy of the document is out of date."""
    cache.set(CATALOG_VERSION_KEY, uuid.uuid4().hex, timeout=None)


def server_metadata_body() -> bytes:
    """The metadata document as JSON, built when the issuer or the catalog changed."""
    global _built
    key = (sandbox_endpoints(), cache.get(CATALOG_VERSION_KEY))
    now = time.monotonic()
    built = _built
    if built is not None and built.key == key and now - built.built_at < MAX_AGE_SECONDS:
        return built.body
    body = json.dumps(sandbox_server_metadata()).encode()
    # Read inside a transaction, the catalog may yet be rolled back: such a document is not kept.
    if not connection.in_atomic_block:
        with _lock:
            _built = _Built(key=key, body=body, built_at=now)
    return body
