"""Request bodies of the API: gzip accepted, a size limit after decompression, and readable 422 answers.

:class:`LimitedBodyRoute` replaces the request of its routes with :class:`LimitedBodyRequest`, whose body is read at
most :data:`~desk_app.sync.protocol.MAX_BODY_BYTES` (compressed and decompressed alike; past it: 413, a declared
``Content-Length`` past it before a byte is read, a gzip body while it inflates) and inflated when it comes with
``Content-Encoding: gzip``. A body route takes only ``Content-Type: application/json`` (else 415); a body that is
not UTF-8, not JSON or nested too deep is a 422 in Vietnamese. :func:`describe_errors` turns pydantic's errors into
one Vietnamese sentence that names where the body is wrong, never the values (they may hold personal data).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

from desk_app.sync.protocol import MAX_BODY_BYTES

TOO_LARGE = (f"Lô dữ liệu quá lớn: tối đa {MAX_BODY_BYTES // (1024 * 1024)} MiB (sau khi giải nén). Gửi thành các "
             "lô nhỏ hơn.")


NOT_JSON = "Dữ liệu gửi lên không phải JSON hợp lệ."
NOT_UTF8 = "Dữ liệu gửi lên không phải văn bản UTF-8 hợp lệ (JSON phải mã hoá UTF-8)."
TOO_DEEP = "Dữ liệu gửi lên không phải JSON hợp lệ hoặc lồng nhau quá sâu."
WRONG_TYPE = ("Nội dung gửi lên phải là JSON: cần tiêu đề Content-Type: application/json (máy chủ không nhận kiểu "
              "nội dung khác).")
BAD_GZIP = "Nội dung nén gzip bị hỏng, không giải nén được."
CUT_GZIP = "Nội dung nén gzip bị cắt cụt (thiếu phần cuối)."
TRAILING_GZIP = "Nội dung nén gzip có dữ liệu thừa sau phần kết thúc; chỉ gửi một khối gzip."


def _too_large() -> HTTPException:
    return HTTPException(status_code=413, detail=TOO_LARGE)


def _invalid(detail: str) -> HTTPException:
    return HTTPException(status_code=422, detail=detail)


def is_json_type(content_type: str | None) -> bool:
    """``application/json`` or ``application/*+json`` (parameters such as ``charset=utf-8`` allowed)."""
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    kind, _, subtype = media.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


def inflate(data: bytes, limit: int = MAX_BODY_BYTES) -> bytes:
    """Decompress a gzip body, refusing (413) past ``limit`` bytes without inflating the rest."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
        if len(out) > limit or inflater.unconsumed_tail:
            raise _too_large()
        out += inflater.flush()
    except zlib.error:
        raise _invalid(BAD_GZIP) from None
    if len(out) > limit:
        raise _too_large()
    if not inflater.eof:
        raise _invalid(CUT_GZIP)
    if inflater.unused_data.strip(b"\0"):
        raise _invalid(TRAILING_GZIP)
    return out


def _why_not_json(body: bytes, message: str) -> str:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return NOT_UTF8
    return TOO_DEEP if "recursion" in message else NOT_JSON


class LimitedBodyRequest(Request):
    #: The pydantic model a JSON body is read into straight from its bytes (see :meth:`json`), or None.
    body_model: type[BaseModel] | None = None

    async def json(self) -> Any:
        """The body as the route's model when it is one (validated from the raw bytes: a third of the time of
        ``json.loads`` followed by the validation of the objects), else the parsed JSON.

        A body that does not validate is parsed as plain JSON instead, and FastAPI validates it and reports its
        errors exactly as it does for any route (a malformed body costs twice; a good one, once). A body that is no
        JSON at all (not UTF-8, a syntax error, nested past the parser's limit) is a 422 here.
        """
        if not hasattr(self, "_json"):
            body = await self.body()
            if self.body_model is not None:
                try:
                    self._json = self.body_model.model_validate_json(body)
                    return self._json
                except ValidationError as error:
                    broken = [e for e in error.errors(include_input=False) if e.get("type") == "json_invalid"]
                    if broken:
                        raise _invalid(_why_not_json(body, str(broken[0].get("msg", "")))) from None
            try:
                self._json = json.loads(body)
            except RecursionError:
                raise _invalid(TOO_DEEP) from None
            except ValueError:  # JSONDecodeError and UnicodeDecodeError alike
                raise _invalid(_why_not_json(body, "")) from None
        return self._json

    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            declared = self.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
                raise _too_large()
            raw = bytearray()
            async for chunk in self.stream():
                raw += chunk
                if len(raw) > MAX_BODY_BYTES:
                    raise _too_large()
            encoding = self.headers.get("content-encoding", "identity").strip().lower()
            if encoding == "gzip":
                self._body = inflate(bytes(raw))
            elif encoding in ("", "identity"):
                self._body = bytes(raw)
            else:
                raise _invalid(f"Không nhận nội dung nén kiểu '{encoding[:20]}'; chỉ nhận gzip hoặc không nén.")
        return self._body


def body_model(route: APIRoute) -> type[BaseModel] | None:
    """The pydantic model the route's whole JSON body is (one body parameter, not embedded), or None."""
    field = route.body_field
    if field is None or getattr(route, "_embed_body_fields", True) or len(route.dependant.body_params) != 1:
        return None
    annotation = field.field_info.annotation
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


class LimitedBodyRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        request_class = LimitedBodyRequest
        model = body_model(self)
        if model is not None:
            request_class = type(f"{model.__name__}BodyRequest", (LimitedBodyRequest,), {"body_model": model})

        takes_body = self.body_field is not None

        async def limited(request: Request) -> Response:
            if takes_body and not is_json_type(request.headers.get("content-type")):
                raise HTTPException(status_code=415, detail=WRONG_TYPE)
            return await handler(request_class(request.scope, request.receive))

        return limited


_MESSAGES: dict[str, str] = {
    "missing": "thiếu",
    "extra_forbidden": "không có trong giao thức",
    "string_pattern_mismatch": "sai định dạng",
    "string_too_long": "quá dài",
    "string_too_short": "quá ngắn",
    "string_type": "phải là chuỗi ký tự",
    "int_type": "phải là số nguyên",
    "int_parsing": "phải là số nguyên",
    "bool_type": "phải là đúng/sai",
    "dict_type": "phải là một đối tượng JSON",
    "model_type": "phải là một đối tượng JSON",
    "model_attributes_type": "phải là một đối tượng JSON",
    "list_type": "phải là một danh sách",
    "too_short": "có quá ít phần tử",
    "too_long": "có quá nhiều phần tử",
    "greater_than_equal": "nhỏ hơn giá trị cho phép",
    "greater_than": "nhỏ hơn giá trị cho phép",
    "less_than_equal": "lớn hơn giá trị cho phép",
    "less_than": "lớn hơn giá trị cho phép",
    "literal_error": "có giá trị không được phép",
    "json_invalid": "không phải JSON hợp lệ",
}
_PLACES = {"body": "nội dung", "query": "tham số", "header": "tiêu đề", "path": "đường dẫn"}
SHOWN_ERRORS = 5


def _where(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _PLACES:
        place = _PLACES[parts[0]]
        rest = parts[1:]
        return f"{place} {'.'.join(rest)}" if rest else place
    return ".".join(parts) or "nội dung"


_BOUNDS: dict[str, tuple[str, str]] = {
    "too_long": ("max_length", " (tối đa {} phần tử)"),
    "too_short": ("min_length", " (tối thiểu {} phần tử)"),
    "string_too_long": ("max_length", " (tối đa {} ký tự)"),
    "less_than_equal": ("le", " (tối đa {})"),
    "greater_than_equal": ("ge", " (tối thiểu {})"),
}


def _bound(error: Mapping[str, Any]) -> str:
    """The limit the value broke, from the error's context (a limit of the protocol, never the value sent)."""
    key, text = _BOUNDS.get(str(error.get("type")), ("", ""))
    limit = (error.get("ctx") or {}).get(key) if key else None
    return text.format(limit) if isinstance(limit, int) and not isinstance(limit, bool) else ""


def describe_errors(errors: Iterable[Mapping[str, Any]]) -> str:
    """``Dữ liệu gửi lên không hợp lệ: nội dung events.0.hash sai định dạng; ...`` (values never echoed)."""
    listed = list(errors)
    if any(e.get("type") == "json_invalid" for e in listed):
        return "Dữ liệu gửi lên không phải JSON hợp lệ."
    parts = []
    for error in listed[:SHOWN_ERRORS]:
        message = _MESSAGES.get(str(error.get("type")), "không hợp lệ")
        parts.append(f"{_where(error.get('loc', ()))} {message}{_bound(error)}")
    more = f" (và {len(listed) - SHOWN_ERRORS} lỗi khác)" if len(listed) > SHOWN_ERRORS else ""
    return "Dữ liệu gửi lên không hợp lệ: " + "; ".join(parts) + more + "."
