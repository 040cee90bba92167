"""A count of recent events per key, in this process: how many sign-ups one connection made in the last hour.

Process-local on purpose: it guards a form of one server process (``voisinage serve``) against a flood from one
address, with no table to write per attempt. What must hold across processes (the commune-wide cap of sign-ups)
is counted in the database instead.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque


class RecentEvents:
    """The events of each key within the last ``window_s`` seconds (monotonic clock), for at most ``max_keys`` keys.

    Examples
    --------
    >>> seen = RecentEvents(window_s=3600)
    >>> seen.record("198.51.100.7", now=0.0); seen.record("198.51.100.7", now=10.0)
    >>> seen.count("198.51.100.7", now=20.0), seen.count("198.51.100.7", now=3605.0), seen.count("other", now=0.0)
    (2, 1, 0)
    """

    def __init__(self, window_s: float, max_keys: int = 10_000) -> None:
        self._window = window_s
        self._max_keys = max_keys
        self._events: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float] | None:
        events = self._events.get(key)
        if events is None:
            return None
        while events and events[0] <= now - self._window:
            events.popleft()
        if not events:
            del self._events[key]
            return None
        return events

    def count(self, key: str, now: float) -> int:
        """How many events ``key`` had in the window ending at ``now``."""
        with self._lock:
            events = self._recent(key, now)
            return 0 if events is None else len(events)

    def record(self, key: str, now: float) -> None:
        """One more event of ``key`` at ``now``; the least recently seen key is forgotten beyond ``max_keys``."""
        with self._lock:
            events = self._recent(key, now)
            if events is None:
                events = self._events[key] = deque()
            events.append(now)
            self._events.move_to_end(key)
            while len(self._events) > self._max_keys:
                self._events.popitem(last=False)

    def clear(self) -> None:
        """Forget everything (tests)."""
        with self._lock:
            self._events.clear()
