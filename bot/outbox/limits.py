"""Teams delivery limits as exact sliding windows, plus 429 Retry-After pauses.

Teams counts messages per window ("7 per second, 60 per 30 seconds, 1 800 per hour" per
conversation; 50 requests per second per app and tenant). A classic token bucket of capacity
N refilling N per period lets up to 2N through in one window, so each limit here is a sliding
window log instead (at most N timestamps inside any `period`): never over the limit, and the
same average throughput. The clock is injected, so the limiter is tested with a fake clock.

`guard_seconds` lengthens every window a little, and `settle(ticket)` moves a request's count
from the moment it was let go to the moment its answer came back: Teams counts a request when
it arrives, somewhere in between, and without both the network's jitter (a new connection's
handshake, say) would now and then let Teams see (limit + 1) in a window and answer 429.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    limit: int
    period: float  # seconds


TEAMS_CONVERSATION_WINDOWS: tuple[Window, ...] = (Window(7, 1.0), Window(60, 30.0), Window(1800, 3600.0))
TEAMS_APP_WINDOWS: tuple[Window, ...] = (Window(50, 1.0),)


class SlidingWindows:
    """Several windows over one stream of events (one conversation, or the whole app)."""

    def __init__(self, windows: Sequence[Window], guard_seconds: float = 0.0) -> None:
        self.windows = tuple(windows)
        self.guard = guard_seconds
        self._events: deque[list[float]] = deque()  # one mutable [time] cell per event, oldest first
        self._horizon = max((w.period for w in self.windows), default=0.0) + guard_seconds
        self.paused_until = 0.0

    def _trim(self, now: float) -> None:
        while self._events and self._events[0][0] <= now - self._horizon:
            self._events.popleft()

    def wait_time(self, now: float) -> float:
        """Seconds until one more event is allowed (0 = now)."""
        self._trim(now)
        wait = max(0.0, self.paused_until - now)
        n = len(self._events)
        for window in self.windows:
            if window.limit <= 0:
                continue
            # events inside (now - period, now]; the oldest of the last `limit` must leave the window
            if n >= window.limit:
                period = window.period + self.guard
                oldest_relevant = self._events[n - window.limit][0]
                if oldest_relevant > now - period:
                    wait = max(wait, oldest_relevant + period - now)
        return wait

    def record(self, now: float) -> list[float]:
        cell = [now]
        self._events.append(cell)
        return cell

    def settle(self, cell: list[float], at: float) -> None:
        """Count the event at `at` (when its answer came back) instead of when it was let go."""
        if at <= cell[0]:
            return
        cell[0] = at
        if any(self._events[i][0] > self._events[i + 1][0] for i in range(len(self._events) - 1)):
            self._events = deque(sorted(self._events, key=lambda c: c[0]))

    def pause(self, until: float) -> None:
        self.paused_until = max(self.paused_until, until)

    @property
    def idle(self) -> bool:
        return not self._events


@dataclass
class Ticket:
    windows: SlidingWindows
    conversation_cell: list[float]
    app_cell: list[float]


class DeliveryLimiter:
    """Per-conversation and per-app limits; `reserve(conversation)` is all-or-nothing.

    `reserve` returns 0.0 and counts the send when both the conversation and the app may send
    now, else the seconds to wait (nothing counted). Single-threaded (asyncio) use.
    """

    def __init__(
        self,
        conversation_windows: Sequence[Window] = TEAMS_CONVERSATION_WINDOWS,
        app_windows: Sequence[Window] = TEAMS_APP_WINDOWS,
        clock: Callable[[], float] = time.monotonic,
        guard_seconds: float = 0.0,
    ) -> None:
        self.conversation_windows = tuple(conversation_windows)
        self.guard = guard_seconds
        self.app = SlidingWindows(app_windows, guard_seconds)
        self.clock = clock
        self._conversations: dict[str, SlidingWindows] = {}

    def _conversation(self, key: str) -> SlidingWindows:
        windows = self._conversations.get(key)
        if windows is None:
            if len(self._conversations) > 10_000:  # forget idle conversations now and then
                now = self.clock()
                for k in [k for k, w in self._conversations.items() if w.wait_time(now) == 0 and w.idle]:
                    del self._conversations[k]
            windows = self._conversations[key] = SlidingWindows(self.conversation_windows, self.guard)
        return windows

    def wait_time(self, conversation: str) -> float:
        now = self.clock()
        return max(self._conversation(conversation).wait_time(now), self.app.wait_time(now))

    def reserve(self, conversation: str) -> float:
        return self.reserve_ticket(conversation)[0]

    def reserve_ticket(self, conversation: str) -> tuple[float, Ticket | None]:
        """(0.0, ticket) when the send may go now (counted), else (seconds to wait, None)."""
        now = self.clock()
        conv = self._conversation(conversation)
        wait = max(conv.wait_time(now), self.app.wait_time(now))
        if wait > 0:
            return wait, None
        return 0.0, Ticket(conv, conv.record(now), self.app.record(now))

    def settle(self, ticket: Ticket | None) -> None:
        """The send's answer came back: count it from now (see the module doc)."""
        if ticket is None:
            return
        now = self.clock()
        ticket.windows.settle(ticket.conversation_cell, now)
        self.app.settle(ticket.app_cell, now)

    def pause_conversation(self, conversation: str, seconds: float) -> None:
        self._conversation(conversation).pause(self.clock() + seconds)

    def pause_app(self, seconds: float) -> None:
        self.app.pause(self.clock() + seconds)
