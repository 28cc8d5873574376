"""One dossier's events from several places (two desks of a commune, the upper level), merged the same way everywhere.

Each desk writes its own chain, so after a sync a dossier's history can hold events written at desk 1, at desk 2
and by the upper level. Every place (each desk, the upper-level server) orders them by the same key and folds them
with the same rules, so every place shows the same state:

- order: the moment it happened (``at``), a receipt before anything at the same moment, then desk and sequence
  (a desk's own events keep their order: an action is never dated before the dossier's previous event);
- an event the lifecycle refuses at its place in that order (two desks both returned the result while offline, the
  upper level's decision on a dossier a desk had already closed) is kept in the record but not applied; it is
  reported as a conflict, with the lifecycle's reason, for a person to look at.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from desk_app.domain.errors import TransitionError
from desk_app.domain.lifecycle import DossierState, Event, EventKind, apply

# The upper level's decisions (result ready, supplement requested) are a chain of their own on the server, under
# this desk number; desks of a commune are numbered 0–9.
UPPER_LEVEL_DESK = 99


@dataclass(frozen=True)
class Recorded:
    """An event as recorded in some desk's chain: where it sits (desk, seq) and what it says."""

    desk: int
    seq: int
    event: Event
    uuid: str = ""

    @property
    def from_upper_level(self) -> bool:
        return self.desk == UPPER_LEVEL_DESK


@dataclass(frozen=True)
class Conflict:
    """An event left out of the fold: the lifecycle refused it at its place in the merged order."""

    recorded: Recorded
    reason: str


@dataclass(frozen=True)
class MergedState:
    state: DossierState
    applied: tuple[Recorded, ...]
    conflicts: tuple[Conflict, ...]


def merge_key(recorded: Recorded) -> tuple[dt.datetime, int, int, int]:
    return (recorded.event.at, 0 if recorded.event.kind is EventKind.RECEIVED else 1, recorded.desk, recorded.seq)


def moment_after(last: Recorded, moment: dt.datetime, desk: int) -> dt.datetime:
    """The time for a new event of ``desk`` at ``moment`` that sorts after ``last`` (the dossier's latest event in
    the merged order), so the action a clerk takes after seeing that event follows it everywhere.

    A desk's own later event always follows its earlier ones (a higher sequence number). Another desk's event at the
    same second with a higher desk number (the upper level is desk 99) would sort after it: then the new event is
    dated one second later. Without this a desk's clock a little behind the upper level's would put the return
    before the "result ready" it answers, and every other place would drop the return as a conflict.
    """
    if (moment, 1, desk) > merge_key(last)[:3] or (last.desk == desk and moment >= last.event.at):
        return moment
    return last.event.at + dt.timedelta(seconds=1)


def merged_order(events: Iterable[Recorded]) -> list[Recorded]:
    return sorted(events, key=merge_key)


def fold_merged(events: Iterable[Recorded]) -> MergedState:
    """The dossier's state from all its recorded events, whatever order they arrived in.

    Raises :class:`TransitionError` only when no receipt can start the history (there is no dossier to speak of).
    """
    state: DossierState | None = None
    applied: list[Recorded] = []
    conflicts: list[Conflict] = []
    for recorded in merged_order(events):
        try:
            state = apply(state, recorded.event)
        except TransitionError as error:
            conflicts.append(Conflict(recorded, error.message))
            continue
        applied.append(recorded)
    if state is None:
        raise TransitionError("Hồ sơ không có sự kiện tiếp nhận nào.", field="events")
    return MergedState(state, tuple(applied), tuple(conflicts))


def merged_events(events: Sequence[Recorded]) -> list[Event]:
    """The domain events in merged order (for callers that only need the sequence)."""
    return [r.event for r in merged_order(events)]
