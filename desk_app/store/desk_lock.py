"""One program at a time on a desk's data folder: a lock file held by the window and by a restore.

``desk.lock`` in the data folder is locked with the operating system's own file lock (``flock`` on POSIX, ``msvcrt``
on Windows), so a program that dies (even killed) lets go of it at once: there is never a stale lock to clear by
hand. The file itself stays; what counts is whether someone holds its lock. The holder writes its process id and
purpose into it for the message others see.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType
from typing import Self

from desk_app.domain.errors import DomainError

LOCK_FILENAME = "desk.lock"

PURPOSES = {"gui": "cửa sổ Một Cửa Desk", "restore": "lệnh khôi phục (desk-app restore)"}


class DeskInUse(DomainError):
    """Another program holds the desk's lock."""


def _try_lock(fd: int) -> bool:
    if os.name == "nt":  # pragma: no cover - Windows
        import msvcrt

        try:
            os.lseek(fd, 1 << 20, os.SEEK_SET)  # a byte past the text, so the holder's note stays readable
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(fd: int) -> None:
    if os.name == "nt":  # pragma: no cover - Windows
        import msvcrt

        os.lseek(fd, 1 << 20, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


def holder(data_dir: Path) -> str:
    """What the lock file says about its holder ("" when unreadable)."""
    try:
        return (data_dir / LOCK_FILENAME).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ""


class DeskLock:
    """``with DeskLock(data_dir, "gui"):`` — refuses with :class:`DeskInUse` when another program holds it."""

    def __init__(self, data_dir: Path, purpose: str) -> None:
        self.data_dir = data_dir
        self.purpose = purpose
        self.fd: int | None = None

    def acquire(self) -> Self:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.data_dir / LOCK_FILENAME, os.O_RDWR | os.O_CREAT, 0o644)
        if not _try_lock(fd):
            os.close(fd)
            raise DeskInUse(self.in_use_message(), field="database")
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {self.purpose}\n".encode())
        self.fd = fd
        return self

    def in_use_message(self) -> str:
        pid, _, purpose = holder(self.data_dir).partition(" ")
        who = PURPOSES.get(purpose.strip(), "một chương trình Một Cửa Desk khác")
        process = f" (tiến trình {pid})" if pid.isdigit() else ""
        return (f"Dữ liệu của bàn ở {self.data_dir} đang được {who}{process} sử dụng. Đóng chương trình đó (hoặc chờ "
                "nó xong) rồi thử lại.")

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            _unlock(self.fd)
        finally:
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> Self:
        return self.acquire()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
