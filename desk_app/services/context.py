"""What every use case needs: the database, the injected clock, who acts; and the checks shared by all writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from desk_app.domain.errors import DomainError, ValidationError
from desk_app.services.clock import Clock, local
from desk_app.store.db import Database
from desk_app.store.events import latest_recorded_at
from desk_app.store.models import Setting, to_db_time

# How far the clock may lag the latest recorded event (two desks' clocks differ a little), and how far ahead of
# the clock a clerk may date an action (a slow clock on the counter PC).
CLOCK_TOLERANCE = dt.timedelta(minutes=2)
FUTURE_TOLERANCE = dt.timedelta(minutes=5)


class ClockError(DomainError):
    """The system clock reads earlier than the latest recorded event: times written now would be wrong."""


@dataclass
class ServiceContext:
    db: Database
    clock: Clock
    actor: str
    # The signed-in user's role (admin | leader | clerk); "system" for the command line, run by whoever holds the
    # database file. Services that a role may not use check it (desk_app.services.accounts.require).
    role: str = "system"

    @contextmanager
    def write(self) -> Iterator[tuple[Session, dt.datetime]]:
        """One transaction: commits if the block finishes, rolls everything back on any error."""
        with self.db.write_session() as session, session.begin():
            now = self.clock.now()
            check_clock(session, now)
            yield session, now

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.db.session() as session:
            yield session


CLOCK_ACKNOWLEDGED = "clock_acknowledged"  # settings row: the recorded time an administrator declared wrong


def _desk(session: Session) -> int:
    row = session.get(Setting, "desk")
    return int(row.value) if row is not None else 0


def check_clock(session: Session, now: dt.datetime) -> None:
    """Refuse to write while the clock reads earlier than the last event written (the clock went backwards)."""
    latest = latest_recorded_at(session, _desk(session))
    if latest is None or now >= latest - CLOCK_TOLERANCE:
        return
    acknowledged = session.get(Setting, CLOCK_ACKNOWLEDGED)
    if acknowledged is not None and acknowledged.value == to_db_time(latest):
        return  # that last time was itself wrong (a clock set ahead), as the administrator declared
    raise ClockError(
        f"ĐỒNG HỒ MÁY TÍNH ĐANG SAI: máy báo {now:%H:%M ngày %d/%m/%Y} nhưng sự kiện gần nhất đã ghi lúc "
        f"{latest:%H:%M ngày %d/%m/%Y}. Hãy chỉnh lại ngày giờ của máy trước khi tiếp nhận hoặc xử lý hồ sơ, để giấy "
        "hẹn và sổ theo dõi không ghi sai thời gian. Nếu chính thời điểm đã ghi kia mới sai (máy từng bị đặt giờ "
        "vượt lên), quản trị viên xác nhận bằng lệnh: desk-app accept-clock",
        field="clock",
    )


def acknowledge_clock(session: Session, now: dt.datetime) -> dt.datetime | None:
    """Declare the last recorded time wrong (set ahead), so writing can resume at the present, correct time.

    Returns the time acknowledged, or None when the clock is not behind the record at all.
    """
    latest = latest_recorded_at(session, _desk(session))
    if latest is None or now >= latest - CLOCK_TOLERANCE:
        return None
    row = session.get(Setting, CLOCK_ACKNOWLEDGED)
    if row is None:
        session.add(Setting(key=CLOCK_ACKNOWLEDGED, value=to_db_time(latest)))
    else:
        row.value = to_db_time(latest)
    return latest


def action_time(at: dt.datetime | None, now: dt.datetime, *, not_before: dt.datetime | None = None,
                field: str = "at") -> dt.datetime:
    """The moment an action happened: ``now`` by default, or a time the clerk gives (not in the future).

    Without a given time, a clock a little behind the dossier's previous event (within the tolerance the write
    check allows) records the action at that event's time, never before it.
    """
    if at is None:
        return max(now, not_before) if not_before is not None else now
    moment = local(at).replace(microsecond=0)
    if moment > now + FUTURE_TOLERANCE:
        raise ValidationError(
            f"Thời điểm {moment:%H:%M ngày %d/%m/%Y} nằm trong tương lai (bây giờ là {now:%H:%M ngày %d/%m/%Y}).",
            field=field,
        )
    if not_before is not None and moment < not_before:
        raise ValidationError(
            f"Thời điểm {moment:%H:%M ngày %d/%m/%Y} sớm hơn sự kiện trước đó của hồ sơ "
            f"({not_before:%H:%M ngày %d/%m/%Y}).",
            field=field,
        )
    return moment
