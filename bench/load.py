"""Bounded load generators: a fixed number of client threads for a fixed time.

Pure Python (threads + requests), so `make bench` needs nothing beyond the
virtualenv. Each client thread has its own logged-in Browser (bench/server.py).

- `run`, closed loop: each client runs its scenario's steps back to back until
  the deadline. The offered load is whatever the server absorbs, so latency is
  clients / throughput: it measures saturation, not the latency at a given load.
- `run_open`, open loop: requests are due on a fixed schedule (Poisson arrivals at
  a stated total rate) whatever the server's pace, and each is timed from when it
  was due, not from when a client got round to sending it (no coordinated
  omission): a request that waits for a free client counts its wait.

A request that started before the deadline is allowed to finish (bounded by the
per-request timeout) and counted. Every request is classified: ok, or an error
(unexpected status, a failed check of the body, a timeout or a connection error).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from bench import common

# A step: (kind, function(browser, state) -> (ok, detail)). `state` is the client's own dict.
Step = tuple[str, Callable[[Any, dict[str, Any]], tuple[bool, str]]]


@dataclass
class Sample:
    kind: str
    started: float
    seconds: float
    ok: bool
    detail: str


@dataclass
class LoadResult:
    clients: int
    duration: float
    wall: float
    samples: list[Sample] = field(default_factory=list)

    def kinds(self) -> list[str]:
        return list(dict.fromkeys(sample.kind for sample in self.samples))

    def of(self, kind: str) -> list[Sample]:
        return [sample for sample in self.samples if sample.kind == kind]

    def error_messages(self) -> list[str]:
        """One sample message per distinct error (for the log, not the report)."""
        return list(dict.fromkeys(f"{s.kind}: {s.detail[:300]}" for s in self.samples if not s.ok))[:10]

    def errors(self, kind: str | None = None) -> list[Sample]:
        return [s for s in self.samples if not s.ok and (kind is None or s.kind == kind)]

    def latency(self, kind: str) -> dict[str, Any]:
        samples = self.of(kind)
        times = [s.seconds * 1000 for s in samples] or [0.0]
        details: dict[str, int] = {}
        for sample in samples:
            if not sample.ok:
                error = sample.detail.split(":", 1)[0]  # the exception's class, without its message
                details[error] = details.get(error, 0) + 1
        return {
            "name": kind,
            "requests": len(samples),
            "per_second": len(samples) / self.wall if self.wall else 0.0,
            "p50": common.percentile(times, 50),
            "p95": common.percentile(times, 95),
            "min": min(times),
            "max": max(times),
            "errors": sum(details.values()),
            "error_kinds": details,
        }


def _attempt(
    function: Callable[[Any, dict[str, Any]], tuple[bool, str]], browser: Any, state: dict[str, Any]
) -> tuple[bool, str]:
    """One step; a timeout or a connection error is a failed request, not a crash."""
    try:
        return function(browser, state)
    except requests.Timeout:
        return False, "timeout"
    except requests.RequestException as exc:
        return False, f"{type(exc).__name__}: {exc}"


def _run_clients(
    browsers: list[Any],
    states: list[dict[str, Any]],
    client: Callable[[Any, dict[str, Any], float, list[Sample]], None],
    *,
    duration: float,
    result: LoadResult,
) -> LoadResult:
    """One thread per browser, released together at one origin; each appends its samples."""
    lock = threading.Lock()
    barrier = threading.Barrier(len(browsers) + 1)
    origin = [0.0]

    def thread_body(browser: Any, state: dict[str, Any]) -> None:
        barrier.wait()
        mine: list[Sample] = []
        client(browser, state, origin[0], mine)
        with lock:
            result.samples.extend(mine)

    threads = [
        threading.Thread(target=thread_body, args=(browser, state), daemon=True)
        for browser, state in zip(browsers, states, strict=True)
    ]
    for browser in browsers:
        browser.fresh_connections()  # no keep-alive connection left idle (and closed by gunicorn) before the run
    for thread in threads:
        thread.start()
    origin[0] = time.monotonic()
    barrier.wait()
    for thread in threads:
        # Bounded: a thread's last request ends within the per-request timeout.
        thread.join(timeout=duration + 120)
    result.wall = time.monotonic() - origin[0]
    alive = sum(thread.is_alive() for thread in threads)
    if alive:
        raise RuntimeError(f"{alive} load threads did not finish")
    return result


def run(
    browsers: list[Any],
    steps: list[Step],
    *,
    duration: float,
    states: list[dict[str, Any]] | None = None,
) -> LoadResult:
    """Run `steps` in a loop on every browser (one thread each) for `duration` seconds."""

    def client(browser: Any, state: dict[str, Any], origin: float, mine: list[Sample]) -> None:
        deadline = origin + duration
        while time.monotonic() < deadline:
            for kind, step in steps:
                if time.monotonic() >= deadline:
                    break
                started = time.monotonic()
                ok, detail = _attempt(step, browser, state)
                mine.append(Sample(kind, started, time.monotonic() - started, ok, detail))
                if not ok:
                    break  # start the loop over (e.g. fetch a fresh page) after a failure

    result = LoadResult(clients=len(browsers), duration=duration, wall=0.0)
    return _run_clients(browsers, states or [{} for _ in browsers], client, duration=duration, result=result)


def poisson_schedule(rate: float, duration: float, *, seed: int = 1) -> list[float]:
    """Arrival offsets (seconds from the start) of a Poisson process at `rate` per second."""
    arrivals: list[float] = []
    generator = random.Random(seed)  # noqa: S311 - a reproducible schedule, not a secret
    moment = generator.expovariate(rate)
    while moment < duration:
        arrivals.append(moment)
        moment += generator.expovariate(rate)
    return arrivals


def run_open(
    browsers: list[Any],
    step: Step,
    *,
    rate: float,
    duration: float,
    states: list[dict[str, Any]] | None = None,
    seed: int = 1,
) -> LoadResult:
    """`step` due at Poisson arrivals of `rate` per second for `duration` seconds, sent by the browsers.

    Each browser (one thread, one connection) takes the next due request, waits for
    its time if it is early, sends it and records its latency from the time it was
    due. With every browser busy a due request waits: the wait is part of its latency.
    """
    kind, function = step
    schedule = poisson_schedule(rate, duration, seed=seed)
    lock = threading.Lock()
    next_index = [0]

    def client(browser: Any, state: dict[str, Any], origin: float, mine: list[Sample]) -> None:
        while True:
            with lock:
                index = next_index[0]
                next_index[0] += 1
            if index >= len(schedule):
                return
            due = origin + schedule[index]
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            ok, detail = _attempt(function, browser, state)
            mine.append(Sample(kind, due, time.monotonic() - due, ok, detail))

    result = LoadResult(clients=len(browsers), duration=duration, wall=0.0)
    return _run_clients(browsers, states or [{} for _ in browsers], client, duration=duration, result=result)
