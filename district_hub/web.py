"""The web pages: the officers' overview (``/``) and decision form (``/quyet-dinh``) behind HTTP Basic (the
password is the officer's token), and the public lookup (``/tra-cuu?ma=CODE&khoa=KEY``)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from desk_app.domain.errors import DomainError
from district_hub import pages
from district_hub.decisions import decide
from district_hub.overview import figures, lookup
from district_hub.registry import Officer, officer_by_token
from district_hub.service import Hub

router = APIRouter(include_in_schema=False)
MAX_FORM_BYTES = 64 * 1024
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff"}


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def _officer(request: Request) -> Officer | None:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        _user, _, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if not password:
        return None
    with _hub(request).db.read() as conn:
        return officer_by_token(conn, password)


def _login_required() -> HTMLResponse:
    return HTMLResponse(pages.login_required_page(), status_code=401, headers={
        **NO_STORE, "WWW-Authenticate": 'Basic realm="district-hub", charset="UTF-8"'})


def _html(content: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(content, status_code=status, headers=NO_STORE)


def csrf_token(officer: Officer) -> str:
    """A form token only someone who knows the officer's token hash can make (another site cannot post for them)."""
    return hmac.new(officer.token_hash.encode(), b"quyet-dinh", hashlib.sha256).hexdigest()[:32]


@router.get("/", response_class=HTMLResponse)
def overview(request: Request) -> HTMLResponse:
    if _officer(request) is None:
        return _login_required()
    hub = _hub(request)
    today = hub.clock().date()
    return _html(pages.overview_page(figures(hub.db, today), today))


@router.get("/quyet-dinh", response_class=HTMLResponse)
def decision_form(request: Request) -> HTMLResponse:
    officer = _officer(request)
    if officer is None:
        return _login_required()
    return _html(pages.decision_page(csrf_token(officer)))


@router.post("/quyet-dinh", response_class=HTMLResponse)
async def decision_post(request: Request) -> HTMLResponse:
    officer = await run_in_threadpool(_officer, request)
    if officer is None:
        return _login_required()
    raw = await request.body()
    if len(raw) > MAX_FORM_BYTES:
        return _html(pages.decision_page(csrf_token(officer), error="Nội dung biểu mẫu quá dài."), 413)
    form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True).items()}
    code, kind = form.get("ma", "").strip(), form.get("loai", "result")
    items_text, reason = form.get("giay_to", ""), form.get("ly_do", "")
    token = csrf_token(officer)
    keep = {"code": code, "kind": kind, "items": items_text, "reason": reason}
    if not hmac.compare_digest(form.get("csrf", ""), token):
        return _html(pages.decision_page(token, error="Biểu mẫu đã cũ hoặc không gửi từ trang này; mở lại trang "
                                                      "và ghi lại.", **keep), 403)
    hub = _hub(request)
    items = [line for line in items_text.splitlines() if line.strip()] if kind == "supplement" else None
    try:
        outcome = await run_in_threadpool(lambda: decide(hub.db, code, kind, items=items, reason=reason or None,
                                                         officer=officer.name, clock=hub.clock))
    except DomainError as error:
        return _html(pages.decision_page(token, error=error.message, **keep), 400)
    return _html(pages.decision_page(token, message=outcome.message))


@router.get("/tra-cuu", response_class=HTMLResponse)
def public_lookup(request: Request, ma: Annotated[str, Query(max_length=60)] = "",
                  khoa: Annotated[str, Query(max_length=40)] = "") -> HTMLResponse:
    if not ma.strip() and not khoa.strip():
        return _html(pages.lookup_page())
    found = lookup(_hub(request).db, ma, khoa)
    return _html(pages.lookup_page(code=ma.strip(), key=khoa.strip(), asked=True, found=found))
