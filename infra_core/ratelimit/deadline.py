"""A deadline on every Redis decision, so a call that timed out is never counted later.

A decision whose reply does not come within the socket timeout is answered by the outage policy
(429, or the in-process fallback). But the EVALSHA was already written to the socket: a paused or
overloaded Redis runs it when it resumes, and the bucket then holds a request that was refused
(fail closed) or counted a second time (fail open). Each call therefore carries the Redis
``TIME`` (µs) after which it must write nothing: this host's send time + the socket timeout,
mapped onto the Redis clock by an offset learned from the replies.

The offset is the smallest ``redis_now - local_send`` seen: never below the true clock offset,
above it by at most the fastest one-way latency, so a deadline is never early, and late by that
latency at most. A deadline found early anyway (Redis' clock stepped ahead) comes back as an
"expired" reply inside the timeout: the offset is relearned from it and the call retried once.
"""

from __future__ import annotations

import time

# Reply of a script run after its deadline: {EXPIRED, 0, 0, redis_now}; nothing was written.
EXPIRED = -1


class RedisClock:
    """This host's clock mapped onto one Redis server's ``TIME``, for per-call deadlines."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.timeout_us = int(timeout * 1_000_000)
        # Until the first reply: assume synchronised clocks (NTP); a Redis clock ahead of ours
        # is corrected by the expired-reply path, one behind only makes the first deadline late.
        self.offset_us = 0
        self._learned = False

    def deadline(self, sent: float) -> int:
        """Return the Redis time (µs) after which a call sent at ``sent`` must write nothing."""
        return int(sent * 1_000_000) + self.offset_us + self.timeout_us

    def observe(self, sent: float, redis_now: int) -> None:
        """Learn from a reply: Redis ran the call sent at ``sent`` at ``redis_now``."""
        sample = int(redis_now) - int(sent * 1_000_000)
        if sample < self.offset_us or not self._learned:
            self.offset_us, self._learned = sample, True

    def relearn(self, sent: float, redis_now: int, *, now: float | None = None) -> bool:
        """Handle an expired reply; return True if it came in time (the offset was wrong)."""
        elapsed = (time.time() if now is None else now) - sent
        if elapsed >= self.timeout:
            return False  # really executed late: a slow server, not a wrong offset
        self.offset_us, self._learned = int(redis_now) - int(sent * 1_000_000), True
        return True
