"""Building desk chains for the server's tests: events hashed and linked exactly as a desk writes them."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from desk_app.domain.chain import GENESIS_HASH, canonical_json, event_hash
from district_hub.clock import VN_TZ

AGENCY = "000.31.22.H20"
OTHER_AGENCY = "000.31.22.H21"
APPLICANT_NAME = "Trần Thị Bích Ngọc"  # never to appear on a public page


def code(n: int, day: str = "260302", agency: str = AGENCY) -> str:
    return f"{agency}-{day}-{n:04d}"


def vn(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


def received_payload(*, received: str = "2026-03-02 09:00:00", due: str = "2026-03-05 09:00:00",
                     key: str = "ABCD2345", inter_level: bool = False) -> dict[str, Any]:
    """A "received" payload with what services.intake.received_record writes (the parts the server reads)."""
    return {
        "procedure": "1.004946", "procedure_name": "Cấp bản sao trích lục hộ tịch", "field": "HT",
        "inter_level": inter_level,
        "applicant": {"name": APPLICANT_NAME, "id_number": "087184001234", "phone": "0912345678",
                      "address": "Ấp Mỹ Tây, xã Mỹ Phong"},
        "documents": [{"name": "Tờ khai", "originals": 1, "copies": 0}], "copies": 1, "channel": "direct",
        "return_method": "desk", "return_address": None, "fee_due": 0, "fee_exemption": None,
        "time_limit": "3 working_days", "counted_from": vn(received).isoformat(), "due_at": vn(due).isoformat(),
        "components": [{"procedure": "1.004946", "name": "Cấp bản sao trích lục hộ tịch",
                        "resolving_body": "UBND xã"}],
        "lookup_key": key, "ledger": {"year": 2026, "desk": 0, "number": 1},
    }


@dataclass
class Chain:
    """One desk's chain: each :meth:`event` continues it (seq + 1, prev_hash = the last hash)."""

    desk: int = 0
    seq: int = 0
    head: str = GENESIS_HASH
    events: list[dict[str, Any]] = field(default_factory=list)

    def event(self, dossier: str, kind: str, at: str, payload: dict[str, Any] | None = None, *,
              actor: str = "bàn 0: clerk", recorded_at: str | None = None) -> dict[str, Any]:
        self.seq += 1
        body = {"uuid": str(uuid.uuid4()), "desk": self.desk, "seq": self.seq, "dossier_code": dossier, "kind": kind,
                "at": at, "recorded_at": recorded_at or at, "actor": actor, "payload": payload or {},
                "prev_hash": self.head}
        body["hash"] = event_hash(**{k: v for k, v in body.items() if k != "payload"},
                                  payload_json=canonical_json(body["payload"]))
        self.head = body["hash"]
        self.events.append(body)
        return body

    def receive(self, dossier: str, at: str = "2026-03-02 09:00:00", **payload: Any) -> dict[str, Any]:
        return self.event(dossier, "received", at, received_payload(received=at, **payload))


def batch(events: list[dict[str, Any]], *, desk: int | None = None, commune: str = AGENCY) -> dict[str, Any]:
    return {"protocol": 1, "commune": commune, "desk": events[0]["desk"] if desk is None else desk,
            "app_version": "test", "events": events}


def rehash(event: dict[str, Any]) -> dict[str, Any]:
    """The event with its hash recomputed after a change (a consistent forgery)."""
    body = {k: v for k, v in event.items() if k not in ("hash", "payload")}
    return {**event, "hash": event_hash(**body, payload_json=canonical_json(event["payload"]))}


class FixedClock:
    def __init__(self, text: str = "2026-03-02 17:00:00") -> None:
        self.now = vn(text)

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, text: str) -> None:
        self.now = vn(text)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
