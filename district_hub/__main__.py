"""``python -m district_hub``: the same as ``district-hub``."""

from __future__ import annotations

import sys

from district_hub.cli import main

sys.exit(main())
