"""A PostgreSQL server for the end-to-end tests: the one at INSTAGRAM_TEST_PG_DSN, else a throwaway.

When nothing answers at the DSN (default the local server on 127.0.0.1:5432), a cluster is made
with the installed binaries in a temporary folder, owned by a non-root user (`initdb` refuses
root), listening on a free loopback port with trust authentication, and removed afterwards.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"


def _runuser() -> str:
    """`runuser` lives in the sbin folders, which a user's PATH need not list."""
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    found = shutil.which("runuser", path=search)
    if not found:
        raise RuntimeError(
            "runuser is missing: it ships with util-linux (`apt-get install util-linux`)"
        )
    return found


def _binary(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                                                   reverse=True)), None)  # fmt: skip
    if not found:
        raise RuntimeError(
            f"PostgreSQL's {name} is not installed: `apt-get install postgresql` (.ci/run does it)"
        )
    return found


def answers(dsn: str) -> bool:
    """True when a server accepts connections at `dsn`."""
    parts = urlsplit(dsn)
    probe = [_binary("pg_isready"), "-h", parts.hostname or "127.0.0.1",
             "-p", str(parts.port or 5432), "-t", "3"]  # fmt: skip
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """initdb + pg_ctl start as a non-root user; yields the DSN; stops and removes it after."""
    base = Path(tempfile.mkdtemp(prefix="instagram-pg-"))
    data, sockets = base / "data", base / "sockets"
    sockets.mkdir()
    user = None
    if os.geteuid() == 0:
        user = "postgres"
        entry = pwd.getpwnam(user)
        for path in (base, sockets):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    as_user = [_runuser(), "-u", user, "--"] if user else []
    port = _free_port()
    subprocess.run([*as_user, _binary("initdb"), "-D", str(data), "-U", "postgres",
                    "--auth=trust", "-E", "UTF8", "--no-sync"], check=True, capture_output=True)  # fmt: skip
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run([*as_user, _binary("pg_ctl"), "-D", str(data), "-o", options, "-w",
                    "-l", str(base / "server.log"), "start"], check=True, capture_output=True)  # fmt: skip
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, _binary("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       check=False, capture_output=True)  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def postgres() -> Iterator[str]:
    """The configured server when it answers, else a throwaway cluster."""
    dsn = os.environ.get("INSTAGRAM_TEST_PG_DSN", DEFAULT_DSN)
    if answers(dsn):
        yield dsn
        return
    with throwaway_cluster() as made:
        yield made


def sql(dsn: str, query: str) -> list[list[str]]:
    """Run `query` with psql; rows as lists of strings."""
    out = subprocess.run([_binary("psql"), dsn, "-v", "ON_ERROR_STOP=1", "-AtF", "\t", "-c", query],
                         check=True, capture_output=True, text=True)  # fmt: skip
    return [line.split("\t") for line in out.stdout.splitlines() if line]


def sql_file(dsn: str, path: Path) -> None:
    """Run a SQL file with psql, stopping at the first error."""
    subprocess.run([_binary("psql"), dsn, "-v", "ON_ERROR_STOP=1", "-q", "-f", str(path)],
                   check=True, capture_output=True, text=True)  # fmt: skip


def postgres_env(prefix: str, dsn: str) -> dict[str, str]:
    """HOST, PORT, USER, PASSWORD, DATABASE settings of a Meltano plugin, from a DSN."""
    parts = urlsplit(dsn)
    return {
        f"{prefix}_HOST": parts.hostname or "127.0.0.1", f"{prefix}_PORT": str(parts.port or 5432),
        f"{prefix}_USER": parts.username or "postgres",
        f"{prefix}_PASSWORD": parts.password or "unused-with-trust-auth",
        f"{prefix}_DATABASE": parts.path.lstrip("/") or "postgres",
    }  # fmt: skip
