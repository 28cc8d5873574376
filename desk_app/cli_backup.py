"""``desk-app backup`` and ``desk-app restore``: the command-line side of :mod:`desk_app.services.backup`.

The passphrase never comes from the command line's arguments (anyone on the PC sees them in the process list): it
is the ``backup_passphrase`` setting, or one line read from standard input with ``--passphrase-stdin`` (typed
without echo when standard input is a terminal).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desk_app.domain.errors import DomainError

EXIT_OK, EXIT_REFUSED = 0, 2
YES = {"c", "co", "có", "y", "yes"}


def add_parsers(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    backup = add("backup", "back the database up now (checked; encrypted when a passphrase is set); prints the file "
                           "as the last line")
    backup.add_argument("--to", type=Path, metavar="DIR", help="folder to write into (default: the backup_dir setting, "
                                                                "or backups/ in the data folder)")
    backup.add_argument("--passphrase-stdin", action="store_true",
                        help="read the encryption passphrase from standard input (default: the backup_passphrase "
                             "setting; an empty line writes a plain copy)")
    restore = add("restore", "replace the desk's database with a backup, after checking it; the current one is kept "
                             "aside")
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.add_argument("--passphrase-stdin", action="store_true",
                         help="read the passphrase of an encrypted backup from standard input (default: the "
                              "backup_passphrase setting of the current database)")
    restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    add("accept-restore", "after a restore, when no sync can be made: declare that the upper level holds nothing this "
                          "desk wrote after the backup, so the desk may write again (audited)")


def accept_restore_command(_args: argparse.Namespace, runner: Any) -> int:
    from desk_app.services.backup import accept_restore

    restored = accept_restore(runner.context())
    if restored is None:
        print("Bàn này không chờ đồng bộ sau khôi phục: không cần xác nhận gì.")
    else:
        print(f"Đã ghi nhận (vào nhật ký kiểm tra): bàn khôi phục lúc {restored} tiếp tục ghi hồ sơ mà không đồng bộ "
              "trước. Nếu cấp trên thật ra đã giữ dữ liệu mới hơn bản sao lưu, lần đồng bộ tới sẽ báo lệch.")
    return EXIT_OK


def read_passphrase() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("Mật khẩu sao lưu: ")
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def _size(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB" if size >= 1_048_576 else f"{size / 1024:.0f} KB"


def backup_command(args: argparse.Namespace, runner: Any) -> int:
    from desk_app.services.backup import make_backup

    passphrase = read_passphrase() if args.passphrase_stdin else None
    result = make_backup(runner.context(), to=args.to, reason="manual", passphrase=passphrase)
    if result.warning:
        print(f"Lưu ý: {result.warning}", file=sys.stderr)
    print(f"Đã sao lưu và kiểm tra: {result.dossiers} hồ sơ, {result.events} sự kiện, {_size(result.size)}"
          f"{', có mã hóa' if result.encrypted else ', không mã hóa'}.")
    for path in result.pruned:
        print(f"Đã xóa bản sao lưu cũ: {path.name}", file=sys.stderr)
    print(result.path)
    return EXIT_OK


def restore_command(args: argparse.Namespace, runner: Any) -> int:
    from desk_app.services.backup import restore_backup
    from desk_app.store.db import DB_FILENAME

    passphrase = read_passphrase() if args.passphrase_stdin else None
    target = runner.data_dir / DB_FILENAME
    if not args.yes:
        print(f"Khôi phục {args.file} vào {target}.")
        if target.exists():
            print("Cơ sở dữ liệu hiện tại sẽ được giữ lại bên cạnh (desk.db.before-restore-…), không bị xóa.")
        print("Tiếp tục? Gõ c rồi Enter để khôi phục: ", end="", flush=True)
        answer = sys.stdin.readline().strip().lower()
        if answer not in YES:
            raise DomainError("Chưa khôi phục: không có xác nhận (gõ c, hoặc dùng --yes).", field="yes")
    actor = f"cli:{getpass.getuser()}"
    result = restore_backup(runner.data_dir, args.file, passphrase=passphrase, actor=actor)
    print(f"Đã khôi phục và kiểm tra: {result.dossiers} hồ sơ, {result.events} sự kiện.")
    if result.kept_aside is not None:
        print(f"Cơ sở dữ liệu trước đó được giữ lại: {result.kept_aside}")
    else:
        print("Thư mục dữ liệu chưa có cơ sở dữ liệu nào trước đó.")
    if result.not_acknowledged:
        print(f"{result.not_acknowledged} sự kiện của bản sao lưu chưa được cấp trên xác nhận; lần đồng bộ tới sẽ gửi "
              "lại (cấp trên không nhận trùng).")
    for note in result.notes:
        print(f"Lưu ý: {note}")
    print(result.database)
    return EXIT_OK
