"""``desk-app retention``, ``desk-app archive`` and ``desk-app verify-archive``: the command-line side of
:mod:`desk_app.services.retention` (the ``personal_data_retention`` setting, per procedure field).

An encrypted archive's passphrase never comes from the command line's arguments (the process list shows them): it is
the ``backup_passphrase`` setting, or one line read from standard input with ``--passphrase-stdin``.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desk_app.domain.errors import DomainError

EXIT_OK, EXIT_FAULT = 0, 1
YES = {"c", "co", "có", "y", "yes"}


def add_parsers(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    plan = add("retention", "closed dossiers whose personal data has passed its retention period, per procedure field "
                            "(setting personal_data_retention)")
    plan.add_argument("--json", action="store_true")
    archive = add("archive", "write the dossiers past their retention period to an archive file, check it, then "
                             "remove their personal data from the desk (administrator); prints the file last")
    archive.add_argument("--out", type=Path, required=True, metavar="FILE.zip|DIR",
                         help="the archive to create (never replaced), or a folder to create a dated one in")
    archive.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    check = add("verify-archive", "check an archive file: its entries, each event's hash, and that hash against the "
                                  "one this desk holds")
    check.add_argument("file", type=Path, metavar="FILE")
    check.add_argument("--passphrase-stdin", action="store_true",
                       help="read the passphrase of an encrypted archive from standard input (default: the "
                            "backup_passphrase setting)")
    check.add_argument("--json", action="store_true")


def _day(moment: Any) -> str:
    return moment.strftime("%d/%m/%Y") if moment is not None else "—"


def retention_command(args: argparse.Namespace, runner: Any) -> int:
    from desk_app.services.retention import due_for_archive

    plan = due_for_archive(runner.context())
    if args.json:
        print(json.dumps(plan.as_json(), ensure_ascii=False, indent=2))
        return EXIT_OK
    for field in plan.fields:
        print(f"{field.field_code:6} {field.field_name:32} lưu {field.years} năm sau khi kết thúc (kết thúc trước "
              f"{_day(field.closed_before)}): {field.due} hồ sơ đến hạn, {field.waiting_sync} chờ đồng bộ; cũ nhất "
              f"{_day(field.oldest_closed_at)}")
    if plan.kept:
        print("Lưu lâu dài: " + ", ".join(f"{code} ({name})" for code, name in plan.kept))
    print(plan.summary())
    return EXIT_OK


def archive_command(args: argparse.Namespace, runner: Any) -> int:
    from desk_app.services.retention import archive_and_redact, due_for_archive

    ctx = runner.context()
    if not args.yes:
        plan = due_for_archive(ctx)
        print(plan.summary())
        if not plan.due:
            return EXIT_OK
        print(f"Lưu trữ {plan.due} hồ sơ vào {args.out}, rồi XÓA số giấy tờ, ngày sinh, giới tính, điện thoại, email, "
              "địa chỉ của các hồ sơ này trên máy (họ tên và sổ theo dõi được giữ).")
        print("Tiếp tục? Gõ c rồi Enter: ", end="", flush=True)
        if sys.stdin.readline().strip().lower() not in YES:
            raise DomainError("Chưa lưu trữ, chưa xóa gì: không có xác nhận (gõ c, hoặc dùng --yes).", field="yes")
    result = archive_and_redact(ctx, args.out)
    if result.path is None:
        print(result.message)
        return EXIT_OK
    fields = ", ".join(f"{code} {count}" for code, count in sorted(result.by_field.items())) or "không"
    print(f"Đã lưu trữ: {result.archived} hồ sơ; đã xóa dữ liệu cá nhân: {result.dossiers} hồ sơ ({fields}), "
          f"{result.cleared_events} sự kiện được xóa dữ liệu.")
    print(result.message)
    print(f"SHA-256 của tệp: {result.sha256}")
    print(result.path)
    return EXIT_OK


def _read_passphrase() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("Mật khẩu sao lưu: ")
    return sys.stdin.readline().rstrip("\r\n")


def verify_archive_command(args: argparse.Namespace, runner: Any) -> int:
    from desk_app.services.retention import check_archive

    passphrase = _read_passphrase() if args.passphrase_stdin else None
    check = check_archive(runner.context(), args.file, passphrase=passphrase)
    if args.json:
        print(json.dumps({"ok": check.ok, "dossiers": check.dossiers, "events": check.events,
                          "matched": check.matched, "not_on_desk": check.not_on_desk, "encrypted": check.encrypted,
                          "created_at": check.created_at, "problems": check.problems}, ensure_ascii=False, indent=2))
        return EXIT_OK if check.ok else EXIT_FAULT
    for problem in check.problems[:50]:
        print(problem, file=sys.stderr)
    if not check.ok:
        print(f"TỆP LƯU TRỮ KHÔNG KHỚP: {len(check.problems)} lỗi.", file=sys.stderr)
        return EXIT_FAULT
    print(f"Tệp lưu trữ: tốt{' (mã hóa)' if check.encrypted else ''}. {check.dossiers} hồ sơ, {check.events} sự kiện; "
          f"{check.matched} sự kiện khớp mã băm máy đang lưu"
          + (f", {check.not_on_desk} sự kiện không có trên máy này." if check.not_on_desk else "."))
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace, Any], int]] = {
    "retention": retention_command,
    "archive": archive_command,
    "verify-archive": verify_archive_command,
}
