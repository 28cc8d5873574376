"""Bounds a push must keep beyond the protocol's models: what the database can hold and what no desk ever writes.

The protocol (desk_app/sync/protocol.py) bounds the batch's size, its events' count and its fields' shapes; a
sequence number that does not fit the ``events.seq`` column (a 32-bit integer on PostgreSQL) or a payload nested
or stuffed past anything a desk records would still reach the database. :func:`batch_problem` names the first such
place in the words of :func:`district_hub.body.describe_errors` (where, never the value); the API answers 422 and
stores nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from desk_app.sync.protocol import PushBatch

MAX_SEQ = 2**31 - 1  # events.seq: INTEGER (int4 on PostgreSQL)
MAX_PAYLOAD_DEPTH = 16  # a desk's deepest payload (a received dossier's components and documents) is 3
MAX_PAYLOAD_TEXT = 65_536  # characters of one text in a payload (a desk's longest field is a few hundred)


def _walk(value: Any, depth: int) -> Iterator[tuple[int, Any]]:
    """Every value inside ``value`` with its depth, iteratively (no recursion on hostile nesting)."""
    stack: list[tuple[int, Any]] = [(depth, value)]
    while stack:
        level, item = stack.pop()
        yield level, item
        if isinstance(item, dict):
            stack.extend((level + 1, v) for v in item.values())
            stack.extend((level + 1, k) for k in item)
        elif isinstance(item, list):
            stack.extend((level + 1, v) for v in item)


def payload_problem(payload: dict[str, Any]) -> str | None:
    """What makes the payload larger than any desk writes ("lồng nhau quá sâu", "có chuỗi quá dài"), or None."""
    for level, item in _walk(payload, 1):
        if level > MAX_PAYLOAD_DEPTH:
            return f"lồng nhau quá sâu (tối đa {MAX_PAYLOAD_DEPTH} mức)"
        if isinstance(item, str) and len(item) > MAX_PAYLOAD_TEXT:
            return f"có chuỗi ký tự quá dài (tối đa {MAX_PAYLOAD_TEXT} ký tự)"
    return None


def batch_problem(batch: PushBatch) -> str | None:
    """The Vietnamese 422 detail for the first event out of bounds, or None when the batch keeps them all."""
    for index, event in enumerate(batch.events):
        if event.seq > MAX_SEQ:
            return f"Dữ liệu gửi lên không hợp lệ: nội dung events.{index}.seq lớn hơn giá trị cho phép (tối đa {MAX_SEQ})."
        problem = payload_problem(event.payload)
        if problem:
            return f"Dữ liệu gửi lên không hợp lệ: nội dung events.{index}.payload {problem}."
    return None
