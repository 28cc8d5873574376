"""Rate limits of the server (an ASGI middleware): per commune token on the sync API, per client address on the
public lookup and on failed logins, answering 429 with ``Retry-After`` and a Vietnamese reason.

=================  ==========================================  ==================  ===========================
rule               requests                                    counted per         default (a minute / at once)
=================  ==========================================  ==================  ===========================
``push``           ``POST /api/v1/events``                     the bearer token    60 / 30
``api``            the other calls of ``/api/v1`` (not health)  the bearer token    300 / 100
``lookup``         ``/tra-cuu`` (the public lookup)            the client address  30 / 10
``auth_failures``  every 401 (a wrong commune token, a wrong    the client address  10 / 10
                   officer password, no password)
=================  ==========================================  ==================  ===========================

A client address whose failures bucket is empty gets 429 on the API and the officers' pages until it refills, except
for a credential (a bearer token, an officer's Basic password) the server accepted lately: guessing tokens or
passwords is slowed to ten a minute, and the desks of an office that shares one address keep syncing while one of
them still has a wrong token. A request without a bearer token is counted by its address. Behind a reverse proxy the client address is the one the proxy forwards (``district-hub
serve --forwarded-allow-ips``); otherwise every request seems to come from the proxy.

Each rule is set by ``district-hub serve --rate-push 60/30`` (…``--rate-api``, ``--rate-lookup``,
``--rate-auth-failures``) or the environment (``DISTRICT_HUB_RATE_PUSH`` …); ``0`` turns a rule off.
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass, fields
from html import escape
from typing import Any

from desk_app.sync.protocol import API_PREFIX
from district_hub import pages
from district_hub.ratelimit import MAX_KEYS, Buckets, Rate
from district_hub.tokens import token_hash

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ENV_PREFIX = "DISTRICT_HUB_RATE_"
PUSH_PATH = API_PREFIX + "/events"
HEALTH_PATH = API_PREFIX + "/health"
LOOKUP_PATH = "/tra-cuu"
OFFICER_PATHS = frozenset({"/", "/quyet-dinh"})

TOO_MANY_SYNC = ("Máy chủ cấp trên đang nhận quá nhiều yêu cầu bằng mã bí mật của xã này. Dữ liệu vẫn lưu an toàn "
                 "trên máy; bàn tiếp nhận tự gửi lại sau {seconds} giây.")
TOO_MANY_FAILURES = ("Quá nhiều lần dùng mã bí mật hoặc mật khẩu sai từ máy này. Chờ {seconds} giây rồi thử lại "
                     "với mã đúng.")
TOO_MANY_LOOKUPS = "Quá nhiều lượt tra cứu từ máy này trong thời gian ngắn. Chờ {seconds} giây rồi tra cứu lại."


DEFAULT_PUSH = Rate(60, 30)
DEFAULT_API = Rate(300, 100)
DEFAULT_LOOKUP = Rate(30, 10)
DEFAULT_AUTH_FAILURES = Rate(10, 10)


@dataclass(frozen=True)
class RateLimits:
    """The rate of each rule (None: no limit). The defaults are ``district-hub serve``'s."""

    push: Rate | None = DEFAULT_PUSH
    api: Rate | None = DEFAULT_API
    lookup: Rate | None = DEFAULT_LOOKUP
    auth_failures: Rate | None = DEFAULT_AUTH_FAILURES

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def env_name(cls, rule: str) -> str:
        return ENV_PREFIX + rule.upper()

    @classmethod
    def from_settings(cls, given: Mapping[str, str | None], environ: Mapping[str, str] = os.environ) -> RateLimits:
        """Each rule from ``given[rule]`` (a command-line value), else the environment, else the default."""
        default = cls()
        values: dict[str, Rate | None] = {}
        for rule in cls.names():
            text = given.get(rule) or environ.get(cls.env_name(rule))
            values[rule] = Rate.parse(text, f"Giới hạn {rule}") if text else getattr(default, rule)
        return cls(**values)

    @classmethod
    def off(cls) -> RateLimits:
        return cls(None, None, None, None)

    def describe(self) -> str:
        return ", ".join(f"{rule} {getattr(self, rule) or 'không giới hạn'}" for rule in self.names())


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return f"ip:{client[0]}" if client else "ip:?"


def _credential(scope: Scope) -> str | None:
    """The hash of the request's bearer token or Basic credentials (never the secret itself), or None."""
    scheme, _, secret = _header(scope, b"authorization").strip().partition(" ")
    if scheme.lower() in ("bearer", "basic") and secret.strip():
        return f"{scheme.lower()}:{token_hash(secret)}"
    return None


class _Recent:
    """The credentials the server accepted lately (bounded, least recently used dropped first), thread-safe."""

    def __init__(self, max_keys: int = MAX_KEYS) -> None:
        self.max_keys = max_keys
        self._keys: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, key: str) -> None:
        with self._lock:
            self._keys[key] = None
            self._keys.move_to_end(key)
            while len(self._keys) > self.max_keys:
                self._keys.popitem(last=False)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._keys


class Throttle:
    """The ASGI middleware applying :class:`RateLimits` (see the module's docstring)."""

    def __init__(self, app: ASGIApp, limits: RateLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.buckets: dict[str, Buckets] = {
            rule: Buckets(rate, clock=clock) for rule in RateLimits.names()
            if (rate := getattr(limits, rule)) is not None}
        self.accepted = _Recent()  # credentials that got a 2xx answer lately: never held up by the failures

    def _rule(self, scope: Scope) -> tuple[str | None, bool]:
        """The rule counting this request (or None), and whether it needs authentication (401s count)."""
        path, method = scope.get("path", ""), scope.get("method", "")
        if path == PUSH_PATH and method == "POST":
            return "push", True
        if path.startswith(API_PREFIX + "/") and path != HEALTH_PATH:
            return "api", True
        if path == LOOKUP_PATH:
            return "lookup", False
        return None, path in OFFICER_PATHS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.buckets:
            await self.app(scope, receive, send)
            return
        rule, authenticated = self._rule(scope)
        failures = self.buckets.get("auth_failures") if authenticated else None
        client = _client(scope)
        credential = _credential(scope)
        if failures is not None and (credential is None or credential not in self.accepted):
            wait = failures.wait(client)
            if wait > 0:
                await self._refuse(scope, send, "auth_failures", wait, TOO_MANY_FAILURES)
                return
        buckets = self.buckets.get(rule) if rule else None
        if buckets is not None:
            wait = buckets.take(client if rule == "lookup" or credential is None else credential)
            if wait > 0:
                await self._refuse(scope, send, rule or "", wait,
                                   TOO_MANY_LOOKUPS if rule == "lookup" else TOO_MANY_SYNC)
                return
        if failures is None:
            await self.app(scope, receive, send)
            return

        async def counting(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = int(message.get("status", 0))
                if status == 401:
                    failures.take(client)
                elif 200 <= status < 300 and credential is not None:  # only an authenticated request succeeds
                    self.accepted.add(credential)
            await send(message)

        await self.app(scope, receive, counting)

    @staticmethod
    async def _refuse(scope: Scope, send: Send, rule: str, wait: float, reason: str) -> None:
        seconds = max(1, math.ceil(wait))
        detail = reason.format(seconds=seconds)
        log.info("rate limit %s: 429, retry after %d s", rule, seconds)
        if scope.get("path", "").startswith(API_PREFIX + "/"):
            body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
            content_type = b"application/json"
        else:
            body = pages.layout("Quá nhiều yêu cầu", f"<p>{escape(detail)}</p>").encode("utf-8")
            content_type = b"text/html; charset=utf-8"
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", content_type), (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(seconds).encode()), (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": body})
