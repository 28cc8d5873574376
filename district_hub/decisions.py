"""The upper level's decisions on dossiers a commune transferred upward: result ready, or supplement requested.

A decision is an event of the commune's upper-level chain (desk :data:`~desk_app.domain.merge.UPPER_LEVEL_DESK`),
hashed and linked like any desk's event, with the payload a desk writes for the same action plus ``"upper": true``.
The desks take it in through the feed; the server's projection is refolded at once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection, insert

from desk_app.domain.calendar import WorkCalendar, schedules_from_data
from desk_app.domain.chain import GENESIS_HASH, canonical_json, event_hash
from desk_app.domain.codes import parse_dossier_code
from desk_app.domain.deadlines import supplement_moves_deadline
from desk_app.domain.errors import NotFoundError, TransitionError, ValidationError
from desk_app.domain.lifecycle import EVENT_VN, Event, EventKind, apply, check_allowed
from desk_app.domain.merge import UPPER_LEVEL_DESK, MergedState
from desk_app.domain.validation import nfc
from district_hub.chains import chain_head, set_head
from district_hub.clock import Clock, from_text, system_now, to_text
from district_hub.db import HubDatabase
from district_hub.projection import applied_events, fold, refold, transferred_upward
from district_hub.publishing import holiday_years
from district_hub.registry import commune_by_code, lock_commune
from district_hub.schema import events

DecisionKind = Literal["result", "supplement"]
KINDS: dict[str, EventKind] = {"result": EventKind.RESULT_READY, "supplement": EventKind.SUPPLEMENT_REQUESTED}
CLI_ACTOR = "dòng lệnh"
MAX_TEXT = 1000


@dataclass(frozen=True)
class Decision:
    code: str
    kind: EventKind
    uuid: str
    seq: int
    at: str
    message: str


def actor_of(officer: str | None) -> str:
    name = " ".join(nfc(officer or "").split()) or CLI_ACTOR
    return f"cấp trên: {name}"[:200]


def calendar(conn: Connection) -> WorkCalendar:
    """Working days as the upper level counts them: the shipped schedules and the ones it published."""
    return WorkCalendar(schedules=schedules_from_data(holiday_years(conn)))


def _clean_items(items: Sequence[str] | None) -> list[str]:
    clean = [" ".join(nfc(i).split()) for i in items or () if i and i.strip()]
    if not clean:
        raise ValidationError("Cần liệt kê đầy đủ các giấy tờ phải bổ sung (một lần đầy đủ), ví dụ --items "
                              "\"Bản sao giấy khai sinh\" \"Tờ khai có chữ ký\".", field="items")
    if any(len(i) > MAX_TEXT for i in clean):
        raise ValidationError(f"Tên một giấy tờ quá dài (tối đa {MAX_TEXT} ký tự).", field="items")
    return clean


def _payload(conn: Connection, kind: EventKind, merged: MergedState, moment: dt.datetime,
             items: Sequence[str] | None, reason: str | None) -> dict[str, Any]:
    if kind is EventKind.RESULT_READY:
        return {"component": None, "upper": True}
    receipt = next(r for r in merged.applied if r.event.kind is EventKind.RECEIVED)
    counted = receipt.event.payload.get("counted_from")
    counted_from = dt.datetime.fromisoformat(counted) if counted else receipt.event.at
    text = " ".join(nfc(reason or "").split()) or None
    if text and len(text) > MAX_TEXT:
        raise ValidationError(f"Lý do quá dài (tối đa {MAX_TEXT} ký tự).", field="reason")
    return {"items": _clean_items(items), "reason": text,
            "moves_deadline": supplement_moves_deadline(counted_from, moment, calendar(conn)), "upper": True}


def decide(db: HubDatabase, code: str, kind: str, *, items: Sequence[str] | None = None, reason: str | None = None,
           officer: str | None = None, clock: Clock = system_now) -> Decision:
    """Record the upper level's decision on dossier ``code`` (``kind``: "result" or "supplement")."""
    if kind not in KINDS:
        raise ValidationError("Quyết định chỉ là 'result' (đã có kết quả) hoặc 'supplement' (yêu cầu bổ sung).",
                              field="kind")
    event_kind = KINDS[kind]
    canonical = str(parse_dossier_code(code))
    unknown = NotFoundError(f"Máy chủ không có hồ sơ mã {canonical} (xã chưa đồng bộ hồ sơ này lên, hoặc mã gõ "
                            "sai).", field="code")
    if event_kind is EventKind.SUPPLEMENT_REQUESTED:
        _clean_items(items)  # refuse before anything is looked up
    with db.write() as conn:
        commune = commune_by_code(conn, parse_dossier_code(canonical).agency)
        if commune is None:
            raise unknown
        lock_commune(conn, commune.id)
        recorded = applied_events(conn, commune.id, [canonical]).get(canonical, [])
        merged = fold(recorded)
        if merged is None:
            raise unknown
        if not transferred_upward(merged):
            raise TransitionError(f"Hồ sơ {canonical} chưa được xã chuyển lên cấp trên, nên cấp trên chưa ghi "
                                  "quyết định được.", field="code")
        try:
            check_allowed(merged.state, event_kind)
        except TransitionError as error:
            raise TransitionError(f"Hồ sơ {canonical}: {error.message}", field="kind") from None
        now = clock()
        latest = max(r.event.at for r in recorded)
        moment = max(now, latest).replace(microsecond=0)
        payload = _payload(conn, event_kind, merged, moment, items, reason)
        apply(merged.state, Event(event_kind, moment, payload))  # the lifecycle accepts it (checked above)
        stored = chain_head(conn, commune.id, UPPER_LEVEL_DESK)
        seq, prev = stored or (0, GENESIS_HASH)
        row = {"uuid": str(uuid.uuid4()), "desk": UPPER_LEVEL_DESK, "seq": seq + 1, "dossier_code": canonical,
               "kind": event_kind.value, "at": to_text(moment), "recorded_at": to_text(now),
               "actor": actor_of(officer), "payload": canonical_json(payload), "prev_hash": prev}
        row["hash"] = event_hash(**{k: row[k] for k in ("uuid", "desk", "seq", "dossier_code", "kind", "at",
                                                          "recorded_at", "actor", "prev_hash")},
                                 payload_json=row["payload"])
        conn.execute(insert(events).values(commune_id=commune.id, stored_at=to_text(now), rejected_reason=None,
                                           **row))
        set_head(conn, commune.id, UPPER_LEVEL_DESK, stored is not None, row["seq"], row["hash"])
        refold(conn, commune.id, [canonical], to_text(now))
    what = EVENT_VN[event_kind].lower()
    extra = ""
    if event_kind is EventKind.SUPPLEMENT_REQUESTED and not payload["moves_deadline"]:
        extra = " Yêu cầu sau 3 ngày làm việc kể từ khi nhận hồ sơ: hạn giải quyết không được tính lại."
    return Decision(canonical, event_kind, row["uuid"], row["seq"], row["at"],
                    f"Đã ghi quyết định '{what}' cho hồ sơ {canonical} (xã {commune.code}, "
                    f"{from_text(row['at']):%H:%M %d/%m/%Y}); xã nhận được ở lần đồng bộ tới.{extra}")
