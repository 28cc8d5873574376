"""The tamper-evident chain of a desk's events: the canonical JSON and the hash of one event.

Pure Python, shared by the desk (which writes and verifies its chains) and the upper-level server (which checks
every pushed event against it). An event's hash covers its content and the hash of the desk's previous event, so
editing or deleting any event breaks every hash after it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

GENESIS_HASH = "0" * 64
_json_string = json.encoder.encode_basestring  # type: ignore[attr-defined]  # json.dumps(str, ensure_ascii=False)


# One encoder made once (json.dumps builds one per call); no check for circular references: events' payloads are
# plain JSON data. The desk's writes and the server's ingest both serialise every payload through it.
_encode = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def canonical_json(value: Any) -> str:
    """The text an event's hash covers: keys sorted, no spaces, UTF-8 characters as they are."""
    return _encode(value)


def event_hash(
    *,
    uuid: str,
    desk: int,
    seq: int,
    dossier_code: str,
    kind: str,
    at: str,
    recorded_at: str,
    actor: str,
    payload: Mapping[str, Any] | None = None,
    payload_json: str | None = None,
    prev_hash: str,
) -> str:
    """SHA-256 over the canonical JSON of the event's content and the previous hash (times as stored text).

    ``payload_json`` (the payload's canonical JSON, already made) saves serialising it twice in bulk writes.
    """
    if payload_json is None:
        payload_json = canonical_json(payload)
    # Exactly canonical_json of the whole object (keys sorted: actor, at, desk, dossier, kind, payload, prev,
    # recorded, seq, uuid), written out directly: this runs for every event of a bulk import.
    q = _json_string
    body = (
        f'{{"actor":{q(actor)},"at":{q(at)},"desk":{int(desk)},"dossier":{q(dossier_code)},"kind":{q(kind)},'
        f'"payload":{payload_json},"prev":{q(prev_hash)},"recorded":{q(recorded_at)},"seq":{int(seq)},'
        f'"uuid":{q(uuid)}}}'
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


