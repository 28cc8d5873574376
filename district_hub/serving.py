"""How ``district-hub serve`` runs the app under uvicorn: TLS, a reverse proxy's headers, the access log (redacted)
and the rate limits, from the command line and the environment.

TLS: ``--ssl-certfile``/``--ssl-keyfile`` (PEM; the key's passphrase, if any, in ``DISTRICT_HUB_SSL_KEYFILE_PASSWORD``)
make uvicorn answer HTTPS itself. Behind a reverse proxy (nginx, Caddy) that ends TLS, ``--proxy-headers`` (on by
default) takes the client's address and scheme from ``X-Forwarded-For``/``X-Forwarded-Proto``, but only from the
addresses in ``--forwarded-allow-ips`` (default: ``FORWARDED_ALLOW_IPS``, else 127.0.0.1): the rate limits per
client address count the real client, not the proxy.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from desk_app.domain.errors import ValidationError
from district_hub import logsafe
from district_hub.throttle import RateLimits

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI

KEY_PASSWORD_ENV = "DISTRICT_HUB_SSL_KEYFILE_PASSWORD"
FORWARDED_ENV = "FORWARDED_ALLOW_IPS"  # uvicorn's own variable
RATE_FLAGS = {rule: "--rate-" + rule.replace("_", "-") for rule in RateLimits.names()}
RATE_HELP = {
    "push": "gửi sự kiện (POST /api/v1/events), tính theo mã bí mật của xã",
    "api": "các lệnh khác của API đồng bộ (status, feed), tính theo mã bí mật của xã",
    "lookup": "trang tra cứu công khai /tra-cuu, tính theo địa chỉ máy khách",
    "auth_failures": "số lần mã bí mật hoặc mật khẩu sai (trả 401), tính theo địa chỉ máy khách; hết lượt thì mọi "
                     "yêu cầu cần đăng nhập từ địa chỉ đó bị chặn đến khi hồi lại",
}


def add_arguments(serve: argparse.ArgumentParser) -> None:
    """The options of ``district-hub serve`` beyond host, port and log level."""
    tls = serve.add_argument_group("HTTPS và máy chủ trung gian (reverse proxy)")
    tls.add_argument("--ssl-certfile", metavar="TỆP", help="chứng chỉ (PEM, kèm chứng chỉ trung gian) để tự phục vụ "
                                                             "HTTPS; cần kèm --ssl-keyfile")
    tls.add_argument("--ssl-keyfile", metavar="TỆP", help=f"khoá riêng (PEM) của chứng chỉ; mật khẩu của khoá (nếu "
                                                            f"có) đặt ở biến môi trường {KEY_PASSWORD_ENV}")
    tls.add_argument("--proxy-headers", action=argparse.BooleanOptionalAction, default=True,
                     help="nhận địa chỉ máy khách và giao thức từ X-Forwarded-For/X-Forwarded-Proto do máy chủ "
                          "trung gian gửi (mặc định bật; chỉ tin các địa chỉ ở --forwarded-allow-ips)")
    tls.add_argument("--forwarded-allow-ips", metavar="ĐỊA_CHỈ", default=None,
                     help=f"các địa chỉ máy chủ trung gian được tin, cách nhau dấu phẩy (mặc định: biến môi trường "
                          f"{FORWARDED_ENV}, nếu không thì 127.0.0.1)")
    serve.add_argument("--access-log", action=argparse.BooleanOptionalAction, default=False,
                       help="ghi nhật ký từng yêu cầu (mặc định tắt); đường dẫn ghi không kèm tham số truy vấn, không "
                            "ghi mã bí mật hay tiêu đề")
    rates = serve.add_argument_group(
        "giới hạn số yêu cầu", "Dạng SỐ_MỖI_PHÚT/SỐ_CÙNG_LÚC, ví dụ 60/30; 0 để tắt. Vượt giới hạn: trả 429 kèm "
                               "Retry-After. Mặc định lấy từ biến môi trường DISTRICT_HUB_RATE_<TÊN>, nếu không thì: "
        + ", ".join(f"{RATE_FLAGS[r]} {getattr(RateLimits(), r)}" for r in RateLimits.names()) + ".")
    for rule in RateLimits.names():
        rates.add_argument(RATE_FLAGS[rule], dest=f"rate_{rule}", metavar="N/B", default=None,
                           help=f"{RATE_HELP[rule]} (biến môi trường {RateLimits.env_name(rule)})")


def rate_limits(args: argparse.Namespace, environ: dict[str, str] | None = None) -> RateLimits:
    given = {rule: getattr(args, f"rate_{rule}", None) for rule in RateLimits.names()}
    return RateLimits.from_settings(given, os.environ if environ is None else environ)


def _existing(value: str | None, flag: str) -> str | None:
    if value is None:
        return None
    path = Path(value).expanduser()
    if not path.is_file():
        raise ValidationError(f"Không có tệp {path} ({flag}).", field=flag)
    return str(path)


def uvicorn_config(app: FastAPI, args: argparse.Namespace) -> uvicorn.Config:
    """The uvicorn configuration of ``district-hub serve`` (its log filters installed)."""
    import uvicorn

    certfile = _existing(args.ssl_certfile, "--ssl-certfile")
    keyfile = _existing(args.ssl_keyfile, "--ssl-keyfile")
    if bool(certfile) != bool(keyfile):
        raise ValidationError("HTTPS cần cả chứng chỉ (--ssl-certfile) và khoá riêng (--ssl-keyfile).",
                              field="--ssl-certfile")
    forwarded = args.forwarded_allow_ips or os.environ.get(FORWARDED_ENV) or "127.0.0.1"
    config = uvicorn.Config(
        app, host=args.host, port=args.port, log_level=args.log_level, access_log=args.access_log,
        server_header=False, proxy_headers=args.proxy_headers, forwarded_allow_ips=forwarded,
        ssl_certfile=certfile, ssl_keyfile=keyfile, ssl_keyfile_password=os.environ.get(KEY_PASSWORD_ENV) or None,
    )
    logsafe.install()  # after uvicorn configured its loggers and handlers
    return config


def scheme(args: argparse.Namespace) -> str:
    return "https" if args.ssl_certfile else "http"
