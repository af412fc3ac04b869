"""A throwaway PostgreSQL 15 server on 127.0.0.1 (see /work/shared/TESTING.md).

initdb refuses to run as root, so the cluster belongs to user ``postgres`` and
lives under a ``/tmp`` dir chowned to it (pytest's tmp dirs are mode 0700).
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

from tests.harness.components import find_pg_bin
from tests.harness.procs import free_port, register_cleanup, unregister_cleanup

PG_USER = "postgres"
_DB_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PostgresError(RuntimeError):
    pass


def _chown_tree(root: Path, uid: int, gid: int) -> None:
    os.chown(root, uid, gid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in (*dirnames, *filenames):
            os.chown(os.path.join(dirpath, name), uid, gid)


class PostgresServer:
    """initdb + pg_ctl; ``create_database()`` gives a SQLAlchemy URL per test."""

    def __init__(self, *, max_connections: int = 200, start: bool = True) -> None:
        self._initdb = find_pg_bin("initdb")
        self._pg_ctl = find_pg_bin("pg_ctl")
        self._runuser = shutil.which("runuser") or "/usr/sbin/runuser"
        account = pwd.getpwnam(PG_USER)
        self.root = Path(tempfile.mkdtemp(prefix="chartyard-pg-", dir="/tmp"))
        _chown_tree(self.root, account.pw_uid, account.pw_gid)
        self.data_dir = self.root / "data"
        self.log_path = self.root / "postgres.log"
        self.port = free_port()
        self.max_connections = max_connections
        self._running = False
        self._cleanup: int | None = None
        self._as_postgres(
            str(self._initdb),
            "-D",
            str(self.data_dir),
            "-U",
            PG_USER,
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        )
        if start:
            self.start()

    def _as_postgres(self, *argv: str) -> str:
        proc = subprocess.run(
            [self._runuser, "-u", PG_USER, "--", *argv],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=self.root,
        )
        if proc.returncode != 0:
            log = ""
            if self.log_path.exists():
                log = self.log_path.read_text(errors="replace")[-3000:]
            raise PostgresError(
                f"{argv[0]} failed ({proc.returncode}):\n{proc.stderr}\n"
                f"{proc.stdout}\n--- server log ---\n{log}"
            )
        return proc.stdout

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL for ``database``."""
        return f"postgresql+psycopg://{PG_USER}@{self.host}:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        """libpq DSN for ``database`` (for psycopg.connect)."""
        return f"host={self.host} port={self.port} user={PG_USER} dbname={database}"

    def start(self) -> None:
        if self._running:
            return
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} "
            f"-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            f"-c max_connections={self.max_connections}"
        )
        self._as_postgres(
            str(self._pg_ctl),
            "-D",
            str(self.data_dir),
            "-l",
            str(self.log_path),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "start",
        )
        self._running = True
        self._cleanup = register_cleanup(lambda: self.stop(mode="immediate"))

    def stop(self, mode: str = "fast") -> None:
        if not self._running:
            return
        if self._cleanup is not None:
            unregister_cleanup(self._cleanup)
        self._as_postgres(str(self._pg_ctl), "-D", str(self.data_dir), "-m", mode, "-w", "stop")
        self._running = False

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self._running

    def connect(self, database: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.dsn(database), autocommit=True)

    def create_database(self, name: str) -> str:
        """CREATE DATABASE ``name``; returns its SQLAlchemy URL."""
        if not _DB_NAME.match(name):
            raise ValueError(f"unsafe database name {name!r}")
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with self.connect() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def close(self) -> None:
        """Stop the server and delete its directory."""
        self.stop(mode="immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
