"""A private Postgres server for the tests: Debian's `postgresql` binaries,
initdb + pg_ctl in a data directory of its own, listening on 127.0.0.1 only
on a free port, no Unix socket shared with anything else. Run as the
`postgres` OS user when the tests run as root (initdb refuses root).

    with PostgresServer.start() as server:
        server.dsn(user="supportwh")

`python tests/postgres.py` starts one for hand testing and prints its env.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

# Who builds the warehouse (owns the database), who reads it from BI.
DATABASE = "supportwh"
BUILDER = "supportwh_builder"
BI_ROLE = "supportwh_bi"
BI_LOGIN = "supportwh_bi_reader"


def postgres_bin() -> Path:
    """The newest /usr/lib/postgresql/<ver>/bin holding initdb and pg_ctl."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name.split(".")[0]),
    )
    if not candidates:
        raise RuntimeError(
            "Debian's postgresql is not installed (/usr/lib/postgresql/<ver>/bin/initdb): "
            "`make postgresql` installs it (apt-get install postgresql)"
        )
    return Path(candidates[-1]).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    root: Path
    port: int
    superuser_password: str
    passwords: dict[str, str] = field(default_factory=dict)
    bin_dir: Path = field(default_factory=postgres_bin)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    # -- lifecycle ---------------------------------------------------------
    @classmethod
    def start(cls) -> PostgresServer:
        # Not under pytest's tmp dir: that one is private to root (0700) and
        # the server runs as the postgres user.
        root = Path(tempfile.mkdtemp(prefix="supportwh-pg-"))
        server = cls(root=root, port=free_port(), superuser_password=secrets.token_hex(12))
        try:
            server._initdb()
            server._pg_ctl("start", "-w", "-t", "60", "-l", str(root / "server.log"))
            server._create_roles()
        except BaseException:
            server.stop()
            raise
        return server

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._pg_ctl("stop", "-m", "fast", "-w", "-t", "60", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- connections -------------------------------------------------------
    def connect(self, user: str = "postgres", dbname: str = DATABASE):
        """An autocommit connection (close it: `with closing(server.connect())`)."""
        import psycopg2

        password = self.superuser_password if user == "postgres" else self.passwords[user]
        conn = psycopg2.connect(
            host="127.0.0.1", port=self.port, user=user, password=password, dbname=dbname
        )
        conn.autocommit = True
        return conn

    def env(self, user: str = BUILDER, schema: str = "analytics") -> dict[str, str]:
        """The SUPPORTWH_PG_* variables of profiles.yml for `user`."""
        return {
            "SUPPORTWH_PG_HOST": "127.0.0.1",
            "SUPPORTWH_PG_PORT": str(self.port),
            "SUPPORTWH_PG_USER": user,
            "SUPPORTWH_PG_PASSWORD": self.passwords[user],
            "SUPPORTWH_PG_DATABASE": DATABASE,
            "SUPPORTWH_PG_SCHEMA": schema,
        }

    # -- internals ---------------------------------------------------------
    def _as_server_user(self, argv: list[str], check: bool = True):
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        return subprocess.run(argv, check=check, capture_output=True, text=True, timeout=120)

    def _initdb(self) -> None:
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.superuser_password + "\n")
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres")
            shutil.chown(pwfile, user="postgres")
        self.root.chmod(0o700)
        self._as_server_user(
            [
                str(self.bin_dir / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                "postgres",
                f"--pwfile={pwfile}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
        pwfile.unlink()
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# supportwh tests: private, loopback only, no shared socket\n"
                "listen_addresses = '127.0.0.1'\n"
                f"port = {self.port}\n"
                f"unix_socket_directories = '{self.root}'\n"
                "timezone = 'UTC'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "max_connections = 40\nshared_buffers = 128MB\n"
            )

    def _pg_ctl(self, *args: str, check: bool = True):
        result = self._as_server_user(
            [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), *args], check=False
        )
        if check and result.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"pg_ctl {args[0]} failed: {result.stderr.strip()}\n{tail}")
        return result

    def _create_roles(self) -> None:
        """The builder owns the database; the BI role (no login) gets its
        grants from dbt; a login user is a member of it. PUBLIC loses its
        default CONNECT and TEMP on the database (docs/postgres_bi_role.sql)."""
        for user in (BUILDER, BI_LOGIN):
            self.passwords[user] = secrets.token_hex(12)
        with closing(self.connect(dbname="postgres")) as conn, conn.cursor() as cur:
            cur.execute(f"create role {BUILDER} login password %s", [self.passwords[BUILDER]])
            cur.execute(f"create database {DATABASE} owner {BUILDER}")
        sql = (Path(__file__).resolve().parents[1] / "docs" / "postgres_bi_role.sql").read_text()
        with closing(self.connect()) as conn, conn.cursor() as cur:
            cur.execute(sql)
            cur.execute(
                f"create role {BI_LOGIN} login password %s in role {BI_ROLE}",
                [self.passwords[BI_LOGIN]],
            )


if __name__ == "__main__":  # hand testing: start, print the env, wait
    import signal

    # stop on SIGTERM too, and on SIGINT even when started in the background
    # (where the shell ignores SIGINT)
    def _exit(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _exit)
    signal.signal(signal.SIGINT, _exit)
    server = PostgresServer.start()
    try:
        for key, value in server.env().items():
            print(f"export {key}={value}")
        print(f"# superuser postgres password: {server.superuser_password}", flush=True)
        while True:
            time.sleep(3600)
    finally:
        server.stop()
