"""What the web app holds: the open database and the clock (injected, so tests fix the time)."""

from __future__ import annotations

from dataclasses import dataclass

from district_hub.clock import Clock, system_now
from district_hub.db import HubDatabase


@dataclass
class Hub:
    db: HubDatabase
    clock: Clock = system_now
