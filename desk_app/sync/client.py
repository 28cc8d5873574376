"""The HTTP client of the sync: the commune's token, timeouts, gzip-compressed pushes, errors a clerk can read.

Every failure becomes a :class:`HubError` whose ``message`` says in Vietnamese what happened and what to do; the
engine retries only those marked ``retryable`` (the network, a server fault, an answer cut short). The token travels
in the ``Authorization`` header only: it is never part of a URL, a message or a log line.
"""

from __future__ import annotations

import gzip
import logging
import ssl
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import httpx
from pydantic import ValidationError

from desk_app import __version__
from desk_app.sync.protocol import API_PREFIX, ErrorBody, Feed, HubStatus, OwnEvents, PushBatch, PushResult, Refusal

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 30.0
WRONG_TOKEN = "Mã bí mật của xã không đúng hoặc đã bị thu hồi; liên hệ cấp trên"
# A push of 500 events (~350 kB of JSON) at level 3: ~3.7 ms, 21.5 % of its size; level 6 took ~6.3 ms for 18.5 %.
PUSH_GZIP_LEVEL = 3


class HubError(Exception):
    """A failure talking to the upper level's server; ``message`` is for the clerk."""

    retryable = False

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


class HubUnreachable(HubError):
    """No answer (no network, server down, timeout, connection cut): nothing is lost, try again later."""

    retryable = True


class HubServerFault(HubError):
    """The server answered with an internal error (5xx) or an answer that could not be read."""

    retryable = True


class HubBusy(HubError):
    """429: the server takes no more requests from this commune for a while (``retry_after`` seconds, when it says);
    nothing was refused and nothing is lost: try again later."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None, status_code: int = 429) -> None:
        super().__init__(message, status_code=status_code)
        self.retry_after = retry_after


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    return float(value) if value.isdigit() else None


class HubUnauthorized(HubError):
    """401: the token is wrong or revoked. Nothing was sent."""


class HubForbidden(HubError):
    """403: the token belongs to another commune."""


class HubRefused(HubError):
    """409 (or 400) with the server's :class:`Refusal`: nothing of the batch was stored."""

    def __init__(self, refusal: Refusal, *, status_code: int) -> None:
        super().__init__(refusal.reason, status_code=status_code)
        self.refusal = refusal


class HubTooLarge(HubError):
    """413: the batch is larger than the server takes (send fewer events at once)."""


class HubProtocolError(HubError):
    """422 or another answer the protocol does not expect (a desk and a server of incompatible versions)."""


def _host(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc or url


def _detail(response: httpx.Response) -> str:
    try:
        return ErrorBody.model_validate_json(response.content).detail
    except ValidationError:
        return ""


def tls_verify(ca_file: str) -> ssl.SSLContext | bool:
    """How the server's certificate is checked: against the usual authorities, or against the CA file the
    administrator set (``upper_level_ca_file``: a province's own certificate authority). Never unchecked."""
    if not ca_file.strip():
        return True
    return ssl.create_default_context(cafile=ca_file.strip())


def encode_push(batch: PushBatch) -> bytes:
    """A push's request body: the batch's JSON, gzip-compressed."""
    return gzip.compress(batch.model_dump_json().encode("utf-8"), compresslevel=PUSH_GZIP_LEVEL)


class HubClient:
    """One connection (keep-alive) to the server for one sync run; a context manager."""

    def __init__(self, hub_url: str, token: str, *, transport: httpx.BaseTransport | None = None,
                 connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT,
                 ca_file: str = "") -> None:
        self.hub_url = hub_url.strip().rstrip("/")
        self.host = _host(self.hub_url)
        timeout = httpx.Timeout(read_timeout, connect=connect_timeout, pool=connect_timeout)
        self._http = httpx.Client(
            base_url=self.hub_url + API_PREFIX, transport=transport, timeout=timeout, verify=tls_verify(ca_file),
            headers={"Authorization": f"Bearer {token}", "User-Agent": f"mot-cua-desk/{__version__}",
                     "Accept": "application/json"},
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- the calls ------------------------------------------------------------------------------------------------
    def status(self) -> HubStatus:
        return HubStatus.model_validate_json(self._request("GET", "/status").content)

    def push(self, batch: PushBatch) -> PushResult:
        return self.push_body(encode_push(batch))

    def push_body(self, body: bytes) -> PushResult:
        """Send a batch already encoded by :func:`encode_push` (the engine encodes the next batch while the server
        stores the current one)."""
        response = self._request("POST", "/events", content=body, headers={
            "Content-Type": "application/json", "Content-Encoding": "gzip"})
        return self._parse(PushResult, response)

    def feed(self, *, desk: int, events_after: int, publications_after: int, limit: int) -> Feed:
        response = self._request("GET", "/feed", params={
            "desk": desk, "events_after": events_after, "publications_after": publications_after, "limit": limit})
        return self._parse(Feed, response)

    def own_events(self, *, desk: int, after: int, limit: int) -> OwnEvents:
        response = self._request("GET", f"/desks/{desk}/events", params={"after": after, "limit": limit})
        return self._parse(OwnEvents, response)

    # -- plumbing -------------------------------------------------------------------------------------------------
    def _parse(self, model: Any, response: httpx.Response) -> Any:
        try:
            return model.model_validate_json(response.content)
        except ValidationError:
            log.warning("sync: unreadable %s answer from the server (%d bytes)", model.__name__, len(response.content))
            raise HubServerFault(f"Máy chủ cấp trên ({self.host}) trả lời không đọc được; sẽ thử lại.",
                                 status_code=response.status_code) from None

    def _request(self, method: str, path: str, **options: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **options)
            response.read()
        except httpx.TimeoutException as error:
            log.info("sync: %s %s timed out (%s)", method, path, type(error).__name__)
            raise HubUnreachable(f"Máy chủ cấp trên ({self.host}) không trả lời kịp. Dữ liệu vẫn lưu an toàn trên "
                                 "máy; sẽ gửi lại khi đường truyền ổn định.") from None
        except httpx.TransportError as error:
            log.info("sync: %s %s failed (%s)", method, path, type(error).__name__)
            raise HubUnreachable(f"Không kết nối được máy chủ cấp trên ({self.host}): kiểm tra mạng hoặc địa chỉ "
                                 "máy chủ. Dữ liệu vẫn lưu an toàn trên máy; sẽ gửi lại khi kết nối được.") from None
        except httpx.HTTPError as error:  # an answer that could not be decoded (e.g. a compressed body cut short)
            log.info("sync: %s %s answer unreadable (%s)", method, path, type(error).__name__)
            raise HubServerFault(f"Máy chủ cấp trên ({self.host}) trả lời không đọc được; sẽ thử lại.") from None
        code = response.status_code
        if code < 300:
            return response
        log.info("sync: %s %s answered %d", method, path, code)
        if code == 401:
            raise HubUnauthorized(f"{WRONG_TOKEN}. Chưa gửi gì lên cấp trên.", status_code=code)
        if code == 403:
            detail = _detail(response)
            raise HubForbidden("Mã bí mật này thuộc một xã khác, không dùng được cho dữ liệu của xã này; kiểm tra "
                               f"mã cơ quan và mã bí mật trong Thiết lập.{' ' + detail if detail else ''}",
                               status_code=code)
        if code in (400, 409):
            try:
                refusal = Refusal.model_validate_json(response.content)
            except ValidationError:
                detail = _detail(response) or f"mã lỗi {code}"
                raise HubProtocolError(f"Máy chủ cấp trên từ chối yêu cầu: {detail}", status_code=code) from None
            raise HubRefused(refusal, status_code=code)
        if code == 429:
            wait = _retry_after(response)
            later = f"sau {wait:g} giây" if wait is not None else "sau ít phút"
            raise HubBusy(f"Máy chủ cấp trên ({self.host}) đang nhận quá nhiều yêu cầu; sẽ gửi lại {later}. Dữ liệu "
                          "vẫn lưu an toàn trên máy.", retry_after=wait)
        if code == 413:
            raise HubTooLarge("Gói dữ liệu quá lớn đối với máy chủ cấp trên.", status_code=code)
        if code >= 500:
            raise HubServerFault(f"Máy chủ cấp trên ({self.host}) đang gặp lỗi (mã {code}); sẽ thử lại sau.",
                                 status_code=code)
        detail = _detail(response) or f"mã lỗi {code}"
        raise HubProtocolError(f"Máy chủ cấp trên không nhận yêu cầu: {detail}. Có thể phần mềm ở bàn và ở cấp trên "
                               "khác phiên bản; liên hệ cấp trên.", status_code=code)


def probe(hub_url: str, *, transport: httpx.BaseTransport | None = None, timeout: float = 2.0,
          ca_file: str = "") -> bool:
    """Is the server reachable at all (``GET /api/v1/health``, no token)?"""
    url = hub_url.strip().rstrip("/")
    if not url:
        return False
    try:
        with httpx.Client(transport=transport, timeout=timeout, verify=tls_verify(ca_file)) as http:
            response = http.get(url + API_PREFIX + "/health")
    except (httpx.HTTPError, OSError, ssl.SSLError):  # also a CA file gone since it was set
        return False
    return response.status_code == 200
