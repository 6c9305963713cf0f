"""How often one client address may use the sandbox's open registration endpoint.

A counter per address and clock hour in Django's cache: with REDIS_URL set (every
deployment of more than one process) all servers count in the same place, because
the key holds only the address and the hour. `cache.add` starts an hour's count
and `cache.incr` adds to it, both atomic in Redis. Fixed hours are simple and
cheap; a burst around the turn of the hour may get up to twice the limit.

Every request counts, refused ones too: what the limit guards against is someone
trying many documents. When the cache cannot be reached, registration stays open
(the body bounds in views.py still hold) and the failure is logged.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 3600
UNKNOWN_ADDRESS = "unknown"
CACHE_UNAVAILABLE = "The cache could not count a sandbox registration; the limit was not applied."


def registrations_key(address: str, hour: int) -> str:
    """The cache key counting one address's registration requests in one clock hour."""
    return f"sandbox:registrations:{address}:{hour}"


def registration_count(*, address: str | None, now: float | None = None) -> int | None:
    """Count one registration request from `address`; its count so far this hour, or None
    when the cache could not count it."""
    now = time.time() if now is None else now
    key = registrations_key(address or UNKNOWN_ADDRESS, int(now // WINDOW_SECONDS))
    try:
        # Kept a little past its hour, so that a late request never restarts an old count.
        if cache.add(key, 1, timeout=WINDOW_SECONDS + 60):
            return 1
        return int(cache.incr(key))
    except ValueError:  # the key expired between add and incr: a new count
        cache.add(key, 1, timeout=WINDOW_SECONDS + 60)
        return 1
    except Exception:  # the cache is unreachable (Redis down): registration stays open
        logger.warning(CACHE_UNAVAILABLE, exc_info=True)
        return None


def registration_retry_after(*, address: str | None, now: float | None = None) -> int | None:
    """Count one registration request; when it is over PORTAL_SANDBOX_REGISTRATIONS_PER_HOUR,
    the seconds until the address may register again, else None. A limit of 0 turns it off."""
    limit = settings.PORTAL_SANDBOX_REGISTRATIONS_PER_HOUR
    if limit <= 0:
        return None
    now = time.time() if now is None else now
    count = registration_count(address=address, now=now)
    if count is None or count <= limit:
        return None
    return max(1, WINDOW_SECONDS - int(now % WINDOW_SECONDS))
