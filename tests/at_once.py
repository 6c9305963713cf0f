"""Run one function in several threads released together, each on its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def at_once(
    count: int,
    run: Callable[[Any], Any],
    *,
    prepare: Callable[[], Any] = lambda: None,
    timeout: float = 60,
) -> tuple[list[Any], list[BaseException]]:
    """`run(prepare())` in `count` threads that start together; their results and their exceptions.

    `prepare` runs in each thread before the start, so that only `run` overlaps. Each
    thread closes its own database connection when it ends.
    """
    results: list[Any] = []
    failures: list[BaseException] = []
    start = threading.Barrier(count)

    def thread_body() -> None:
        try:
            prepared = prepare()
            start.wait(timeout=30)
            results.append(run(prepared))
        except BaseException as exc:  # collected for the test to assert on
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=thread_body) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results, failures
