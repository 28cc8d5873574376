"""A throw-away PostgreSQL cluster for the tests (a pytest plugin: ``pytest_plugins = ["tests.postgres"]``).

``make test`` installs Debian's ``postgresql`` package when it can (scripts/system-deps.sh); this plugin then starts
a private cluster of its own, never the system one: ``initdb`` in a temporary folder, the server listening only on
127.0.0.1 on a free port, its unix socket inside that folder, trust authentication (loopback only), ``fsync=off``
for speed. It is started once per session, the first time a test asks for it, and stopped and removed at the end
of the session (also after failures, and at interpreter exit; a cluster whose session was killed outright is
stopped and removed by the next session that starts one). Its folder is in /dev/shm when
that has room (creating a database there takes ~20 ms, against ~350 ms on disk), else in the temporary folder.

PostgreSQL refuses to run as root: under root (CI, containers) ``initdb`` and the server run as the ``postgres``
account the Debian package creates, or as ``nobody``, and the temporary folder belongs to that account.

Fixtures:

``postgres_cluster`` (session): the running :class:`Cluster` (``host``, ``port``, ``user``, ``url(database)``).
``postgres_url`` (function): a fresh, empty database for one test, as a SQLAlchemy URL
    ``postgresql+psycopg://USER@127.0.0.1:PORT/t_<random>``; dropped after the test.

Without PostgreSQL (no ``initdb``/``pg_ctl`` on this machine) or when the cluster cannot start, the tests that ask
for it are skipped with the reason (``-ra`` shows it), never silently. Set ``DESK_TEST_REQUIRE_POSTGRES=1`` to make
that a failure instead (a machine that must run them), or ``DESK_TEST_POSTGRES_URL`` to an existing server's
maintenance database (``postgresql+psycopg://user@host:port/postgres``, allowed to create databases) to use that
server rather than a throw-away cluster.

:class:`Cluster` works outside pytest too (``bench/sync.py`` uses it)::

    with Cluster.start() as cluster:
        url = cluster.create_database()
"""

from __future__ import annotations

import atexit
import contextlib
import getpass
import glob
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import pytest

SKIP_REASON = "PostgreSQL không có trên máy này ({why}): bỏ qua các kiểm thử trên PostgreSQL"
REQUIRE_ENV = "DESK_TEST_REQUIRE_POSTGRES"
EXTERNAL_ENV = "DESK_TEST_POSTGRES_URL"
SUPERUSER = "desk_test"
DEBIAN_BIN_GLOB = "/usr/lib/postgresql/*/bin"
UNPRIVILEGED_ACCOUNTS = ("postgres", "nobody")
COMMAND_TIMEOUT = 60.0  # seconds for initdb, pg_ctl start (which waits for the server) and stop
START_ATTEMPTS = 3  # a free port can be taken between choosing it and the server binding it
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "120",  # the sync benchmark's fifty desks at once, plus the server's pool
    "log_min_messages": "warning",
    "logging_collector": "off",
}


PREFIX = "desk-pg-"  # the clusters' folders
OWNER_FILE = "owner.pid"  # the process whose session the cluster belongs to
FAST_SETTINGS = frozenset({"fsync", "synchronous_commit", "full_page_writes"})
SHM = Path("/dev/shm")
SHM_MIN_FREE = 512 * 1024 * 1024  # a cluster takes ~40 MB; a container's small /dev/shm is left alone


class PostgresUnavailable(RuntimeError):
    """PostgreSQL is not installed, or the throw-away cluster could not start (the message says why)."""


@dataclass(frozen=True)
class Binaries:
    initdb: Path
    pg_ctl: Path

    @property
    def version(self) -> str:
        output = subprocess.run([str(self.pg_ctl), "--version"], capture_output=True, text=True, timeout=10,
                                check=False).stdout
        match = re.search(r"(\d+(?:\.\d+)?)", output)
        return match.group(1) if match else "?"


def _version_key(folder: str) -> tuple[int, ...]:
    numbers = re.findall(r"\d+", Path(folder).parent.name)
    return tuple(int(n) for n in numbers)


def find_binaries(extra_dirs: Sequence[str] = ()) -> Binaries | None:
    """``initdb`` and ``pg_ctl`` from one installation: on PATH, else Debian's newest /usr/lib/postgresql/N/bin."""
    initdb = shutil.which("initdb")
    if initdb:
        # Both from the same folder (through symlinks: /usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb).
        folder = Path(initdb).resolve().parent
        if (folder / "pg_ctl").exists():
            return Binaries(folder / "initdb", folder / "pg_ctl")
        pg_ctl = shutil.which("pg_ctl")
        if pg_ctl:
            return Binaries(Path(initdb), Path(pg_ctl))
    candidates = [*extra_dirs, *sorted(glob.glob(DEBIAN_BIN_GLOB), key=_version_key, reverse=True)]
    for folder in candidates:
        base = Path(folder)
        if (base / "initdb").exists() and (base / "pg_ctl").exists():
            return Binaries(base / "initdb", base / "pg_ctl")
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Account:
    """Who runs initdb and the server: ourselves, or (under root) an unprivileged account."""

    name: str
    uid: int
    gid: int

    @staticmethod
    def for_server() -> Account:
        if _euid() != 0:  # an ordinary account (or Windows, which has no root and no uids): ourselves
            return Account(getpass.getuser(), _euid(), -1)
        import pwd

        for name in UNPRIVILEGED_ACCOUNTS:
            with contextlib.suppress(KeyError):
                entry = pwd.getpwnam(name)
                return Account(entry.pw_name, entry.pw_uid, entry.pw_gid)
        raise PostgresUnavailable("đang chạy bằng root mà không có tài khoản 'postgres' hay 'nobody' để chạy máy "
                                  "chủ PostgreSQL")

    @property
    def is_self(self) -> bool:
        return self.uid == _euid()

    def run(self, command: Sequence[str], *, cwd: Path,
            timeout: float = COMMAND_TIMEOUT) -> subprocess.CompletedProcess[str]:
        """Run a PostgreSQL tool as this account (setuid/setgid in the child, no supplementary groups)."""
        extra: dict[str, Any] = {}
        if not self.is_self:
            extra = {"user": self.uid, "group": self.gid, "extra_groups": []}
        env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        env.update(LC_ALL="C", LANG="C", HOME=str(cwd))
        return subprocess.run(list(command), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, check=False, **extra)


def _euid() -> int:
    """The effective user id (-1 where there is none: Windows)."""
    geteuid = getattr(os, "geteuid", None)
    return int(geteuid()) if geteuid is not None else -1


def _world_traversable(folder: Path) -> bool:
    """Can another account reach a folder inside ``folder`` (every folder on the way has o+x)?"""
    for part in [folder, *folder.parents]:
        try:
            if not part.stat().st_mode & 0o001:
                return False
        except OSError:
            return False
    return True


def _base_dir(account: Account, *, in_memory: bool) -> Path:
    """Where the cluster's folder goes: /dev/shm when it has room (CREATE DATABASE takes ~20 ms there against
    ~350 ms on an ext4 disk, even with fsync off), else the temporary folder; one the server's account can reach."""
    candidates = [Path(tempfile.gettempdir()), Path("/tmp")]
    if in_memory:
        with contextlib.suppress(OSError):
            info = os.statvfs(SHM)
            if info.f_bavail * info.f_frsize >= SHM_MIN_FREE:
                candidates.insert(0, SHM)
    for folder in candidates:
        if folder.is_dir() and os.access(folder, os.W_OK | os.X_OK) and (
                account.is_self or _world_traversable(folder)):
            return folder
    raise PostgresUnavailable(f"không có thư mục tạm nào mà tài khoản '{account.name}' vào được để đặt cụm "
                              "PostgreSQL")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's live process (or a platform without the probe): leave it be
    return True


def reap_orphans(binaries: Binaries, base: Path) -> list[Path]:
    """Stop and remove the clusters of sessions that died without cleaning up (a SIGKILL, a CI timeout's SIGTERM:
    no finaliser runs), so they do not pile up in memory; returns their folders. A folder whose owner file names a
    live process, or has none yet (being created), is left alone."""
    reaped = []
    for root in base.glob(f"{PREFIX}*"):
        try:
            owner = int((root / OWNER_FILE).read_text(encoding="ascii").strip())
            info = root.stat()
        except (OSError, ValueError):
            continue
        if _alive(owner):
            continue
        if info.st_uid != _euid() and _euid() != 0:
            continue  # another account's: not ours to stop
        account = Account("owner", info.st_uid, info.st_gid)
        data = root / "data"
        if (data / "postmaster.pid").exists():
            try:
                done = account.run([str(binaries.pg_ctl), "-D", str(data), "-m", "immediate", "-w", "-t", "30",
                                    "stop"], cwd=root, timeout=40)
            except (OSError, subprocess.SubprocessError):
                continue
            if done.returncode != 0 and (data / "postmaster.pid").exists():
                continue  # still running, it seems: never pull the folder from under a live server
        shutil.rmtree(root, ignore_errors=True)
        reaped.append(root)
    return reaped


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@dataclass
class Cluster:
    """A running throw-away cluster; :meth:`stop` stops it and removes its folder (idempotent)."""

    binaries: Binaries
    account: Account
    root: Path
    port: int
    host: str = "127.0.0.1"
    user: str = SUPERUSER
    started_in: float = 0.0  # seconds from initdb to accepting connections
    _stopped: bool = field(default=False, repr=False)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str = "postgres", driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://{self.user}@{self.host}:{self.port}/{database}"

    @property
    def conninfo(self) -> str:
        """For psycopg.connect (the maintenance database)."""
        return f"host={self.host} port={self.port} user={self.user} dbname=postgres connect_timeout=10"

    # -- life ------------------------------------------------------------------------------------------------
    @classmethod
    def start(cls, binaries: Binaries | None = None, *, durable: bool = False) -> Cluster:
        """initdb, then start on a free port; raises :class:`PostgresUnavailable` with the reason.

        By default the cluster favours speed (in memory where /dev/shm has room, ``fsync=off``); ``durable`` keeps
        it on disk with PostgreSQL's durable defaults (for benchmarks that should resemble production).
        """
        binaries = binaries or find_binaries()
        if binaries is None:
            raise PostgresUnavailable("không tìm thấy initdb và pg_ctl trong PATH hay /usr/lib/postgresql/*/bin; "
                                      "cài gói Debian 'postgresql'")
        account = Account.for_server()
        base = _base_dir(account, in_memory=not durable)
        reap_orphans(binaries, base)
        root = Path(tempfile.mkdtemp(prefix=PREFIX, dir=base))
        (root / OWNER_FILE).write_text(str(os.getpid()), encoding="ascii")
        cluster = cls(binaries, account, root, 0)
        began = time.perf_counter()
        try:
            cluster._initdb(durable)
            cluster._start()
        except BaseException:
            cluster.stop()
            raise
        cluster.started_in = time.perf_counter() - began
        atexit.register(cluster.stop)
        return cluster

    def _initdb(self, durable: bool) -> None:
        self.socket_dir.mkdir()
        if not self.account.is_self:
            for path in (self.root, self.socket_dir):
                os.chown(path, self.account.uid, self.account.gid)
        os.chmod(self.root, 0o700)
        result = self.account.run(
            [str(self.binaries.initdb), "-D", str(self.data), "-U", self.user, "-A", "trust", "-E", "UTF8",
             "--locale=C", "--no-sync"], cwd=self.root)
        if result.returncode != 0:
            raise PostgresUnavailable(f"initdb thất bại (mã {result.returncode}): "
                                      f"{(result.stderr or result.stdout).strip()[-800:]}")
        settings = {**SERVER_SETTINGS, "unix_socket_directories": f"'{self.socket_dir}'"}
        if durable:
            settings = {k: v for k, v in settings.items() if k not in FAST_SETTINGS}
        conf = "\n".join(f"{key} = {value}" for key, value in settings.items())
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as file:
            file.write(f"\n# desk tests: a throw-away cluster\n{conf}\n")

    def _start(self) -> None:
        last = ""
        for _ in range(START_ATTEMPTS):
            self.port = free_port()
            result = self.account.run(
                [str(self.binaries.pg_ctl), "-D", str(self.data), "-l", str(self.log), "-w", "-t",
                 str(int(COMMAND_TIMEOUT)), "-o", f"-p {self.port}", "start"], cwd=self.root,
                timeout=COMMAND_TIMEOUT + 10)
            if result.returncode == 0:
                return
            last = f"{result.stderr.strip()} {_tail(self.log)}".strip()
            if "could not bind" not in last and "already in use" not in last:
                break
        raise PostgresUnavailable(f"máy chủ PostgreSQL tạm không khởi động được: {last[-1200:]}")

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        try:
            if (self.data / "postmaster.pid").exists():
                self.account.run([str(self.binaries.pg_ctl), "-D", str(self.data), "-m", "immediate", "-w", "-t",
                                  "30", "stop"], cwd=self.root, timeout=40)
        except (OSError, subprocess.SubprocessError):
            pass
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    # -- databases -------------------------------------------------------------------------------------------
    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        name = name or new_database_name()
        create_database(self.conninfo, name)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        drop_database(self.conninfo, name)


def new_database_name() -> str:
    return f"t_{secrets.token_hex(6)}"


def create_database(conninfo: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(conninfo: str, name: str) -> None:
    """Drop, closing whatever connections a test left open (a pool, a server subprocess)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(conninfo, autocommit=True) as connection:
        if connection.info.server_version >= 130000:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            return
        connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


@dataclass(frozen=True)
class External:
    """A server the developer named in DESK_TEST_POSTGRES_URL (its maintenance database)."""

    url_text: str

    @property
    def conninfo(self) -> str:
        return self.url_text.replace("postgresql+psycopg://", "postgresql://", 1)

    def url(self, database: str) -> str:
        base, _, _ = self.url_text.rpartition("/")
        return f"{base}/{database}"

    def create_database(self, name: str | None = None) -> str:
        name = name or new_database_name()
        create_database(self.conninfo, name)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        drop_database(self.conninfo, name)


def _unavailable(why: str) -> None:
    message = SKIP_REASON.format(why=why)
    if os.environ.get(REQUIRE_ENV, "") not in ("", "0"):
        pytest.fail(f"{message} — nhưng {REQUIRE_ENV} đòi phải có PostgreSQL", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster | External]:
    """The session's PostgreSQL server (started on first use); skipped with the reason where there is none."""
    external = os.environ.get(EXTERNAL_ENV, "").strip()
    if external:
        yield External(external)
        return
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("thiếu gói Python psycopg: pip install -e '.[dev]'")
    binaries = find_binaries()
    if binaries is None:
        _unavailable("không tìm thấy initdb/pg_ctl; trên Debian: apt-get install postgresql")
        return
    try:
        cluster = Cluster.start(binaries)
    except PostgresUnavailable as error:
        _unavailable(str(error))
        return
    except (OSError, subprocess.SubprocessError) as error:
        _unavailable(f"không chạy được PostgreSQL {binaries.version}: {error}")
        return
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def postgres_url(postgres_cluster: Cluster | External) -> Iterator[str]:
    """A fresh empty database for this test: ``postgresql+psycopg://USER@127.0.0.1:PORT/t_<random>``."""
    name = new_database_name()
    url = postgres_cluster.create_database(name)
    try:
        yield url
    finally:
        postgres_cluster.drop_database(name)
