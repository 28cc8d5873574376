"""The throw-away PostgreSQL cluster of tests/postgres.py: a working fresh database per test where PostgreSQL is
installed, a visible skip (or, on demand, a failure) where it is not, and nothing left behind after the session."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.postgres import (
    OWNER_FILE,
    SKIP_REASON,
    Binaries,
    Cluster,
    External,
    PostgresUnavailable,
    find_binaries,
    reap_orphans,
)

ROOT = Path(__file__).resolve().parent.parent
seen_databases: list[str] = []


def _roundtrip(url: str) -> list[tuple[int, str]]:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            tables = sa.inspect(connection).get_table_names()
            assert tables == [], f"a fresh database holds no tables, this one has {tables}"
            connection.execute(sa.text("CREATE TABLE dossiers (id integer PRIMARY KEY, name text NOT NULL)"))
            connection.execute(sa.text("INSERT INTO dossiers VALUES (:id, :name)"),
                               [{"id": 1, "name": "Nguyễn Thị Đào"}, {"id": 2, "name": "Lê Văn Ưng"}])
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT id, name FROM dossiers ORDER BY id")).all()
            assert connection.dialect.name == "postgresql"
            assert connection.dialect.driver == "psycopg"
    finally:
        engine.dispose()
    return [(int(r[0]), str(r[1])) for r in rows]


@pytest.mark.parametrize("round_", [1, 2])
def test_each_test_gets_a_fresh_working_database(postgres_url: str, round_: int) -> None:
    assert postgres_url.startswith("postgresql+psycopg://")
    name = postgres_url.rsplit("/", 1)[1]
    assert name.startswith("t_") and name not in seen_databases
    # The same statements in both rounds: the second would fail on "relation already exists" if it were shared.
    assert _roundtrip(postgres_url) == [(1, "Nguyễn Thị Đào"), (2, "Lê Văn Ưng")]
    engine = sa.create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            databases = set(connection.execute(sa.text("SELECT datname FROM pg_database")).scalars())
    finally:
        engine.dispose()
    assert name in databases
    assert not databases & set(seen_databases), "the previous test's database is dropped after it"
    seen_databases.append(name)


def test_the_cluster_listens_on_loopback_only(postgres_cluster: Cluster | External) -> None:
    if not isinstance(postgres_cluster, Cluster):
        pytest.skip("một máy chủ PostgreSQL có sẵn (DESK_TEST_POSTGRES_URL), không phải cụm tạm của phiên")
    assert postgres_cluster.host == "127.0.0.1"
    with socket.create_connection(("127.0.0.1", postgres_cluster.port), timeout=5):
        pass
    engine = sa.create_engine(postgres_cluster.url())
    try:
        with engine.connect() as connection:
            settings = dict(connection.execute(sa.text(
                "SELECT name, setting FROM pg_settings WHERE name IN "
                "('listen_addresses', 'fsync', 'unix_socket_directories', 'port')")).all())
    finally:
        engine.dispose()
    assert settings["listen_addresses"] == "127.0.0.1"
    assert settings["fsync"] == "off"
    assert settings["port"] == str(postgres_cluster.port)
    assert settings["unix_socket_directories"] == str(postgres_cluster.socket_dir)
    if getattr(os, "geteuid", lambda: -1)() == 0:
        assert postgres_cluster.account.uid != 0  # PostgreSQL refuses root: an unprivileged account runs it


def test_the_binaries_are_found_in_a_debian_style_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    folder = tmp_path / "15" / "bin"
    folder.mkdir(parents=True)
    (folder / "initdb").write_text("#!/bin/sh\n")
    assert find_binaries([str(folder)]) != Binaries(folder / "initdb", folder / "pg_ctl")  # pg_ctl missing
    for tool in ("initdb", "pg_ctl"):
        (folder / tool).write_text("#!/bin/sh\n")
        (folder / tool).chmod(0o755)
    assert find_binaries([str(folder)]) == Binaries(folder / "initdb", folder / "pg_ctl")


def test_without_binaries_the_cluster_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tests.postgres.find_binaries", lambda *_: None)
    with pytest.raises(PostgresUnavailable, match="postgresql"):
        Cluster.start()


@pytest.fixture
def fake_tools() -> Iterator[Path]:
    """A folder for stand-in initdb/pg_ctl scripts that the server's account (under root: another one) can run."""
    folder = Path(tempfile.mkdtemp(prefix="desk-fake-pg-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body), encoding="utf-8")
    path.chmod(0o755)
    return path


def test_a_failing_initdb_is_reported_with_its_error(fake_tools: Path) -> None:
    initdb = _script(fake_tools / "initdb", 'echo "initdb: error: disk full in the test" >&2\nexit 1\n')
    pg_ctl = _script(fake_tools / "pg_ctl", "exit 0\n")
    with pytest.raises(PostgresUnavailable, match="initdb thất bại .*disk full in the test"):
        Cluster.start(Binaries(initdb, pg_ctl))


def test_a_server_that_does_not_start_is_reported_with_pg_ctl_s_error(
        fake_tools: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    initdb = _script(fake_tools / "initdb", 'mkdir -p "$2" && touch "$2/postgresql.conf"\n')
    pg_ctl = _script(fake_tools / "pg_ctl", 'echo "pg_ctl: could not start server (test)" >&2\nexit 1\n')
    made: list[str] = []
    real_mkdtemp = tempfile.mkdtemp

    def recording_mkdtemp(*args: Any, **kwargs: Any) -> str:
        made.append(real_mkdtemp(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr("tests.postgres.tempfile.mkdtemp", recording_mkdtemp)
    with pytest.raises(PostgresUnavailable, match="could not start server \\(test\\)"):
        Cluster.start(Binaries(initdb, pg_ctl))
    assert len(made) == 1
    assert not Path(made[0]).exists(), "the failed cluster's folder is removed"


def _inner_session(tmp_path: Path, body: str, conftest: str, **env: str) -> subprocess.CompletedProcess[str]:
    """A separate pytest session in a folder of its own, with this plugin, so its start and end can be watched."""
    (tmp_path / "conftest.py").write_text(textwrap.dedent(conftest), encoding="utf-8")
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(body), encoding="utf-8")
    # Only this plugin: the installed ones (Qt, hypothesis, ...) cost seconds to load and play no part here.
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", **env}
    environment.pop("DESK_TEST_POSTGRES_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-ra", "-q", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path), str(tmp_path)],
        cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120, check=False)


NO_POSTGRES = """
    import tests.postgres

    tests.postgres.find_binaries = lambda *_: None  # as on a machine without PostgreSQL
    pytest_plugins = ["tests.postgres"]
"""


def test_without_postgresql_the_tests_are_skipped_with_the_reason(tmp_path: Path) -> None:
    result = _inner_session(tmp_path, """
        def test_needs_postgres(postgres_url):
            assert False, "never reached"

        def test_other():
            pass
    """, NO_POSTGRES, DESK_TEST_REQUIRE_POSTGRES="")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 1 skipped" in result.stdout
    summary = result.stdout[result.stdout.index("short test summary"):]
    assert "SKIPPED" in summary
    assert SKIP_REASON.split(" (")[0] in summary  # "PostgreSQL không có trên máy này", shown by -ra
    assert "bỏ qua các kiểm thử trên PostgreSQL" in summary


def test_a_machine_that_requires_postgresql_fails_without_it(tmp_path: Path) -> None:
    result = _inner_session(tmp_path, """
        def test_needs_postgres(postgres_url):
            pass
    """, NO_POSTGRES, DESK_TEST_REQUIRE_POSTGRES="1")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "DESK_TEST_REQUIRE_POSTGRES" in result.stdout


def test_the_cluster_is_stopped_and_removed_after_a_failing_session(
        tmp_path: Path, postgres_cluster: Cluster | External) -> None:
    if not isinstance(postgres_cluster, Cluster):
        pytest.skip("một máy chủ PostgreSQL có sẵn (DESK_TEST_POSTGRES_URL), không phải cụm tạm của phiên")
    record = tmp_path / "cluster.txt"
    inner = tmp_path / "inner"
    inner.mkdir()
    result = _inner_session(inner, f"""
        from pathlib import Path

        def test_fails_while_the_cluster_runs(postgres_cluster, postgres_url):
            Path({str(record)!r}).write_text(f"{{postgres_cluster.root}} {{postgres_cluster.port}}")
            assert False, "a failing test"
    """, 'pytest_plugins = ["tests.postgres"]\n')
    assert result.returncode == 1, result.stdout + result.stderr
    assert "a failing test" in result.stdout
    root_text, port_text = record.read_text().split()
    assert not Path(root_text).exists()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", int(port_text)), timeout=2):
        pass


def test_a_cluster_left_by_a_dead_session_is_reaped_by_the_next(postgres_cluster: Cluster | External) -> None:
    if not isinstance(postgres_cluster, Cluster):
        pytest.skip("một máy chủ PostgreSQL có sẵn (DESK_TEST_POSTGRES_URL), không phải cụm tạm của phiên")
    orphan = Cluster.start(postgres_cluster.binaries)
    try:
        assert (orphan.root / OWNER_FILE).read_text() == str(os.getpid())
        assert reap_orphans(orphan.binaries, orphan.root.parent) == []  # its owner (this process) is alive
        assert orphan.root.exists()
        gone = subprocess.Popen([sys.executable, "-c", "pass"])
        gone.wait()
        (orphan.root / OWNER_FILE).write_text(str(gone.pid))  # as if the session that started it was killed
        assert orphan.root in reap_orphans(orphan.binaries, orphan.root.parent)
        assert not orphan.root.exists()
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", orphan.port), timeout=2):
            pass
        assert postgres_cluster.root.exists()  # the live session's own cluster is untouched
    finally:
        orphan.stop()
