"""Helpers of the command-line tests that kill a child process mid-work."""

from __future__ import annotations

import os


def read_available(fd: int) -> bytes:
    """What a non-blocking pipe holds now (b"" when nothing, or when the writer has gone)."""
    data = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return data
        if not chunk:
            return data
        data += chunk
