"""The sync API under ``/api/v1`` (desk_app/sync/protocol.py is the contract; this is the server's side of it)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from desk_app.sync.protocol import (
    API_PREFIX,
    MAX_FEED_LIMIT,
    ErrorBody,
    Feed,
    HubStatus,
    OwnEvents,
    PushBatch,
    PushResult,
    Refusal,
)
from district_hub.body import LimitedBodyRoute
from district_hub.bounds import MAX_SEQ, batch_problem
from district_hub.feed import DEFAULT_FEED_LIMIT, feed, own_events, status
from district_hub.ingest import BatchRefused, push
from district_hub.registry import Commune, commune_by_token
from district_hub.service import Hub

bearer = HTTPBearer(auto_error=False, description="Mã bí mật của xã (district-hub add-commune in ra).")

UNAUTHORISED = ("Mã bí mật của xã không đúng hoặc đã được thay. Nhập lại mã bí mật mà cấp trên cấp cho xã "
                "(district-hub add-commune) trong phần thiết lập đồng bộ.")

UNAUTHORISED_RESPONSE: dict[str, Any] = {"model": ErrorBody, "description": "Thiếu mã bí mật hoặc mã bí mật không đúng"}
INVALID_RESPONSE: dict[str, Any] = {"model": ErrorBody, "description": "Tham số hoặc nội dung không hợp lệ"}
SERVER_ERROR_RESPONSE: dict[str, Any] = {"model": ErrorBody, "description": "Lỗi của máy chủ (không do bàn gửi sai): "
                                                                         "thử lại ở lần đồng bộ sau"}
TOO_MANY_RESPONSE: dict[str, Any] = {
    "model": ErrorBody,
    "description": "Quá nhiều yêu cầu bằng mã bí mật này (hoặc quá nhiều lần dùng mã sai từ địa chỉ này): gửi lại "
                   "sau số giây ở tiêu đề Retry-After; không có gì bị mất",
    "headers": {"Retry-After": {"description": "Số giây phải chờ trước khi gửi lại",
                                "schema": {"type": "integer", "minimum": 1}}},
}
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {401: UNAUTHORISED_RESPONSE, 422: INVALID_RESPONSE,
                                                429: TOO_MANY_RESPONSE, 500: SERVER_ERROR_RESPONSE}
STATUS_ERRORS: dict[int | str, dict[str, Any]] = {401: UNAUTHORISED_RESPONSE, 429: TOO_MANY_RESPONSE,
                                                  500: SERVER_ERROR_RESPONSE}
MAX_CURSOR = 2**63 - 1  # the feed's positions are 64-bit ids

# The push's body may be compressed (district_hub.body decompresses it before validation): declared here, since
# FastAPI cannot see a header the route class reads.
PUSH_OPENAPI: dict[str, Any] = {"parameters": [{
    "name": "Content-Encoding", "in": "header", "required": False,
    "description": "gzip khi nội dung được nén (khuyên dùng với lô lớn); giới hạn kích thước tính sau khi giải nén",
    "schema": {"type": "string", "enum": ["gzip", "identity"]},
}]}


def hub_of(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def authenticated(request: Request,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Commune:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise HTTPException(status_code=401, detail=UNAUTHORISED, headers={"WWW-Authenticate": "Bearer"})
    with hub_of(request).db.read() as conn:
        commune = commune_by_token(conn, credentials.credentials)
    if commune is None:
        raise HTTPException(status_code=401, detail=UNAUTHORISED, headers={"WWW-Authenticate": "Bearer"})
    return commune


CommuneDep = Annotated[Commune, Depends(authenticated)]

router = APIRouter(prefix=API_PREFIX, route_class=LimitedBodyRoute, tags=["đồng bộ"])


@router.get("/health", summary="Máy chủ có hoạt động không (không cần mã bí mật)")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/status", response_model=HubStatus, responses=STATUS_ERRORS,
            summary="Xã của mã bí mật, giờ máy chủ và đầu chuỗi sự kiện của từng bàn")
def get_status(request: Request, commune: CommuneDep) -> HubStatus:
    hub = hub_of(request)
    return status(hub.db, commune, hub.clock)


@router.post(
    "/events",
    response_model=PushResult,
    summary="Gửi một lô sự kiện của một bàn (có thể nén gzip)",
    openapi_extra=PUSH_OPENAPI,
    responses={
        400: {"model": Refusal, "description": "Lô không phải một đoạn liền của chuỗi một bàn (bad_request)"},
        401: UNAUTHORISED_RESPONSE,
        403: {"model": Refusal, "description": "Lô ghi một xã khác xã của mã bí mật (wrong_commune)"},
        409: {"model": Refusal, "description": "Lô bị từ chối toàn bộ: uuid_conflict, chain_break hoặc gap"},
        413: {"model": ErrorBody, "description": "Nội dung quá lớn (trước hoặc sau khi giải nén)"},
        415: {"model": ErrorBody, "description": "Nội dung không phải application/json"},
        422: {"model": ErrorBody, "description": "Nội dung không hợp lệ: không phải JSON UTF-8, nén gzip hỏng, sai "
                                                 "giao thức, quá nhiều sự kiện, số thứ tự hoặc nội dung sự kiện vượt "
                                                 "giới hạn"},
        429: TOO_MANY_RESPONSE,
        500: SERVER_ERROR_RESPONSE,
    },
)
def push_events(request: Request, batch: PushBatch, commune: CommuneDep) -> Any:
    hub = hub_of(request)
    problem = batch_problem(batch)
    if problem:
        raise HTTPException(status_code=422, detail=problem)
    try:
        return push(hub.db, commune, batch, hub.clock)
    except BatchRefused as refused:
        return JSONResponse(status_code=refused.status, content=refused.refusal.model_dump())


@router.get("/feed", response_model=Feed, responses=AUTH_ERRORS,
            summary="Sự kiện của các bàn khác và của cấp trên, danh mục và lịch nghỉ đã công bố")
def get_feed(
    request: Request,
    commune: CommuneDep,
    desk: Annotated[int, Query(ge=0, le=9, description="Bàn đang hỏi: sự kiện của chính bàn này không gửi lại")],
    events_after: Annotated[int, Query(ge=0, le=MAX_CURSOR, description=(
        "Vị trí sự kiện bàn đã nhận đến (events_cursor của lần trước; 0: từ đầu). Vị trí mà cơ sở dữ liệu này "
        "chưa từng cấp (máy chủ khôi phục từ bản sao lưu): không trả gì, mã phiên bản (instance) ở /status đổi "
        "và bàn đọc lại từ 0"))] = 0,
    publications_after: Annotated[int, Query(ge=0, le=MAX_CURSOR, description=(
        "Vị trí công bố (danh mục, lịch nghỉ) bàn đã nhận đến (publications_cursor của lần trước; 0: từ đầu)"))] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_FEED_LIMIT, description=(
        "Số sự kiện (và số công bố) tối đa của một trang; more=true: hỏi tiếp từ các vị trí trả về"))]
    = DEFAULT_FEED_LIMIT,
) -> Feed:
    hub = hub_of(request)
    return feed(hub.db, commune, desk, events_after, publications_after, limit, hub.clock)


@router.get("/desks/{desk}/events", response_model=OwnEvents, responses=AUTH_ERRORS,
            summary="Sự kiện của chính một bàn mà máy chủ đang giữ (bàn khôi phục từ bản sao lưu cũ lấy lại)")
def get_own_events(
    request: Request,
    commune: CommuneDep,
    desk: Annotated[int, Path(ge=0, le=9, description="Bàn lấy lại sự kiện của chính mình")],
    after: Annotated[int, Query(ge=0, le=MAX_SEQ, description=(
        "Số thứ tự sự kiện cuối cùng bàn đang có (0: từ đầu)"))] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_FEED_LIMIT, description=(
        "Số sự kiện tối đa của một trang; more=true: hỏi tiếp từ sự kiện cuối cùng trả về"))] = DEFAULT_FEED_LIMIT,
) -> OwnEvents:
    hub = hub_of(request)
    return own_events(hub.db, commune, desk, after, limit)
