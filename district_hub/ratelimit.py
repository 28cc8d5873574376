"""Token buckets in memory: how many requests a key (a commune's token, a client's address) may make, and when.

A :class:`Rate` lets ``burst`` requests through at once and refills at ``per_minute`` a minute. :class:`Buckets`
keeps one bucket per key for one rate, thread-safe, in bounded memory: a bucket that has refilled completely is
the same as no bucket and is dropped (the least recently used are looked at first), and past ``max_keys`` buckets
the least recently used is dropped even if not full (under a flood of new keys an old one may get a fresh burst;
memory stays bounded). No Redis: one server process, the buckets live and die with it.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from desk_app.domain.errors import ValidationError

MAX_KEYS = 10_000
_RATE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(\d+)\s*$")
_OFF = frozenset({"0", "off", "tắt", "none"})


@dataclass(frozen=True)
class Rate:
    per_minute: float  # requests a minute, sustained
    burst: int  # requests at once (the bucket's size)

    def __post_init__(self) -> None:
        if self.per_minute <= 0 or self.burst < 1:
            raise ValueError("a rate needs per_minute > 0 and burst >= 1")

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0

    def __str__(self) -> str:
        return f"{self.per_minute:g}/{self.burst}"

    @classmethod
    def parse(cls, text: str, what: str = "giới hạn") -> Rate | None:
        """``"60/30"`` (60 a minute, 30 at once); ``"0"`` or ``"off"``: no limit (None)."""
        value = text.strip().lower()
        if value in _OFF:
            return None
        match = _RATE_RE.match(value)
        if match is None or float(match[1]) <= 0 or int(match[2]) < 1:
            raise ValidationError(f"{what} '{text[:40]}' không hợp lệ: ghi dạng SỐ_MỖI_PHÚT/SỐ_CÙNG_LÚC, ví dụ 60/30 "
                                  "(60 yêu cầu mỗi phút, tối đa 30 yêu cầu liền nhau), hoặc 0 để không giới hạn.",
                                  field="rate")
        return cls(float(match[1]), int(match[2]))


class Buckets:
    """One token bucket per key for one :class:`Rate` (see the module's docstring)."""

    def __init__(self, rate: Rate, *, max_keys: int = MAX_KEYS, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key → (tokens, at); oldest first

    def __len__(self) -> int:
        return len(self._buckets)

    def _tokens(self, key: str, now: float) -> float:
        held = self._buckets.get(key)
        if held is None:
            return float(self.rate.burst)
        tokens, at = held
        return min(float(self.rate.burst), tokens + (now - at) * self.rate.per_second)

    def _evict(self, now: float) -> None:
        while self._buckets:
            oldest = next(iter(self._buckets))
            if self._tokens(oldest, now) < self.rate.burst and len(self._buckets) <= self.max_keys:
                return
            del self._buckets[oldest]

    def take(self, key: str) -> float:
        """Take one token for ``key``: 0.0 when the request may go, else the seconds until it may."""
        with self._lock:
            now = self._clock()
            tokens = self._tokens(key, now)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                self._buckets.move_to_end(key)
                self._evict(now)
                return 0.0
            return (1.0 - tokens) / self.rate.per_second

    def wait(self, key: str) -> float:
        """The seconds until ``key`` has a token again, taking none (0.0: it has one now)."""
        with self._lock:
            tokens = self._tokens(key, self._clock())
            return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate.per_second
