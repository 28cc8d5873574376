"""The one clock of the application, injected into every service (tests pass a fixed one)."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from desk_app.store.models import VN_TZ


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class SystemClock:
    """Wall-clock time in Vietnam (Asia/Ho_Chi_Minh), timezone-aware."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(VN_TZ).replace(microsecond=0)


class FixedClock:
    """A clock that reads what it is told; ``advance`` moves it forward."""

    def __init__(self, moment: dt.datetime) -> None:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=VN_TZ)
        self.moment = moment

    def now(self) -> dt.datetime:
        return self.moment.replace(microsecond=0)

    def advance(self, **delta: float) -> None:
        self.moment += dt.timedelta(**delta)


def local(moment: dt.datetime) -> dt.datetime:
    """Make a naive local time aware (Vietnam); convert an aware one to Vietnam time."""
    return moment.replace(tzinfo=VN_TZ) if moment.tzinfo is None else moment.astimezone(VN_TZ)
