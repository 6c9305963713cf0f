"""The row lock that serialises everything that spends or forgets a connection's tokens."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection as db_connection
from django.db import transaction
from django.db.models import QuerySet

from .models import Connection

# SQLite has no row locks; a stripe of process locks stands in (one process on a laptop).
_STRIPES = [threading.Lock() for _ in range(64)]


@contextmanager
def connection_locked(pk: int) -> Iterator[Connection]:
    """The connection's row, read fresh after the lock is granted, held until the block ends.

    On databases with SELECT ... FOR UPDATE (PostgreSQL) this is a transaction
    holding the row lock: concurrent workers wait, then see the saved result.
    On SQLite a transaction open across the HTTP call would hold a read lock on
    the whole file and block the built-in sandbox's own writes to it, so there
    a process lock serialises instead and each save commits on its own.
    """
    queryset = Connection.objects.select_related("credential", "credential__registration")
    if db_connection.features.has_select_for_update:
        with transaction.atomic():
            yield queryset.select_for_update(of=("self",)).get(pk=pk)
    else:
        with _STRIPES[pk % len(_STRIPES)]:
            yield queryset.get(pk=pk)


@contextmanager
def connection_claimed(candidates: QuerySet[Connection]) -> Iterator[Connection | None]:
    """The first of `candidates` that no other worker holds, locked until the block ends; None when none is left.

    On PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED in a transaction. Jobs on
    several hosts each take a different row, and the lock is the row lock that
    connection_locked() takes: a manual test call or refresh of the same
    connection waits for the claimed work, and a refresh during that work
    happens inside the claim's transaction. Without row locks (SQLite) there is
    nothing to skip: jobs there are meant to run one at a time.
    """
    queryset = candidates.select_related("credential", "credential__registration", "user").order_by("pk")
    if db_connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            yield queryset.select_for_update(skip_locked=True, of=("self",)).first()
    else:
        yield queryset.first()
