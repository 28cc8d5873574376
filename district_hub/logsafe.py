"""The server's logs hold no token, lookup key or personal data.

- :class:`RedactFilter` rewrites every record that passes through the loggers and handlers it is installed on
  (:func:`install`): a query string is cut from any request line (``/tra-cuu?ma=…&khoa=…`` → ``/tra-cuu?…``),
  ``Authorization`` values, bearer tokens and Basic credentials are blanked, and an exception's traceback keeps its
  frames and types but not its messages (an exception message may quote a value: a name, an ID number);
- :class:`ErrorGuard` (an ASGI middleware) catches an exception a request raised, logs it that way (method and path,
  never the query, the headers or the body) and answers 500 itself (JSON on the API, a page elsewhere), so no
  server component logs the exception with its message.

uvicorn's access log (``district-hub serve --access-log``) goes through the filter; uvicorn never logs headers
below its ``trace`` level, which ``district-hub serve`` does not offer.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from pathlib import Path
from typing import Any

log = logging.getLogger("district_hub.errors")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi", "district_hub", "fastapi", "starlette")
HIDDEN = "…"
_QUERY = re.compile(r"(/[^\s\"'?]*)\?[^\s\"']*")
_AUTH_HEADER = re.compile(r"(?i)(authorization['\"]?\s*[:=,]\s*['\"]?)[^'\"\n]+")
_CREDENTIALS = re.compile(r"(?i)\b(bearer|basic)(\s+)[^\s'\",;}\]]+")
MAX_FRAMES = 12


def redact_text(text: str) -> str:
    """``text`` with query strings and credentials blanked."""
    text = _QUERY.sub(lambda m: f"{m.group(1)}?{HIDDEN}", text)
    text = _AUTH_HEADER.sub(lambda m: m.group(1) + HIDDEN, text)
    return _CREDENTIALS.sub(lambda m: m.group(1) + m.group(2) + HIDDEN, text)


def _short(filename: str) -> str:
    parts = Path(filename).parts
    for anchor in ("site-packages", "district_hub", "desk_app"):
        if anchor in parts:
            index = parts.index(anchor)
            return "/".join(parts[index + 1:] if anchor == "site-packages" else parts[index:])
    return Path(filename).name


def redacted_traceback(error: BaseException) -> str:
    """The exception's type and its innermost frames (file:line in function), each cause's type too; no messages."""
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = traceback.extract_tb(current.__traceback__)[-MAX_FRAMES:]
        where = " ← ".join(f"{_short(f.filename)}:{f.lineno} in {f.name}" for f in reversed(frames))
        kind = type(current)
        lines.append(f"{kind.__module__}.{kind.__qualname__} (nội dung lỗi không ghi) tại {where or '?'}")
        current = current.__cause__ or current.__context__
    return "\n  gây ra bởi: ".join(lines)


class RedactFilter(logging.Filter):
    """Rewrites the record in place (see the module's docstring); never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_district_hub_redacted", False):
            return True
        # Each argument is redacted in place, so the record still formats as its logger's formatter expects
        # (uvicorn's access formatter unpacks its five arguments).
        if isinstance(record.msg, str):
            record.msg = redact_text(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(a) for a in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {k: _redacted(v) for k, v in record.args.items()}
        if record.exc_info and record.exc_info[1] is not None:
            trace = redacted_traceback(record.exc_info[1])
            record.msg = f"{record.msg}\n  {trace.replace('%', '%%') if record.args else trace}"
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        record._district_hub_redacted = True
        return True


def _redacted(value: object) -> object:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, BaseException):
        return f"{type(value).__module__}.{type(value).__qualname__}"
    if isinstance(value, (int, float, bool, type(None))):
        return value
    return redact_text(str(value))


_FILTER = RedactFilter()


def install(loggers: Iterable[str] = LOGGERS) -> None:
    """Put the filter on the named loggers, on their handlers and on the root logger's handlers (idempotent)."""
    targets: list[logging.Logger] = [logging.getLogger(name) for name in loggers]
    handlers = [h for target in [*targets, logging.getLogger()] for h in target.handlers]
    for item in [*targets, *handlers]:
        if _FILTER not in item.filters:
            item.addFilter(_FILTER)


class ErrorGuard:
    """Catches what the app raised, logs it redacted and answers 500 (see the module's docstring)."""

    def __init__(self, app: ASGIApp, *, json_prefix: str, message: str,
                 page: Callable[[str], str]) -> None:
        self.app = app
        self.json_prefix = json_prefix
        self.message = message
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watching(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watching)
        except Exception as error:  # noqa: BLE001  # every failure of a request: logged redacted, answered 500
            log.error("Lỗi không lường trước khi xử lý %s %s: %s", scope.get("method", "?"), scope.get("path", "?"),
                      redacted_traceback(error))
            if not started:
                await self._answer(scope, send)

    async def _answer(self, scope: Scope, send: Send) -> None:
        if str(scope.get("path", "")).startswith(self.json_prefix):
            body = json.dumps({"detail": self.message}, ensure_ascii=False).encode("utf-8")
            content_type = b"application/json"
        else:
            body = self.page(self.message).encode("utf-8")
            content_type = b"text/html; charset=utf-8"
        await send({"type": "http.response.start", "status": 500, "headers": [
            (b"content-type", content_type), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
