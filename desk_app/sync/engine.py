"""One sync with the upper level: look at what the server holds, push this desk's outbox, take in the feed.

The API the GUI (a worker thread) and ``desk-app sync`` use: :func:`run_sync` and :func:`probe`. A run never raises
for the network: it retries with back-off (1 s, 2 s, 4 s), then ends ``unreachable`` with nothing lost, and every
acknowledged event is acknowledged by the server's own answer. Its write transactions are short (one batch's states,
one feed page), so the clerk's saves are never held up; it never touches Qt. Each run is recorded in ``sync_runs``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Literal, TypeVar

import httpx
from sqlalchemy.orm import Session

from desk_app import __version__
from desk_app.services.context import ServiceContext
from desk_app.services.settings import SettingsService
from desk_app.store.events import clear_restored
from desk_app.store.models import SyncRun
from desk_app.sync import client as client_module
from desk_app.sync.client import (
    HubBusy,
    HubClient,
    HubError,
    HubProtocolError,
    HubRefused,
    HubTooLarge,
    encode_push,
)
from desk_app.sync.inbox import cursors, reset_cursors, stored_instance, take_in
from desk_app.sync.outbox import (
    Batch,
    SetAsideEvent,
    acknowledge,
    chain_end,
    hash_at,
    mark_sent,
    next_batch,
    pending_count,
    requeue_beyond,
    set_aside,
    set_aside_events,
)
from desk_app.sync.protocol import MAX_BATCH_EVENTS, MAX_FEED_LIMIT, HubStatus, PushBatch, Refusal, Rejected
from desk_app.sync.recovery import NotOurs, TakenBack, continues, take_back

__all__ = ["SetAsideEvent", "SyncOutcome", "SyncProgress", "probe", "run_sync"]

log = logging.getLogger(__name__)

RETRY_DELAYS: tuple[float, ...] = (1.0, 2.0, 4.0)  # back-off between tries of one request, within one run
BATCH_EVENTS = 1000  # events in one push, the protocol's most (MAX_BATCH_EVENTS); halved on 413
MAX_RETRY_AFTER = 60.0  # seconds: the longest wait a server's Retry-After (429) gets within one run
FEED_PAGE = 500  # events asked for in one feed page (one transaction each)

Status = Literal["ok", "unreachable", "set_aside", "refused", "not_configured", "cancelled"]
EXIT_CODES: dict[str, int] = {"ok": 0, "refused": 2, "not_configured": 2, "unreachable": 3, "set_aside": 4,
                              "cancelled": 3}


@dataclass(frozen=True)
class SyncProgress:
    phase: str  # "connect" | "push" | "pull" | "done"
    sent: int
    to_send: int
    received: int
    message: str  # Vietnamese, e.g. "Đang gửi 500/1200 sự kiện…"


@dataclass(frozen=True)
class SyncOutcome:
    status: Status
    sent: int  # events the server acknowledged during this run
    received: int  # events of other desks and of the upper level taken in
    set_aside: tuple[SetAsideEvent, ...]  # every event of this desk the server refused, still set aside (this
    # run's and earlier runs'): while any remain the status is "set_aside"
    conflicts: tuple[str, ...]  # what came down but could not be applied, for a person to look at
    message: str
    started_at: dt.datetime
    finished_at: dt.datetime
    waiting: int = 0  # this desk's events still not acknowledged after the run (the chain stalled at a refused link,
    # or the run stopped before sending them)

    @property
    def exit_code(self) -> int:
        """``desk-app sync``: 0 ok, 2 refused or not configured, 3 unreachable (nothing lost), 4 set aside."""
        return EXIT_CODES[self.status]


class _Stop(Exception):
    def __init__(self, status: Status, message: str) -> None:
        super().__init__(message)
        self.status: Status = status
        self.message = message


T = TypeVar("T")


@dataclass
class _Tally:
    sent: int = 0
    to_send: int = 0
    received: int = 0
    publications: int = 0
    set_aside: set[int] = field(default_factory=set)
    conflicts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Prepared:
    """A batch and its request body, ready to go."""

    batch: Batch
    body: bytes


class _Run:
    def __init__(self, ctx: ServiceContext, client: HubClient, *, desk: int, agency: str,
                 progress: Callable[[SyncProgress], None] | None, cancel: threading.Event | None,
                 sleep: Callable[[float], None]) -> None:
        self.ctx = ctx
        self.client = client
        self.desk = desk
        self.agency = agency
        self.progress = progress
        self.cancel = cancel
        self.sleep = sleep
        self.tally = _Tally()
        self.server_seq = 0
        self.blocked: set[int] = set()  # sequence numbers refused in this run (uuid conflict, chain break)

    # -- helpers --------------------------------------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[Session]:
        with self.ctx.db.write_session() as session, session.begin():
            yield session

    def tell(self, phase: str, message: str) -> None:
        if self.progress is not None:
            t = self.tally
            self.progress(SyncProgress(phase, t.sent, max(t.to_send, t.sent), t.received, message))

    def check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise _Stop("cancelled", "Đã dừng đồng bộ theo yêu cầu; không mất gì: các sự kiện chưa gửi vẫn chờ gửi "
                                     "lần sau.")

    def wait(self, seconds: float) -> None:
        if self.cancel is not None and self.sleep is time.sleep:
            self.cancel.wait(seconds)
        else:
            self.sleep(seconds)

    def call(self, request: Callable[[], T], phase: str) -> T:
        """One request, tried again after 1, 2 and 4 s when the network or the server failed."""
        for delay in (*RETRY_DELAYS, None):
            self.check_cancel()
            try:
                return request()
            except HubError as error:
                if not error.retryable:
                    raise
                if delay is None:
                    raise _Stop("unreachable", error.message) from None
                busy = isinstance(error, HubBusy)
                if isinstance(error, HubBusy):  # its Retry-After, within reason (at most a minute a try)
                    delay = max(delay, min(error.retry_after or 0.0, MAX_RETRY_AFTER))
                log.info("sync: %s failed (%s), trying again in %.0f s", phase, type(error).__name__, delay)
                self.tell(phase, f"Máy chủ cấp trên đang bận; thử lại sau {delay:g} giây…" if busy
                          else f"Mất kết nối với cấp trên; thử lại sau {delay:g} giây…")
                self.wait(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- the phases -----------------------------------------------------------------------------------------------
    def connect(self) -> None:
        self.tell("connect", "Đang kết nối máy chủ cấp trên…")
        try:
            status = self.call(self.client.status, "connect")
        except HubError as error:  # a wrong token (401), another commune's (403), an unknown answer
            raise _Stop("refused", error.message) from None
        if status.commune != self.agency:
            raise _Stop("refused", f"Mã bí mật đang dùng là của {status.commune_name} (mã cơ quan {status.commune}), "
                                   f"không phải của xã này (mã cơ quan {self.agency}). Kiểm tra lại mã bí mật và mã cơ "
                                   "quan trong Thiết lập → Đồng bộ cấp trên. Chưa gửi gì.")
        self.follow_instance(status)
        head = status.desks.get(str(self.desk))
        self.server_seq = head.seq if head is not None else 0
        with self.ctx.db.session() as session:
            ours = chain_end(session, self.desk)
        if ours < self.server_seq and self.recover():
            with self.ctx.db.session() as session:
                ours = chain_end(session, self.desk)
        with self.ctx.db.session() as session:
            local_hash = hash_at(session, self.desk, self.server_seq) if head is not None and head.seq else None
        if head is not None and head.seq > 0:
            self.check_fork(head.seq, head.hash, ours, local_hash)
        with self.write() as session:
            requeued = requeue_beyond(session, self.desk, self.server_seq)
            self.tally.to_send = pending_count(session, self.desk)
            if clear_restored(session):  # compared with the upper level: the restored desk may write again
                log.info("sync: the restored desk is in step with the server again")
        if requeued:
            log.warning("sync: the server holds desk %d only up to %d; %d acknowledged events queued again",
                        self.desk, self.server_seq, requeued)
            self.tally.notes.append(f"Cấp trên chỉ còn giữ đến sự kiện số {self.server_seq} của bàn này (máy chủ có "
                                    f"thể đã khôi phục từ bản sao lưu): {requeued} sự kiện được gửi lại.")

    def recover(self) -> bool:
        """Take back this desk's own events the server holds beyond the local chain: the desk was restored from an
        older backup and wrote nothing since. Returns False, taking nothing, when what the server holds does not
        continue the local chain (a fork, refused by :meth:`check_fork`) or the server cannot give them back."""
        taken = TakenBack()
        while True:
            self.check_cancel()
            with self.ctx.db.session() as session:
                ours = chain_end(session, self.desk)
            if ours >= self.server_seq:
                break
            self.tell("connect", f"Đang lấy lại từ cấp trên các sự kiện của bàn này đã gửi trước đây: {taken.events}…")
            try:
                page = self.call(partial(self.client.own_events, desk=self.desk, after=ours,
                                         limit=min(FEED_PAGE, MAX_FEED_LIMIT)), "connect")
            except HubProtocolError:  # a server too old to give them back
                log.warning("sync: the server cannot give desk %d its own events back", self.desk)
                return False
            try:
                with self.write() as session:
                    if not page.events or not continues(session, self.desk, page.events[0]):
                        raise NotOurs("sự kiện tiếp theo trên máy chủ không nối tiếp chuỗi trên máy này")
                    part = take_back(session, page, desk=self.desk, now=self.ctx.clock.now())
            except NotOurs as fork:
                log.error("sync: desk %d cannot take its own events back from the server: %s", self.desk,
                          type(fork).__name__)
                return False
            taken.events += part.events
            taken.dossiers += part.dossiers
            taken.set_aside += part.set_aside
        if taken.events:
            log.warning("sync: desk %d took back %d of its own events from the server", self.desk, taken.events)
            self.tally.notes.append(
                f"Máy này đã được khôi phục từ một bản sao lưu cũ hơn dữ liệu đã gửi lên cấp trên: đã lấy lại "
                f"{taken.events} sự kiện của bàn này từ cấp trên ({taken.dossiers} hồ sơ), không mất gì. Mã hồ sơ và số "
                "sổ theo dõi tiếp nhận từ nay nối tiếp các số đã cấp.")
        return True

    def follow_instance(self, status: HubStatus) -> None:
        """A server database replaced (restored from a backup, moved) reuses its feed positions: read the feed again
        from the start (events already held are skipped by UUID). An old server names no instance: nothing to do."""
        if not status.instance:
            return
        with self.write() as session:
            before = stored_instance(session)
            if before == status.instance:
                return
            reset = reset_cursors(session, status.instance)
        if reset:
            log.warning("sync: the server's database changed; the feed is read again from the start")
            self.tally.notes.append("Cơ sở dữ liệu của máy chủ cấp trên đã thay đổi (khôi phục từ bản sao lưu hoặc "
                                    "chuyển máy): dữ liệu từ cấp trên được nhận lại từ đầu, không nhận trùng.")

    def check_fork(self, server_seq: int, server_hash: str, ours: int, local_hash: str | None) -> None:
        """Stop before anything moves when this desk's chain and the server's copy of it have parted.

        - The local event at the server's head differs from the server's (whether the local chain is longer, as
          long or shorter is beside the point): the desk wrote other events under numbers the server already
          holds, typically after being restored from a backup taken before a sync. Pushing would be refused as a
          chain break for ever, and its dossier codes may duplicate codes the upper level already holds.
        - The local chain is shorter than the server's and :meth:`recover` could not take the rest back (what the
          server holds does not continue the local chain, or the server is too old to give a desk its own events
          back): the desk's next events would reuse sequence numbers (and dossier codes) the server already
          holds: refused too.
        - The server's chain shorter than ours with the same event at its head is the known case of a server
          restored from an older backup: not a fork, what it lost is queued again (``requeue_beyond``).
        """
        where = f"bàn {self.desk}"
        if ours < server_seq:
            lost = f"sự kiện số {server_seq}" if ours + 1 == server_seq else f"các sự kiện số {ours + 1}–{server_seq}"
            log.error("sync: desk %d holds %d events, the server %d: refused", self.desk, ours, server_seq)
            raise _Stop("refused", (
                f"Dữ liệu của {where} trên máy này đã lệch khỏi dữ liệu cấp trên đang giữ: cấp trên đã nhận "
                f"{server_seq} sự kiện của {where}, máy này chỉ còn {ours}. Thường là do máy đã được khôi phục từ một "
                f"bản sao lưu cũ sau khi đã đồng bộ: {lost} không còn trên máy, và các hồ sơ tiếp nhận từ nay có thể "
                "trùng mã và trùng "
                "số thứ tự với hồ sơ cấp trên đã có. Không tiếp tục làm việc trên bàn này; quản trị viên liên hệ cấp "
                "trên để đối chiếu và khôi phục dữ liệu. Chưa gửi, chưa nhận gì."))
        if local_hash is not None and local_hash != server_hash:
            log.error("sync: desk %d event %d differs from the server's: refused", self.desk, server_seq)
            raise _Stop("refused", (
                f"Dữ liệu của {where} trên máy này đã lệch khỏi dữ liệu cấp trên đang giữ: sự kiện số {server_seq} "
                f"của {where} trên máy khác với sự kiện cùng số cấp trên đã nhận. Thường là do máy đã được khôi phục từ "
                "một bản sao lưu cũ sau khi đã đồng bộ, rồi ghi tiếp: các mã hồ sơ cấp từ đó có thể trùng với mã hồ sơ "
                "cấp trên đã có. Không tiếp tục làm việc trên bàn này; quản trị viên liên hệ cấp trên để đối chiếu "
                "và khôi phục dữ liệu. Chưa gửi, chưa nhận gì."))

    def push(self) -> None:
        """Push the outbox, batch after batch, one request at a time.

        While the server stores a batch, a helper thread reads the next one and builds its body (the desk's work and
        the server's overlap instead of taking turns). The requests, their retries and every write stay on this
        thread, so a cancel, an error or Ctrl+C stops the run as before (the helper's read ends on its own). A batch
        is marked ``sent`` as it goes out (one built ahead: in the transaction that acknowledges the batch before
        it), and one built ahead is dropped whenever the answer leaves the server's head anywhere but at its start.
        """
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-build") as builder:
            self._push(builder)

    def _push(self, builder: ThreadPoolExecutor) -> None:
        limit = BATCH_EVENTS
        last: tuple[object, ...] | None = None
        ahead: _Prepared | None = None  # the next batch, built while the one before it was on its way
        marked = False  # ahead's events already marked sent (with the acknowledgement of the batch before it)
        while True:
            self.check_cancel()
            prepared = ahead if ahead is not None and ahead.batch.first == self.server_seq + 1 else None
            ahead = None
            if prepared is None:
                prepared, marked = self.prepare(limit), False
            if prepared is None:
                return
            batch = prepared.batch
            if not marked:
                with self.write() as session:
                    mark_sent(session, self.desk, batch)
            marked = False
            self.tell("push", f"Đang gửi {self.tally.sent}/{max(self.tally.to_send, self.tally.sent)} sự kiện…")
            building: Future[_Prepared | None] | None = None
            if batch.first == self.server_seq + 1:  # a run forward from the server's head: the next one follows it
                building = builder.submit(self.prepare, limit, after=batch.last)
            try:
                result = self.call(partial(self.client.push_body, prepared.body), "push")
            except HubTooLarge:
                if len(batch) == 1:
                    raise _Stop("refused", "Một sự kiện lớn hơn mức máy chủ cấp trên nhận; liên hệ cấp trên.") from None
                limit = max(1, len(batch) // 2)
                continue
            except HubRefused as refused:
                signature = self.refused(batch.events[0].uuid, batch.events[0].seq, refused.refusal)
            except HubError as error:  # the token revoked meanwhile, a version mismatch
                raise _Stop("refused", error.message) from None
            else:
                ahead = building.result() if building is not None else None  # built by now, as a rule
                with self.write() as session:
                    acknowledged, aside = acknowledge(session, self.desk, batch, result)
                    self.server_seq = max(result.last_seq, 0)
                    if ahead is not None and ahead.batch.first == self.server_seq + 1:  # it goes next: one commit
                        mark_sent(session, self.desk, ahead.batch)
                        marked = True
                self.tally.sent += acknowledged
                self.tally.set_aside.update(aside)
                signature = ("ok", result.last_seq, batch.first, batch.last, acknowledged, len(aside))
            if signature == last:
                log.warning("sync: the server answered the same way twice (%s); push stopped", signature[0])
                self.stalled()
                return
            last = signature

    def prepare(self, limit: int, *, after: int | None = None) -> _Prepared | None:
        """The next batch and its request body: from the server's head, or (``after``, on the builder thread, with
        its own session) the one that follows a batch still on its way. The batch stops before the first event the server refused as a link of the chain in this
        run (it would refuse it again, and the whole batch with it); None when it starts with one (the push phase
        stops) or nothing is waiting."""
        with self.ctx.db.session() as session:
            batch = next_batch(session, self.desk, self.server_seq, min(limit, MAX_BATCH_EVENTS), after=after)
        if batch is None:
            return None
        if batch.first in self.blocked:
            if after is None:
                self.stalled()
            return None
        batch = Batch(tuple(itertools.takewhile(lambda e: e.seq not in self.blocked, batch.events)))
        request = PushBatch(commune=self.agency, desk=self.desk, app_version=__version__, events=list(batch.events))
        return _Prepared(batch, encode_push(request))

    def stalled(self) -> None:
        with self.ctx.db.session() as session:
            waiting = pending_count(session, self.desk)
        if waiting:
            self.tally.conflicts.append(
                f"Còn {waiting} sự kiện của bàn này chưa gửi được: cấp trên không nhận tiếp chuỗi sự kiện từ sau số "
                f"{self.server_seq}. Xem các sự kiện bị để riêng và lý do, rồi liên hệ cấp trên.")

    def refused(self, first_uuid: str, first_seq: int, refusal: Refusal) -> tuple[object, ...]:
        log.info("sync: batch refused (%s), server holds desk %d up to %d", refusal.code, self.desk,
                 refusal.last_seq)
        if refusal.code == "gap":
            self.server_seq = refusal.last_seq
            with self.write() as session:
                self.tally.to_send += requeue_beyond(session, self.desk, self.server_seq)
            return ("gap", refusal.last_seq)
        if refusal.code in ("uuid_conflict", "chain_break"):
            at_fault = refusal.events or [Rejected(uuid=first_uuid, seq=first_seq, reason=refusal.reason)]
            with self.write() as session:
                self.tally.set_aside.update(set_aside(session, self.desk, at_fault))
            self.blocked.update(e.seq for e in at_fault)
            self.server_seq = refusal.last_seq
            return (refusal.code, refusal.last_seq, tuple(sorted(e.uuid for e in at_fault)))
        raise _Stop("refused", refusal.reason)

    def pull(self) -> None:
        with self.ctx.db.session() as session:
            events_after, publications_after = cursors(session)
        while True:
            self.check_cancel()
            self.tell("pull", f"Đang nhận dữ liệu từ cấp trên: {self.tally.received} sự kiện…")
            feed = self.call(partial(self.client.feed, desk=self.desk, events_after=events_after,
                                     publications_after=publications_after, limit=min(FEED_PAGE, MAX_FEED_LIMIT)),
                             "pull")
            with self.write() as session:
                page = take_in(session, feed, own_desk=self.desk, now=self.ctx.clock.now())
            self.tally.received += page.stored
            self.tally.publications += page.publications
            self.tally.conflicts.extend(page.conflicts)
            self.tally.notes.extend(page.notes)
            advanced = (feed.events_cursor, feed.publications_cursor) != (events_after, publications_after)
            events_after = max(events_after, feed.events_cursor)
            publications_after = max(publications_after, feed.publications_cursor)
            if not feed.more or not advanced:
                return


def _valid_url(url: str) -> bool:
    if not url.startswith(("https://", "http://")):
        return False
    try:
        return bool(httpx.URL(url).host)
    except (httpx.InvalidURL, ValueError):
        return False


def _settings(ctx: ServiceContext) -> dict[str, str]:
    with ctx.db.session() as session:
        return SettingsService(session).all()


NOT_CONFIGURED = ("Chưa thiết lập đồng bộ với cấp trên: cần {missing}. Quản trị viên vào Thiết lập → Đồng bộ cấp "
                  "trên, hoặc dùng lệnh 'desk-app settings set {key} ...'.")
MISSING = {"upper_level_url": "địa chỉ máy chủ cấp trên", "upper_level_token": "mã bí mật của xã do cấp trên cấp",
           "agency_code": "mã cơ quan của xã"}


def _summary(status: Status, tally: _Tally, set_aside: int, waiting: int, stop_message: str) -> str:
    if status in ("refused", "not_configured"):
        return stop_message
    moved = (f"đã gửi {tally.sent} sự kiện, nhận {tally.received} sự kiện từ máy chủ cấp trên (của các bàn khác và "
             "của cấp trên)")
    if status in ("unreachable", "cancelled"):
        done = f" Trước đó {moved}." if tally.sent or tally.received else ""
        kept = (f" {waiting} sự kiện của bàn này đang chờ gửi, vẫn được giữ nguyên trên máy và sẽ được gửi lần sau."
                if waiting else "")
        return f"{stop_message}{done}{kept}"
    parts = [f"Đồng bộ xong: {moved}."]
    if set_aside:
        new = len(tally.set_aside)
        when = f" ({new} trong lần này)" if 0 < new < set_aside else ""
        parts.append(f"{set_aside} sự kiện của bàn này bị cấp trên từ chối{when}, vẫn đang để riêng kèm lý do.")
        if waiting:
            parts.append(f"{waiting} sự kiện ghi sau đó chưa gửi được: cấp trên không nhận tiếp chuỗi sự kiện sau "
                         "sự kiện bị từ chối.")
        else:
            parts.append("Các sự kiện khác đã được cấp trên xác nhận.")
    parts.extend(tally.notes)
    if tally.conflicts:
        parts.append(f"{len(tally.conflicts)} điểm cần người xem lại (xem danh sách).")
    return " ".join(parts)


def run_sync(ctx: ServiceContext, *, hub_url: str | None = None, token: str | None = None,
             progress: Callable[[SyncProgress], None] | None = None,
             transport: httpx.BaseTransport | None = None, cancel: threading.Event | None = None,
             sleep: Callable[[float], None] = time.sleep) -> SyncOutcome:
    """Sync this desk with the upper level once (blocking; run it off the GUI thread)."""
    started = ctx.clock.now()
    settings = _settings(ctx)
    url = (hub_url if hub_url is not None else settings["upper_level_url"]).strip().rstrip("/")
    secret = (token if token is not None else settings["upper_level_token"]).strip()
    desk, agency = int(settings["desk"]), settings["agency_code"]
    values = {"upper_level_url": url, "upper_level_token": secret, "agency_code": agency}
    missing = [key for key, value in values.items() if not value]
    tally = _Tally()
    status: Status = "ok"
    stop_message = ""
    client: HubClient | None = None
    if missing:
        status = "not_configured"
        stop_message = NOT_CONFIGURED.format(missing=", ".join(MISSING[k] for k in missing), key=missing[0])
    elif not _valid_url(url):
        status = "refused"
        stop_message = (f"Địa chỉ máy chủ cấp trên '{url}' không hợp lệ: cần dạng https://tên-máy-chủ (hoặc "
                        "http://địa-chỉ trong mạng nội bộ). Chưa gửi gì.")
    else:
        try:
            client = HubClient(url, secret, transport=transport, ca_file=settings["upper_level_ca_file"])
        except (OSError, ssl.SSLError):
            status = "refused"
            stop_message = (f"Không đọc được tệp chứng chỉ CA của máy chủ cấp trên ({settings['upper_level_ca_file']}"
                            "): kiểm tra Thiết lập → Đồng bộ cấp trên. Chưa gửi gì.")
    if client is not None:
        with client:
            run = _Run(ctx, client, desk=desk, agency=agency, progress=progress, cancel=cancel, sleep=sleep)
            tally = run.tally
            try:
                run.connect()
                run.push()
                run.pull()
            except _Stop as stop:
                status, stop_message = stop.status, stop.message
    with ctx.db.session() as session:
        aside = tuple(set_aside_events(session, desk))  # every one still outstanding, not only this run's
        waiting = pending_count(session, desk)
    if status == "ok" and aside:
        status = "set_aside"
    message = _summary(status, tally, len(aside), waiting, stop_message)
    finished = ctx.clock.now()
    with ctx.db.write_session() as session, session.begin():
        session.add(SyncRun(started_at=started, finished_at=finished, status=status, sent=tally.sent,
                            received=tally.received, set_aside=len(aside), message=message))
    log.info("sync %s: sent %d, received %d, set aside %d, conflicts %d", status, tally.sent, tally.received,
             len(aside), len(tally.conflicts))
    outcome = SyncOutcome(status, tally.sent, tally.received, aside, tuple(tally.conflicts), message, started,
                          finished, waiting)
    if progress is not None:
        progress(SyncProgress("done", tally.sent, tally.to_send, tally.received, message))
    return outcome


def probe(hub_url: str, *, transport: httpx.BaseTransport | None = None, timeout: float = 2.0,
          ca_file: str = "") -> bool:
    """Is the upper level's server reachable (``GET /api/v1/health``)? Never raises."""
    return client_module.probe(hub_url, transport=transport, timeout=timeout, ca_file=ca_file)
