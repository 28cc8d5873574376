"""The upper-level server's web application: the sync API, the officers' pages and the public lookup.

``create_app(db_url)`` opens (and migrates) the database; ``district-hub serve`` runs the app under uvicorn.
Around the routes: :class:`~district_hub.logsafe.ErrorGuard` (an unexpected failure is logged without any value and
answered 500), :class:`~district_hub.throttle.Throttle` (the rate limits, when given) and gzip for large answers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, Response

from desk_app import __version__
from desk_app.domain.errors import DomainError
from desk_app.sync.protocol import API_PREFIX
from district_hub import api, logsafe, pages, web
from district_hub.body import describe_errors
from district_hub.clock import Clock, system_now
from district_hub.db import HubDatabase, open_database
from district_hub.service import Hub
from district_hub.throttle import RateLimits, Throttle

log = logging.getLogger(__name__)

SERVER_ERROR = ("Máy chủ cấp trên gặp lỗi khi xử lý yêu cầu này. Thử lại sau; nếu lỗi lặp lại, báo quản trị máy chủ "
                "(chi tiết ở nhật ký của máy chủ).")


def error_page(message: str) -> str:
    return pages.layout("Lỗi máy chủ", f"<p>{message}</p>")


def create_app(db_url: str | None = None, *, database: HubDatabase | None = None,
               clock: Clock = system_now, limits: RateLimits | None = None,
               monotonic: Callable[[], float] = time.monotonic) -> FastAPI:
    """The app over ``database`` (kept open by the caller) or over the database at ``db_url`` (closed at shutdown).

    ``limits``: the rate limits (``district-hub serve`` passes its own; None: no limit, as in the tests); ``monotonic``
    is their clock.
    """
    from district_hub.config import db_url as resolve

    owned = database is None
    db = database if database is not None else open_database(resolve(db_url))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            db.close()

    app = FastAPI(
        title="district-hub: máy chủ cấp trên của Một Cửa Desk",
        description="Nhận sự kiện đồng bộ từ các bàn tiếp nhận của xã, trả lại sự kiện của các bàn khác, quyết "
                    "định của cấp trên, danh mục thủ tục và lịch nghỉ đã công bố. Xác thực bằng mã bí mật của xã "
                    "(Authorization: Bearer ...).",
        version=__version__,
        lifespan=lifespan,
    )
    app.state.hub = Hub(db, clock)
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    if limits is not None:
        app.add_middleware(Throttle, limits=limits, clock=monotonic)  # type: ignore[arg-type]
    # The outermost of ours: whatever fails below is logged without its message and answered here.
    app.add_middleware(logsafe.ErrorGuard, json_prefix=API_PREFIX, message=SERVER_ERROR,  # type: ignore[arg-type]
                       page=error_page)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": describe_errors(error.errors())})

    @app.exception_handler(Exception)
    async def failed(request: Request, _error: Exception) -> Response:
        # Starlette's outermost middleware calls this, then raises the error again for the server's log.
        if request.url.path.startswith(API_PREFIX):
            return JSONResponse(status_code=500, content={"detail": SERVER_ERROR})
        return HTMLResponse(error_page(SERVER_ERROR), status_code=500)

    @app.exception_handler(DomainError)
    async def refused(_request: Request, error: DomainError) -> JSONResponse:
        return JSONResponse(status_code=400, content={"detail": error.message})

    app.include_router(api.router)
    app.include_router(web.router)
    return app
