"""``district-hub``: the upper-level server's command line (also ``python -m district_hub``).

Every command works on the database given by ``--db URL`` (before or after the command's name), by default a
SQLite file in the server's data folder. Exit codes: 0 done, 1 refused (the message says why and what to do),
2 wrong usage.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from desk_app import __version__
from desk_app.domain.errors import DomainError
from district_hub.config import DATA_DIR_ENV, DB_FILENAME, db_url
from district_hub.db import HubDatabase, open_database

DB_HELP = (f"cơ sở dữ liệu: sqlite:///đường/dẫn.db, postgresql+psycopg://người@máy:cổng/tên, hoặc đường dẫn một tệp "
           f"SQLite; mặc định tệp {DB_FILENAME} trong thư mục dữ liệu của máy chủ (biến môi trường {DATA_DIR_ENV}, "
           "nếu không thì thư mục dữ liệu người dùng 'district-hub')")

EPILOG = """\
--db đặt trước hoặc sau tên lệnh đều được, ví dụ:
  district-hub --db postgresql+psycopg://hub@127.0.0.1/hub serve --port 8000
  district-hub add-commune --code 000.31.22.H20 --name "UBND xã Mỹ Phong" --db sqlite:///hub.db
Chỉ serve, add-commune và add-officer tạo cơ sở dữ liệu SQLite khi tệp chưa có; các lệnh khác báo lỗi.
Sau khi khôi phục cơ sở dữ liệu từ bản sao lưu: chạy district-hub new-instance trước khi chạy lại serve.
Mã thoát: 0 thành công; 1 bị từ chối (thông báo nói rõ lý do); 2 sai cách gọi lệnh."""


CREATING_COMMANDS = frozenset({"serve", "add-commune", "add-officer"})  # the only ones that may create the database


def _open(args: argparse.Namespace) -> HubDatabase:
    return open_database(db_url(args.db), create=args.command in CREATING_COMMANDS)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from district_hub.app import create_app
    from district_hub.serving import rate_limits, scheme, uvicorn_config

    limits = rate_limits(args)
    database = _open(args)
    app = create_app(database=database, limits=limits)
    try:
        config = uvicorn_config(app, args)
    except DomainError:
        database.close()
        raise
    print(f"district-hub {__version__} phục vụ tại {scheme(args)}://{args.host}:{args.port} (dừng: Ctrl+C); giới "
          f"hạn yêu cầu mỗi phút/cùng lúc: {limits.describe()}", flush=True)
    # The access log is off unless asked for; when on, its request lines carry no query string (logsafe).
    uvicorn.Server(config).run()
    database.close()
    return 0


def cmd_add_commune(args: argparse.Namespace) -> int:
    from district_hub.registry import add_commune

    db = _open(args)
    try:
        commune, token = add_commune(db, args.code, args.name, rotate=args.rotate)
    finally:
        db.close()
    action = "Đã cấp mã bí mật mới cho" if args.rotate else "Đã thêm"
    print(f"{action} xã {commune.code} ({commune.name}). Mã bí mật (chỉ hiện một lần, nhập vào phần thiết lập đồng "
          "bộ của từng bàn tiếp nhận của xã):")
    print(token)
    return 0


def cmd_add_officer(args: argparse.Namespace) -> int:
    from district_hub.registry import add_officer

    db = _open(args)
    try:
        name, token = add_officer(db, args.name, rotate=args.rotate)
    finally:
        db.close()
    print(f"Cán bộ '{name}' đăng nhập trang web của máy chủ bằng mã bí mật sau làm mật khẩu (chỉ hiện một lần; "
          "tên ghi ở ô đăng nhập chỉ để nhận biết, chỉ mã bí mật được kiểm tra):")
    print(token)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from district_hub.clock import shown
    from district_hub.stats import commune_counts, stats_json

    db = _open(args)
    try:
        counts = commune_counts(db)
    finally:
        db.close()
    if args.json:
        print(json.dumps(stats_json(counts), ensure_ascii=False, sort_keys=True))
        return 0
    if not counts:
        print("Máy chủ chưa có xã nào. Thêm xã: district-hub add-commune --code MÃ_CƠ_QUAN --name \"Tên xã\".")
        return 0
    print(f"{'Mã cơ quan':<15} {'Hồ sơ':>8} {'Sự kiện':>9}  {'Gửi lên lần cuối':<17} {'Nhận về lần cuối':<17} Tên xã")
    for c in counts:
        print(f"{c.code:<15} {c.dossiers:>8} {c.events:>9}  {shown(c.last_push_at) or '—':<17} "
              f"{shown(c.last_pull_at) or '—':<17} {c.name}")
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    from district_hub.decisions import decide

    db = _open(args)
    try:
        outcome = decide(db, args.code, args.kind, items=args.items, reason=args.reason, officer=args.by)
    finally:
        db.close()
    print(outcome.message)
    return 0


def cmd_new_instance(args: argparse.Namespace) -> int:
    from district_hub.registry import new_instance

    db = _open(args)
    try:
        instance = new_instance(db)
    finally:
        db.close()
    print(f"Đã đổi mã phiên bản cơ sở dữ liệu thành {instance}. Ở lần đồng bộ tới, mọi bàn tiếp nhận đọc lại dữ "
          "liệu của máy chủ từ đầu và gửi lại những gì máy chủ thiếu.")
    return 0


def _publish(kind: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from district_hub.publishing import publish_file

        db = _open(args)
        try:
            outcome = publish_file(db, kind, Path(args.file))
        finally:
            db.close()
        print(outcome.message)
        return 0

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="district-hub",
        description="Máy chủ cấp trên (tỉnh, hoặc huyện theo mô hình cũ) nhận dữ liệu đồng bộ từ các xã.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"district-hub {__version__}")
    parser.add_argument("--db", metavar="URL", default=None, help=DB_HELP)
    commands = parser.add_subparsers(dest="command", metavar="LỆNH", required=True)

    def command(name: str, help_text: str, run: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help=DB_HELP)
        sub.set_defaults(run=run)
        return sub

    serve = command("serve", "Chạy máy chủ web (API đồng bộ, trang tổng hợp, trang tra cứu).", cmd_serve)
    serve.add_argument("--host", default="127.0.0.1", help="địa chỉ lắng nghe (mặc định 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="cổng (mặc định 8000)")
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"],
                       help="mức ghi nhật ký (mặc định info; nhật ký không ghi tham số truy vấn, mã bí mật hay dữ "
                            "liệu cá nhân)")
    from district_hub.serving import add_arguments

    add_arguments(serve)

    add = command("add-commune", "Thêm một xã và in mã bí mật của xã ở dòng cuối.", cmd_add_commune)
    add.add_argument("--code", required=True, help="mã cơ quan tiếp nhận của xã (QCVN 102:2016, ví dụ 000.31.22.H20)")
    add.add_argument("--name", help="tên xã, ví dụ \"UBND xã Mỹ Phong\" (bắt buộc khi thêm mới)")
    add.add_argument("--rotate", action="store_true", help="cấp mã bí mật mới cho xã đã có (mã cũ hết hiệu lực)")

    officer = command("add-officer", "Thêm cán bộ cấp trên dùng trang web; in mã bí mật (mật khẩu) ở dòng cuối.",
                      cmd_add_officer)
    officer.add_argument("--name", required=True, help="tên cán bộ, ghi vào các quyết định người đó nhập trên trang "
                                                       "web (khi đăng nhập, chỉ mã bí mật được kiểm tra)")
    officer.add_argument("--rotate", action="store_true", help="cấp mã bí mật mới cho cán bộ đã có")

    stats = command("stats", "Số hồ sơ và số sự kiện máy chủ đang giữ của từng xã.", cmd_stats)
    stats.add_argument("--json", action="store_true",
                       help='in đúng {"communes": {"<mã cơ quan>": {"dossiers": N, "events": M}}}')

    decide = command("decide", "Ghi quyết định của cấp trên về một hồ sơ xã đã chuyển lên: có kết quả (result) "
                               "hoặc yêu cầu bổ sung (supplement).", cmd_decide)
    decide.add_argument("code", help="mã hồ sơ, ví dụ 000.31.22.H20-260302-0001")
    decide.add_argument("kind", choices=["result", "supplement"], help="result: đã có kết quả; supplement: yêu cầu "
                                                                       "bổ sung hồ sơ")
    decide.add_argument("--items", nargs="+", metavar="GIẤY_TỜ", help="các giấy tờ phải bổ sung (bắt buộc với "
                                                                       "supplement, liệt kê đầy đủ một lần)")
    decide.add_argument("--reason", help="lý do yêu cầu bổ sung")
    decide.add_argument("--by", metavar="TÊN", help="người quyết định, ghi vào sự kiện (mặc định: dòng lệnh)")

    command("new-instance", "Đổi mã phiên bản cơ sở dữ liệu: chạy ngay sau khi khôi phục cơ sở dữ liệu từ bản sao "
                            "lưu (hoặc chép sang máy chủ mới), trước khi chạy lại serve; các bàn sẽ đọc lại từ đầu.",
            cmd_new_instance)

    catalog = command("publish-catalog", "Công bố danh mục thủ tục (dạng database/catalog/procedures.json) cho mọi "
                                         "xã.", _publish("catalog"))
    catalog.add_argument("file", help="tệp JSON danh mục")
    holidays = command("publish-holidays", "Công bố lịch nghỉ lễ chính thức (dạng {\"years\": {...}} như "
                                           "database/catalog/holidays.json) cho mọi xã.", _publish("holidays"))
    holidays.add_argument("file", help="tệp JSON lịch nghỉ")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "serve":
        from district_hub import logsafe

        logging.getLogger("district_hub").setLevel(args.log_level.upper())
        logsafe.install()
    try:
        return int(args.run(args))
    except DomainError as error:
        print(f"Lỗi: {error.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
