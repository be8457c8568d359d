"""Failed logins are limited per user name and client, to make guessing passwords slow.

A sliding window of one minute: after ``limit`` failures for a (user name, client) pair, further
attempts for that pair are refused with 429 until the oldest failure is a minute old; a successful
login clears the pair. The state is per process (each worker counts on its own), held in memory and
bounded, so a flood of invented user names cannot exhaust memory.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

WINDOW_SECONDS = 60.0
# Pairs remembered at most; the least recently failed pair is forgotten first.
MAX_KEYS = 10_000

Key = tuple[str, str]


class LoginThrottle:
    """Counts failed logins per (user name, client) in a sliding one-minute window."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self._failures: OrderedDict[Key, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(user_name: str, client: str) -> Key:
        """Case-insensitive in the name, so ``Desk`` and ``desk`` share their failures."""
        return (user_name.casefold(), client)

    def retry_after(self, key: Key) -> int:
        """Seconds until ``key`` may try again; 0 when it may try now."""
        with self._lock:
            failures = self._recent(key)
            if len(failures) < self.limit:
                return 0
            return max(1, int(failures[0] + WINDOW_SECONDS - self.clock()) + 1)

    def failed(self, key: Key) -> None:
        """Record one failed attempt."""
        with self._lock:
            failures = self._recent(key)
            failures.append(self.clock())
            self._failures[key] = failures
            self._failures.move_to_end(key)
            while len(self._failures) > MAX_KEYS:
                self._failures.popitem(last=False)

    def succeeded(self, key: Key) -> None:
        """Forget the failures of ``key`` after a correct password."""
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: Key) -> deque[float]:
        failures = self._failures.get(key, deque())
        horizon = self.clock() - WINDOW_SECONDS
        while failures and failures[0] <= horizon:
            failures.popleft()
        return failures
