"""The server's clock and its one way of writing times: Vietnamese local time, as text.

Every time the server stores is ``YYYY-MM-DD HH:MM:SS`` in Asia/Ho_Chi_Minh, like the events the desks send (their
hash covers exactly that text), so dates compare as text on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

Clock = Callable[[], dt.datetime]


def system_now() -> dt.datetime:
    return dt.datetime.now(VN_TZ).replace(microsecond=0)


SEVEN_HOURS = dt.timedelta(hours=7)


def to_text(moment: dt.datetime) -> str:
    """The stored text of an aware (or naive local) time."""
    if moment.tzinfo is not None and moment.utcoffset() == SEVEN_HOURS:  # already Vietnamese time: no conversion
        return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
    local = moment.replace(tzinfo=VN_TZ) if moment.tzinfo is None else moment.astimezone(VN_TZ)
    return local.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")


def from_text(text: str) -> dt.datetime:
    """An aware Vietnamese time from its stored text (``ValueError`` when the text is no real moment)."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


def iso_with_offset(text: str) -> str:
    """``2026-03-02T09:00:00+07:00`` from the stored text."""
    return from_text(text).isoformat()


def shown(text: str | None) -> str:
    """``09:00 02/03/2026`` for a page, or an empty string."""
    if not text:
        return ""
    return f"{from_text(text):%H:%M %d/%m/%Y}"


def shown_date(text: str | None) -> str:
    if not text:
        return ""
    return f"{from_text(text):%d/%m/%Y}"
