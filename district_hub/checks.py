"""What the server checks in the content of an event before applying it to its projection.

An event whose content fails is still stored (it is a link of its desk's chain), marked with the reason, and never
applied; the desk sets it aside and shows the reason to the clerk. Every reason is Vietnamese and names the dossier
code (never a person's data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from desk_app.domain.codes import CODE_RE, parse_dossier_code
from desk_app.domain.errors import DomainError
from desk_app.domain.lifecycle import EventKind
from desk_app.sync.protocol import WireEvent
from district_hub.clock import VN_TZ

KINDS: dict[str, EventKind] = {kind.value: kind for kind in EventKind}  # a dict lookup, not Enum(value)
RECEIVED = EventKind.RECEIVED.value  # a member's .value is a property: read once, not for every event


@lru_cache(maxsize=4096)
def _real_day(yymmdd: str) -> bool:
    try:
        dt.date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:]))
    except ValueError:
        return False
    return True


def dossier_code_problem(code: str, commune_code: str) -> str | None:
    """Why ``code`` is not a dossier code of this commune, as the desk writes it (canonical form), or None."""
    match = CODE_RE.match(code)
    if match is None or not _real_day(match["date"]):
        try:  # the domain's own message (what is wrong with it, the expected shape)
            parsed = parse_dossier_code(code)
        except DomainError as error:
            return error.message
        return f"Mã hồ sơ '{code}' không viết đúng dạng chuẩn (phải là {parsed})."
    if match["agency"] != commune_code:
        return (f"Hồ sơ {code} mang mã cơ quan {match['agency']}, không phải của xã {commune_code} (mã bí mật đang "
                "dùng là của xã này).")
    return None


# A dossier code's date is 20yy (desk_app.domain.codes): no real moment of a dossier lies outside these years, and
# one near the ends of datetime's range cannot even be converted to Vietnamese time.
FIRST_YEAR, LAST_YEAR = 2000, 2099


def _parsed_moment(value: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if FIRST_YEAR <= moment.year <= LAST_YEAR else None


def _moment(value: Any) -> bool:
    return isinstance(value, str) and _parsed_moment(value) is not None


def _optional_moment(value: Any) -> bool:
    return value is None or _moment(value)


def _component(value: Any) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool))


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


Check = Callable[[Mapping[str, Any]], str | None]


def _need(payload: Mapping[str, Any], key: str, ok: Callable[[Any], bool], what: str) -> str | None:
    if key not in payload:
        return f"thiếu mục '{key}' ({what})"
    if not ok(payload[key]):
        return f"mục '{key}' không hợp lệ (cần {what})"
    return None


def _received(p: Mapping[str, Any]) -> str | None:
    for key, ok, what in (
        ("procedure", _text, "mã thủ tục"),
        ("field", _text, "mã lĩnh vực"),
        ("lookup_key", _text, "mã tra cứu"),
        ("due_at", _moment, "thời điểm hẹn trả"),
        ("components", lambda v: isinstance(v, list), "danh sách thủ tục thành phần"),
    ):
        problem = _need(p, key, ok, what)
        if problem:
            return problem
    if "counted_from" in p and not _moment(p["counted_from"]):
        return "mục 'counted_from' không hợp lệ (cần thời điểm bắt đầu tính hạn)"
    for index, part in enumerate(p["components"], start=1):
        if not isinstance(part, Mapping) or not all(_text(part.get(k)) for k in ("procedure", "name",
                                                                                  "resolving_body")):
            return f"thủ tục thành phần số {index} thiếu mã, tên hoặc cơ quan giải quyết"
        if not _optional_moment(part.get("due_at")):
            return f"thủ tục thành phần số {index} có hạn trả không hợp lệ"
    return None


def _resubmitted(p: Mapping[str, Any]) -> str | None:
    problem = _need(p, "due_at", _moment, "thời điểm hẹn trả mới")
    if problem:
        return problem
    if not _optional_moment(p.get("current_due_at")):
        return "mục 'current_due_at' không hợp lệ"
    parts = p.get("component_due_at")
    if parts is not None and (not isinstance(parts, list) or not all(_optional_moment(d) for d in parts)):
        return "mục 'component_due_at' không hợp lệ"
    return None


_CHECKS: dict[EventKind, Check] = {
    EventKind.RECEIVED: _received,
    EventKind.CORRECTED: lambda p: _need(p, "field", _text, "tên trường được sửa") or (
        None if "new" in p else "thiếu mục 'new' (giá trị mới)"),
    EventKind.TRANSFERRED: lambda p: _need(p, "to", lambda v: v is None or isinstance(v, str), "nơi nhận") or (
        None if _component(p.get("component")) else "mục 'component' phải là số thứ tự thành phần"),
    EventKind.RESUBMITTED: _resubmitted,
    EventKind.RESULT_READY: lambda p: None if _component(p.get("component")) else
    "mục 'component' phải là số thứ tự thành phần",
    EventKind.RESCHEDULED: lambda p: _need(p, "due_at", _moment, "ngày hẹn mới"),
}


def payload_problem(kind: EventKind, payload: Mapping[str, Any]) -> str | None:
    """Why the payload cannot be folded (a fact the lifecycle reads is missing or malformed), or None."""
    check = _CHECKS.get(kind)
    return check(payload) if check else None


def _moment_of(text: str) -> dt.datetime | None:
    moment = _parsed_moment(text)
    return moment.replace(tzinfo=VN_TZ) if moment is not None else None


def own_problem(event: WireEvent, commune_code: str, code_problems: dict[str, str | None] | None = None,
                ) -> tuple[str | None, dt.datetime | None]:
    """What is wrong with the event by itself (its code, its times, its payload), and its moment when real.

    Needs no database: the server runs it before taking the write lock. ``code_problems`` (the answers of
    :func:`dossier_code_problem` for ``commune_code``, filled in as codes come) lets a batch check each of its
    dossier codes once.
    """
    code = event.dossier_code
    if code_problems is None:
        problem = dossier_code_problem(code, commune_code)
    elif code in code_problems:
        problem = code_problems[code]
    else:
        problem = code_problems[code] = dossier_code_problem(code, commune_code)
    if problem:
        return problem, None
    at = _moment_of(event.at)
    if at is None or not _moment(event.recorded_at):
        return (f"Sự kiện của hồ sơ {event.dossier_code} ghi một thời điểm không có thật hoặc ngoài các năm "
                f"{FIRST_YEAR}–{LAST_YEAR}."), None
    problem = payload_problem(KINDS[event.kind], event.payload)
    if problem:
        return f"Nội dung sự kiện '{event.kind}' của hồ sơ {event.dossier_code} không đủ: {problem}.", at
    return None, at


def history_problem(event: WireEvent, received: set[str]) -> str | None:
    """Whether the event fits what the server holds: a receipt for a new code, anything else for a known dossier.

    ``received`` holds the codes of the commune's dossiers whose receipt the server applied, including earlier
    events of the same batch.
    """
    if event.kind == RECEIVED:
        if event.dossier_code in received:
            return (f"Máy chủ đã có một sự kiện tiếp nhận khác của hồ sơ {event.dossier_code}: hai lần tiếp nhận "
                    "cùng một mã hồ sơ.")
    elif event.dossier_code not in received:
        return (f"Máy chủ chưa có hồ sơ {event.dossier_code} (chưa nhận được sự kiện tiếp nhận của nó, hoặc sự kiện "
                "đó đã bị từ chối).")
    return None
