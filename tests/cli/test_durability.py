"""A writer killed with SIGKILL at random moments never loses a dossier it reported, never corrupts the database.

The child records dossiers in a loop through the real services and prints each code once ``receive`` has returned
(its transaction committed). The parent kills it at a random moment, then checks that the database verifies
(integrity, hash chain, projection) and that every printed code is there.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from desk_app.services.desk import initialise, open_desk
from desk_app.services.integrity import verify
from desk_app.store.models import Dossier
from tests.cli._support import read_available

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

CHILD = textwrap.dedent(
    """
    import sys, itertools
    from pathlib import Path
    from desk_app.services.clock import SystemClock
    from desk_app.services.context import ServiceContext
    from desk_app.services.desk import open_desk
    from desk_app.services.intake import ReceiveRequest, receive
    from desk_app.services.actions import DossierActions

    db = open_desk(Path(sys.argv[1]))
    ctx = ServiceContext(db, SystemClock(), "test:durability")
    actions = DossierActions(ctx)
    print("ready", flush=True)
    for i in itertools.count():
        receipt = receive(ctx, ReceiveRequest(procedure="XA.CT.01", applicant={"name": "Trần Thị " + "ABCDEFG"[i % 7]}))
        print(receipt.code, flush=True)
        if i % 3 == 0:
            actions.result_ready(receipt.code)
    """
)


def test_sigkill_loses_nothing_that_was_reported(tmp_path: Path) -> None:
    data_dir = tmp_path / "desk"
    db = open_desk(data_dir)
    initialise(db, {"agency_code": "000.31.22.H20"})
    db.close()
    rng = random.Random(2026)
    reported: list[str] = []
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for _ in range(6):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(data_dir)], stdout=subprocess.PIPE, env=env)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"ready"
        fd = child.stdout.fileno()
        os.set_blocking(fd, False)
        deadline = time.monotonic() + rng.uniform(0.3, 1.5)
        buffer = b""
        while time.monotonic() < deadline:
            buffer += read_available(fd)
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        buffer += read_available(fd)
        child.stdout.close()
        lines = buffer.decode("utf-8").split("\n")
        reported.extend(line for line in lines[:-1] if line)  # a last line without newline was not finished

        db = open_desk(data_dir)
        try:
            with db.session() as session:
                report = verify(session)
                assert report.ok, report.problems
                stored = set(session.scalars(Dossier.__table__.select().with_only_columns(Dossier.code)))
        finally:
            db.close()
        missing = [code for code in reported if code not in stored]
        assert not missing, f"reported but lost after SIGKILL: {missing}"
    assert len(reported) > 20  # the child really worked between kills


