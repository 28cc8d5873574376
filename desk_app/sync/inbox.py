"""Taking in the feed: the other desks' events, the upper level's decisions, its published catalog and holidays.

One transaction per page, with the cursors (counters ``sync:events_cursor``, ``sync:publications_cursor``) advanced
in the same transaction: an interruption at any byte neither loses nor doubles anything, and an event already held
(by UUID) is skipped. Foreign events are stored as written (their own desk, sequence number and hashes, sync state
``from_hub``) and their chain head anchored in ``chain:<desk>`` as for the desk's own, so ``desk-app verify`` checks
their chains too. A receipt from another desk creates the dossier row; every touched dossier is re-projected from
all its events (desk_app.services.replay). What cannot be applied is reported, never raised, and kept as a link of
its desk's chain only (``chain_links``: place and hashes, never folded into a dossier) so that chain has no hole:
an event whose content the upper level refused, one for a dossier this desk does not hold, one whose hash does not
match its content, a receipt whose code or lookup key is taken here. Events for a dossier whose receipt came down as a
link only (its code is another dossier here: a desk restored from an old backup re-issued it) become links too, so
they never touch the local dossier of the same code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from desk_app.domain.chain import canonical_json
from desk_app.domain.errors import DomainError
from desk_app.domain.lifecycle import EVENT_VN, EventKind
from desk_app.domain.merge import UPPER_LEVEL_DESK, Conflict
from desk_app.services.audit import record
from desk_app.services.catalog import import_holidays_data, load_catalog_data
from desk_app.services.replay import events_of, replay, reproject
from desk_app.store.counters import last_value, store_value
from desk_app.store.events import SyncState, chain_counter, chain_head
from desk_app.store.models import ChainLink, Dossier, DossierEvent, Setting
from desk_app.sync.protocol import Feed, FeedEvent, Publication, WireEvent
from desk_app.sync.wire import hash_verifies, row_values

log = logging.getLogger(__name__)

EVENTS_CURSOR = "sync:events_cursor"
PUBLICATIONS_CURSOR = "sync:publications_cursor"
HUB_INSTANCE = "sync:hub_instance"  # a row of ``settings`` outside the settings a person sets
UPPER_ACTOR = "cấp trên"


@dataclass
class PageResult:
    stored: int = 0  # foreign events stored
    links: int = 0  # foreign events kept as links of their chain only (not applied)
    already_held: int = 0  # events held before (a page taken twice)
    publications: int = 0  # publications applied
    dossiers: int = 0  # dossiers re-projected
    conflicts: list[str] = field(default_factory=list)  # what could not be applied, for a person to look at
    notes: list[str] = field(default_factory=list)  # what changed besides dossiers (catalog, holidays)


def cursors(session: Session) -> tuple[int, int]:
    """Where the next page starts: (events_after, publications_after)."""
    return last_value(session, EVENTS_CURSOR) or 0, last_value(session, PUBLICATIONS_CURSOR) or 0


def stored_instance(session: Session) -> str:
    """The server database the cursors belong to (``HubStatus.instance``; empty when none was named yet)."""
    row = session.get(Setting, HUB_INSTANCE)
    return row.value if row is not None else ""


def reset_cursors(session: Session, instance: str) -> bool:
    """The cursors now belong to the server database ``instance``: back to the start when they were positions in
    another one (the feed is read again; events already held are skipped by UUID). Returns whether they moved."""
    moved = cursors(session) != (0, 0)
    if moved:
        store_value(session, EVENTS_CURSOR, 0)
        store_value(session, PUBLICATIONS_CURSOR, 0)
    row = session.get(Setting, HUB_INSTANCE)
    if row is None:
        session.add(Setting(key=HUB_INSTANCE, value=instance))
    else:
        row.value = instance
    return moved


def _where(desk: int) -> str:
    return "cấp trên" if desk == UPPER_LEVEL_DESK else f"bàn {desk}"


def _event_text(event: WireEvent) -> str:
    kind = EVENT_VN.get(EventKind(event.kind), event.kind)
    return (f"hồ sơ {event.dossier_code}: sự kiện '{kind}' số {event.seq} của {_where(event.desk)} "
            f"(lúc {event.at[11:16]} ngày {event.at[8:10]}/{event.at[5:7]}/{event.at[:4]})")


def conflict_text(code: str, conflict: Conflict) -> str:
    recorded = conflict.recorded
    kind = EVENT_VN.get(recorded.event.kind, str(recorded.event.kind))
    return (f"Hồ sơ {code}: '{kind}' của {_where(recorded.desk)} lúc {recorded.event.at:%H:%M ngày %d/%m/%Y} "
            f"không áp dụng được ({conflict.reason}); sự kiện vẫn được lưu, cần người xem lại.")


class _Page:
    def __init__(self, session: Session, own_desk: int, now: dt.datetime) -> None:
        self.session = session
        self.own_desk = own_desk
        self.now = now
        self.result = PageResult()
        self.heads: dict[int, tuple[int, str]] = {}
        self.touched: dict[int, Dossier] = {}

    def head(self, desk: int) -> tuple[int, str]:
        """The last place of ``desk``'s chain held here, as an event or as a link."""
        if desk not in self.heads:
            seq, digest = chain_head(self.session, desk)
            link = self.session.execute(select(ChainLink.seq, ChainLink.hash).where(ChainLink.desk == desk)
                                        .order_by(ChainLink.seq.desc()).limit(1)).first()
            self.heads[desk] = (link[0], link[1]) if link is not None and link[0] > seq else (seq, digest)
        return self.heads[desk]

    def refuse(self, event: WireEvent, why: str, tag: str) -> None:
        self.result.conflicts.append(f"Không nhận {_event_text(event)}: {why}.")
        log.warning("sync: feed event desk %d seq %d not taken in (%s)", event.desk, event.seq, tag)

    def link(self, event: WireEvent, why: str, tag: str) -> None:
        """Not applied, but kept as a link of its desk's chain (when its place is free), so the chain has no hole.

        A rejected event must never change a dossier: only its place and hashes are stored."""
        self.refuse(event, why, tag)
        seq, _ = self.head(event.desk)
        if event.seq <= seq:
            return  # its place is taken here: the refusal above is all there is
        if event.seq != seq + 1 or event.prev_hash != self.head(event.desk)[1]:
            self.result.conflicts.append(f"Chuỗi sự kiện của {_where(event.desk)} không liền mạch trước "
                                         f"{_event_text(event)}; vị trí này vẫn được ghi nhận.")
        self.session.add(ChainLink(desk=event.desk, seq=event.seq, uuid=event.uuid, dossier_code=event.dossier_code,
                                   kind=event.kind, prev_hash=event.prev_hash, hash=event.hash, reason=why[:2000],
                                   taken_at=self.now))
        self.heads[event.desk] = (event.seq, event.hash)
        self.result.links += 1

    def take(self, item: FeedEvent, held: set[str]) -> None:
        event = item.event
        if event.uuid in held:
            self.result.already_held += 1
            return
        held.add(event.uuid)
        if event.desk == self.own_desk:
            self.refuse(event, "sự kiện mang số bàn của chính bàn này nhưng máy không có; kiểm tra số bàn trong "
                               "Thiết lập hoặc máy đã được khôi phục từ bản sao lưu cũ", "own desk")
            return
        if item.rejected:
            self.link(event, f"cấp trên đã từ chối nội dung sự kiện này ({item.rejected})", "rejected")
            return
        if not hash_verifies(event):
            self.link(event, "nội dung không khớp mã băm (dữ liệu hỏng trên đường truyền hoặc bị sửa)", "hash")
            return
        seq, prev = self.head(event.desk)
        if event.seq <= seq:
            self.refuse(event, f"máy đã có một sự kiện khác ở vị trí số {event.seq} của chuỗi {_where(event.desk)}",
                        "position taken")
            return
        dossier = self._dossier_for(event)
        if dossier is None:
            return
        if event.seq != seq + 1 or event.prev_hash != prev:
            self.result.conflicts.append(f"Chuỗi sự kiện của {_where(event.desk)} không liền mạch trước "
                                         f"{_event_text(event)}; sự kiện vẫn được lưu.")
        self.session.add(DossierEvent(**row_values(event, dossier_id=dossier.id,
                                                   sync_state=SyncState.FROM_HUB.value)))
        self.heads[event.desk] = (event.seq, event.hash)
        self.touched[dossier.id] = dossier
        self.result.stored += 1

    def _dossier_for(self, event: WireEvent) -> Dossier | None:
        if event.kind != EventKind.RECEIVED.value:
            dossier = self.session.scalar(select(Dossier).where(Dossier.code == event.dossier_code))
            if dossier is None:
                self.link(event, "máy không có hồ sơ này", "unknown dossier")
            elif self._receipt_is_a_link(event.dossier_code):
                self.link(event, "hồ sơ cùng mã trên máy này là một hồ sơ khác với hồ sơ cấp trên đang giữ (máy có thể "
                                 "đã được khôi phục từ bản sao lưu cũ và cấp lại mã này)", "code forked")
                return None
            return dossier
        probe = DossierEvent(**row_values(event, dossier_id=0, sync_state=SyncState.FROM_HUB.value))
        try:
            columns = replay([probe]).columns
        except (DomainError, KeyError, TypeError, ValueError) as error:
            self.link(event, f"nội dung tiếp nhận không đầy đủ ({type(error).__name__})", "incomplete receipt")
            return None
        existing = self.session.scalar(select(Dossier.id).where(
            (Dossier.code == event.dossier_code) | (Dossier.lookup_key == columns["lookup_key"])))
        if existing is not None:
            self.link(event, "máy đã có một hồ sơ cùng mã hồ sơ hoặc cùng mã tra cứu", "code taken")
            return None
        dossier = Dossier(**columns)
        try:
            with self.session.begin_nested():
                self.session.add(dossier)
                self.session.flush()
        except IntegrityError:
            self.link(event, "trùng số thứ tự sổ theo dõi với một hồ sơ đã có (hai bàn cùng số bàn?)", "ledger taken")
            return None
        return dossier

    def _receipt_is_a_link(self, code: str) -> bool:
        """The receipt of this code came down as a link only: the local dossier of that code is another one."""
        return self.session.scalar(select(ChainLink.id).where(
            ChainLink.dossier_code == code, ChainLink.kind == EventKind.RECEIVED.value).limit(1)) is not None

    def reproject_touched(self) -> None:
        if not self.touched:
            return
        self.session.flush()
        grouped = events_of(self.session, list(self.touched))
        for dossier_id, dossier in self.touched.items():
            try:
                conflicts = reproject(dossier, grouped[dossier_id])
            except (DomainError, KeyError, TypeError, ValueError) as error:
                self.result.conflicts.append(f"Hồ sơ {dossier.code}: không dựng lại được từ lịch sử sự kiện "
                                             f"({type(error).__name__}); cần người xem lại.")
                continue
            self.result.dossiers += 1
            self.result.conflicts.extend(conflict_text(dossier.code, c) for c in conflicts)

    def anchor(self) -> None:
        for desk, (seq, _) in self.heads.items():
            if seq > (last_value(self.session, chain_counter(desk)) or 0):
                store_value(self.session, chain_counter(desk), seq)

    def publish(self, publication: Publication) -> None:
        digest = hashlib.sha256(canonical_json(publication.content).encode("utf-8")).hexdigest()
        what = "danh mục thủ tục" if publication.kind == "catalog" else "lịch nghỉ chính thức"
        if digest != publication.sha256:
            self.result.conflicts.append(f"Không áp dụng {what} cấp trên ban hành ngày {publication.published_at[:10]}:"
                                         " nội dung không khớp mã kiểm tra.")
            return
        try:
            with self.session.begin_nested():
                if publication.kind == "catalog":
                    count = load_catalog_data(self.session, dict(publication.content))
                    note = f"Đã cập nhật danh mục thủ tục do cấp trên ban hành ({count} thủ tục)."
                else:
                    years = import_holidays_data(self.session, dict(publication.content))
                    record(self.session, at=self.now, actor=UPPER_ACTOR, action="holidays",
                           target=", ".join(map(str, years)),
                           detail={"operation": "publication", "publication": publication.id})
                    note = f"Đã cập nhật lịch nghỉ chính thức năm {', '.join(map(str, years))} do cấp trên ban hành."
                self.session.flush()
        except (DomainError, KeyError, TypeError, ValueError, IntegrityError) as error:
            message = getattr(error, "message", type(error).__name__)
            self.result.conflicts.append(f"Không áp dụng được {what} cấp trên ban hành (số {publication.id}): "
                                         f"{message}")
            return
        self.result.publications += 1
        self.result.notes.append(note)


def take_in(session: Session, feed: Feed, *, own_desk: int, now: dt.datetime) -> PageResult:
    """Take one page of the feed into the caller's transaction, the cursors with it."""
    page = _Page(session, own_desk, now)
    uuids = [item.event.uuid for item in feed.events]
    held: set[str] = set()
    if uuids:
        held.update(session.scalars(select(DossierEvent.uuid).where(DossierEvent.uuid.in_(uuids))))
        held.update(session.scalars(select(ChainLink.uuid).where(ChainLink.uuid.in_(uuids))))
    for item in feed.events:
        page.take(item, held)
    page.reproject_touched()
    page.anchor()
    for publication in feed.publications:
        page.publish(publication)
    events_after, publications_after = cursors(session)
    store_value(session, EVENTS_CURSOR, max(events_after, feed.events_cursor))
    store_value(session, PUBLICATIONS_CURSOR, max(publications_after, feed.publications_cursor))
    return page.result
