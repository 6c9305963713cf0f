"""One pool of HTTP connections per process for the portal's outgoing calls.

Each service call builds its own Authlib session (its token, its recorder); without a
shared pool each would open a new TCP (and TLS) connection to the server. The adapter
below hands every session the process's pool, so that a server that keeps connections
alive is called over one already open. urllib3's PoolManager is thread-safe; a forked
process starts a pool of its own.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from requests.adapters import DEFAULT_POOLBLOCK, DEFAULT_POOLSIZE, HTTPAdapter
from urllib3 import PoolManager

_lock = threading.Lock()
# The owning process's id and its pool: a pool inherited through fork is not reused.
_pools: dict[int, PoolManager] = {}


def shared_pool() -> PoolManager:
    """This process's pool of HTTP connections (created on first use)."""
    pid = os.getpid()
    with _lock:
        pool = _pools.get(pid)
        if pool is None:
            _pools.clear()
            pool = _pools[pid] = PoolManager(
                num_pools=DEFAULT_POOLSIZE, maxsize=DEFAULT_POOLSIZE, block=False
            )
        return pool


class PooledAdapter(HTTPAdapter):
    """requests' transport over the process's shared pool (closing a session leaves it open)."""

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = DEFAULT_POOLBLOCK, **pool_kwargs: Any
    ) -> None:
        self._pool_connections = connections
        self._pool_maxsize = maxsize
        self._pool_block = block
        self.poolmanager = shared_pool()

    def close(self) -> None:
        # The pool outlives the session; only this adapter's proxy managers go.
        for proxy in self.proxy_manager.values():
            proxy.clear()
