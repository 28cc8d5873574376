"""``district-hub``: the upper-level server's command line.

The server itself (serve, add-commune, stats, decide, publish-catalog, publish-holidays) is built with the sync
issue; until then this entry point only answers ``--version`` and ``--help``, and says so plainly otherwise.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from desk_app import __version__


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="district-hub",
        description="Máy chủ cấp trên (tỉnh, hoặc huyện theo mô hình cũ) nhận dữ liệu đồng bộ từ các xã.",
    )
    parser.add_argument("--version", action="version", version=f"district-hub {__version__}")
    parser.parse_args(argv)
    print("district-hub chưa có lệnh nào trong phiên bản này: máy chủ đồng bộ được xây cùng chức năng đồng bộ.",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
