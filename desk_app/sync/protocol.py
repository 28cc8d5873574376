"""The sync protocol between a commune's desks and the upper-level server (``district_hub``), version 1.

Pydantic models shared by both sides: the desk builds and reads them, the server validates and documents them in
its OpenAPI schema. Pure data, no Qt, no database.

The conversation, all under ``/api/v1`` with ``Authorization: Bearer <the commune's token>``:

``GET  /api/v1/status``  → :class:`HubStatus`: the commune the token belongs to, the server's clock, and the head of
    every desk chain the server holds for that commune (so a desk sees at once what the server already has, and
    notices a server restored from an old backup).
``POST /api/v1/events``  ← :class:`PushBatch` (the body may be gzip-compressed: ``Content-Encoding: gzip``)
    → 200 :class:`PushResult` when the batch is stored (new events and exact repeats alike; events whose content
    the server refuses are stored as links of the chain only and listed in ``rejected``, so they never block the
    ones after them);
    → 409 :class:`Refusal` when the batch cannot be stored at all: an event under a known UUID with a different
    content (``uuid_conflict``), an event that does not continue the desk's chain (``chain_break``), or a batch that
    starts after a gap (``gap``: the server names the last sequence number it holds; the desk resends from there).
    Nothing of a refused batch is stored.
``GET  /api/v1/health`` (no token) → ``{"status": "ok"}``: is the server reachable at all.
``GET  /api/v1/feed?desk=D&events_after=N&publications_after=M&limit=L`` → :class:`Feed`: what desk D must take in:
    the other desks' events of the same commune, the upper level's decisions (desk :data:`UPPER_LEVEL_DESK`), and
    the catalog and holiday schedules the upper level published. The desk keeps the cursor and asks again while
    ``more`` is true.
``GET  /api/v1/desks/D/events?after=N&limit=L`` → :class:`OwnEvents`: desk D's own events the server holds after
    place N of its chain, in order (rejected ones flagged). A desk restored from an older backup takes back what it
    had sent before the backup was restored, so nothing it recorded is lost and its numbers go on from there.

Times inside an event are the stored text (``YYYY-MM-DD HH:MM:SS``, Vietnamese local time) because the event's hash
covers exactly that text.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from desk_app.domain.merge import UPPER_LEVEL_DESK

PROTOCOL_VERSION = 1
API_PREFIX = "/api/v1"
MAX_BATCH_EVENTS = 1000  # events in one push
MAX_BODY_BYTES = 8 * 1024 * 1024  # a push body, after decompression
MAX_FEED_LIMIT = 2000

HASH_RE = r"^[0-9a-f]{64}$"
TIME_RE = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"
AGENCY_RE = r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9A-Z]{2}$"
UUID_RE = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

Hash = Annotated[str, StringConstraints(pattern=HASH_RE)]
StoredTime = Annotated[str, StringConstraints(pattern=TIME_RE)]
AgencyCode = Annotated[str, StringConstraints(pattern=AGENCY_RE)]
EventUuid = Annotated[str, StringConstraints(pattern=UUID_RE)]
DeskNumber = Annotated[int, Field(ge=0, le=UPPER_LEVEL_DESK)]
KIND_NAMES = ("received", "corrected", "voided", "transferred", "supplement_requested", "resubmitted",
              "result_ready", "returned", "refused", "withdrawn", "stopped", "rescheduled")
EventKindName = Literal["received", "corrected", "voided", "transferred", "supplement_requested", "resubmitted",
                        "result_ready", "returned", "refused", "withdrawn", "stopped", "rescheduled"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WireEvent(_Model):
    """One event of a desk's chain, exactly as the desk recorded it (the hash covers every field but ``hash``)."""

    uuid: EventUuid
    desk: DeskNumber
    seq: int = Field(ge=1)
    dossier_code: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    kind: EventKindName
    at: StoredTime
    recorded_at: StoredTime
    actor: Annotated[str, StringConstraints(max_length=200)]
    payload: dict[str, Any]
    prev_hash: Hash
    hash: Hash


class PushBatch(_Model):
    """A run of one desk's chain, in sequence order without holes."""

    protocol: Literal[1] = PROTOCOL_VERSION
    commune: AgencyCode
    desk: Annotated[int, Field(ge=0, le=9)]
    app_version: Annotated[str, StringConstraints(max_length=40)] = ""
    events: Annotated[list[WireEvent], Field(min_length=1, max_length=MAX_BATCH_EVENTS)]


class Rejected(_Model):
    """An event the server did not take in, and why (Vietnamese, for the clerk)."""

    uuid: str
    seq: int
    reason: str


class PushResult(_Model):
    desk: int
    last_seq: int  # the last sequence number of this desk's chain the server now holds
    last_hash: str
    accepted: int  # new events stored and applied
    duplicates: int  # events the server already held, identical: acknowledged again, not stored twice
    rejected: list[Rejected] = []  # stored as links of the chain only: content refused (see the reason)


RefusalCode = Literal["uuid_conflict", "chain_break", "gap", "wrong_commune", "bad_request"]


class Refusal(_Model):
    """Why a whole batch was refused (HTTP 409 or 400). Nothing of it was stored."""

    code: RefusalCode
    reason: str
    last_seq: int = 0  # what the server holds of this desk's chain
    last_hash: str = ""
    events: list[Rejected] = []  # the events at fault


class ChainHead(_Model):
    seq: int
    hash: str


class HubStatus(_Model):
    protocol: int = PROTOCOL_VERSION
    commune: str  # the agency code the token belongs to
    commune_name: str
    server_time: str  # ISO 8601 with offset
    desks: dict[str, ChainHead]  # desk number (as text) → head of its chain on the server
    # Names this server database: it changes when the database is replaced (restored from a backup, moved to a new
    # server), and then the feed's cursors a desk holds mean nothing: the desk reads the feed again from the start.
    instance: str = ""


class FeedEvent(_Model):
    cursor: int  # the server's position of this event in the commune's feed
    event: WireEvent
    rejected: str | None = None  # the server stored this event as a link only, for this reason: not to be applied


PublicationKind = Literal["catalog", "holidays"]


class Publication(_Model):
    """A procedure catalog or an official holiday schedule published by the upper level, for every commune."""

    id: int
    kind: PublicationKind
    published_at: str
    sha256: str  # of the canonical JSON of ``content``
    content: dict[str, Any]  # the shape of database/catalog/procedures.json, or of holidays.json ("years": ...)


class Feed(_Model):
    events: list[FeedEvent]
    publications: list[Publication]
    events_cursor: int  # ask again with events_after = this
    publications_cursor: int
    more: bool  # the server holds more after these cursors


class OwnEvents(_Model):
    """A desk's own events after a place of its chain, as the server holds them (the desk's recovery)."""

    events: list[FeedEvent]  # in the order of the chain (``cursor`` is the server's position, as in the feed)
    more: bool  # the server holds more after the last of these


class ErrorBody(_Model):
    """Any other error (401 wrong token, 413 too large, 415 not JSON, 422 malformed, 429 too many requests: the
    ``Retry-After`` header says in how many seconds to try again): a reason a clerk can read."""

    detail: str


def is_upper_level(desk: int) -> bool:
    return desk == UPPER_LEVEL_DESK


_TOKEN_RE = re.compile(r"^[A-Za-z0-9_\-]{20,200}$")


def looks_like_token(value: str) -> bool:
    """A commune token as ``district-hub add-commune`` prints it (URL-safe text, no spaces)."""
    return bool(_TOKEN_RE.match(value))
