"""A small in-process sliding-window rate limiter.

It counts events per key (for example a client address) over the last `window_seconds` and
says how long a key must wait once it has `limit` events in the window. The counts live in
the memory of one process: with several app processes behind a load balancer each process
counts on its own, so the effective limit is up to `limit × processes`, and a restart forgets
everything. That is enough to make guessing candidate links slow; a shared limit would need a
shared store (the database or Redis) and is not built.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class SlidingWindowLimiter:
    """At most `limit` events per key in any `window_seconds`; thread-safe."""

    def __init__(
        self,
        limit: int,
        window_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        if limit < 1 or window_seconds <= 0:
            raise ValueError("limit must be at least 1 and window_seconds positive")
        self.limit = limit
        self.window_seconds = window_seconds
        self.max_keys = max_keys
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float] | None:
        events = self._events.get(key)
        if events is None:
            return None
        horizon = now - self.window_seconds
        while events and events[0] <= horizon:
            events.popleft()
        if not events:
            del self._events[key]
            return None
        return events

    def retry_after(self, key: str) -> int:
        """Whole seconds until `key` may act again; 0 when it is not limited now."""
        with self._lock:
            now = self._clock()
            events = self._recent(key, now)
            if events is None or len(events) < self.limit:
                return 0
            # The oldest event that keeps the key at the limit must leave the window.
            release = events[len(events) - self.limit] + self.window_seconds
            return max(1, math.ceil(release - now))

    def hit(self, key: str) -> None:
        """Record one event for `key`."""
        with self._lock:
            now = self._clock()
            events = self._recent(key, now)
            if events is None:
                if len(self._events) >= self.max_keys:
                    self._prune(now)
                events = self._events[key] = deque()
            events.append(now)
            while len(events) > self.limit:  # older events no longer change the answer
                events.popleft()

    def clear(self, key: str) -> None:
        """Forget `key`'s events (e.g. an account's failures after it signs in)."""
        with self._lock:
            self._events.pop(key, None)

    def _prune(self, now: float) -> None:
        """Drop keys without recent events; if still full, the stalest keys (bounded memory)."""
        for key in list(self._events):
            self._recent(key, now)
        overflow = len(self._events) - self.max_keys + 1
        if overflow > 0:
            stalest = sorted(self._events, key=lambda k: self._events[k][-1])[:overflow]
            for key in stalest:
                del self._events[key]

    def reset(self) -> None:
        with self._lock:
            self._events.clear()
